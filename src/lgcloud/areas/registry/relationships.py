"""続柄: only the terms the standard allows — 世帯主, 同居人, 縁故者, or up to four of
夫・妻・夫（未届）・妻（未届）・子・父・母・兄・姉・弟・妹 joined by 「の」 (e.g. 子の妻, 妻の父)."""

from __future__ import annotations

import unicodedata

from lgcloud.platform.common.errors import ValidationFailed

HEAD = "世帯主"
STANDALONE = {HEAD, "同居人", "縁故者"}
ATOMS = {"夫", "妻", "夫（未届）", "妻（未届）", "子", "父", "母", "兄", "姉", "弟", "妹"}
MAX_CHAIN = 4


def canonical(text: str) -> str:
    t = unicodedata.normalize("NFKC", (text or "").strip()).replace(" ", "").replace("\u3000", "")
    return t.replace("(", "（").replace(")", "）")


def validate_relationship(text: str) -> str:
    """Return the canonical form, or raise naming what is wrong."""
    t = canonical(text)
    if not t:
        raise ValidationFailed("続柄を入力してください。", field="relationship")
    if t in STANDALONE:
        return t
    parts = t.split("の")
    if len(parts) > MAX_CHAIN:
        raise ValidationFailed(
            f"続柄「{text}」は続柄の連鎖が長すぎます（{MAX_CHAIN}代まで）。それより遠い場合は「縁故者」としてください。",
            field="relationship",
        )
    bad = [p for p in parts if p not in ATOMS]
    if bad:
        raise ValidationFailed(
            f"続柄「{text}」に使えない語があります（{'、'.join(bad) or '空欄'}）。"
            "「孫」「祖父」などは使わず「子の子」「父の父」のように記載してください。",
            field="relationship",
        )
    return t
