"""Characters and the 文字情報基盤 font (IPAmj明朝): private-use code points (外字), variation selectors, which
characters the font can print, and MJ identifiers (文字図形名 MJ000001 …) resolved to their Unicode / IVS form
through the font's own glyph names and cmap (format 4/12 and 14)."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

IPAMJ = Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf")  # Debian fonts-ipamj-mincho
PLACEHOLDER = "〓"  # 下駄記号: shown in place of a private-use code point


def is_private_use(ch: str) -> bool:
    return unicodedata.category(ch) == "Co"


def private_use(text: str) -> list[str]:
    """The private-use characters of `text`, in order, each once."""
    return list(dict.fromkeys(ch for ch in text if unicodedata.category(ch) == "Co"))


def is_selector(ch: str) -> bool:
    o = ord(ch)
    return 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def without_private_use(text: str) -> str:
    """The text as a screen shows it: a private-use code point becomes 〓."""
    if not text or not any(unicodedata.category(ch) == "Co" for ch in text):
        return text
    return "".join(PLACEHOLDER if unicodedata.category(ch) == "Co" else ch for ch in text)


class FontMissing(RuntimeError):
    pass


@cache
def _font() -> Any:
    from fontTools.ttLib import TTFont

    if not IPAMJ.is_file():
        raise FontMissing(f"IPAmj明朝（{IPAMJ}）がありません。Debian の fonts-ipamj-mincho を導入してください。")
    return TTFont(str(IPAMJ), lazy=True)


@cache
def ipamj_cmap() -> frozenset[int]:
    """The code points IPAmj明朝 has a glyph for (its best cmap)."""
    return frozenset(_font().getBestCmap())


@cache
def _mj_forms() -> dict[str, str]:
    """MJ identifier (upper case) → its form in Unicode: the base character, or base + IVS selector."""
    font = _font()
    out: dict[str, str] = {}
    for table in font["cmap"].tables:
        if table.format == 14:
            for selector, pairs in table.uvsDict.items():
                for base, glyph in pairs:
                    if glyph is not None:
                        out.setdefault(glyph.upper(), chr(base) + chr(selector))
    for cp, glyph in font.getBestCmap().items():
        if not 0xE000 <= cp <= 0xF8FF and not 0xF0000 <= cp:
            out[glyph.upper()] = chr(cp)  # a code point of its own wins over a sequence
    return out


def mj_form(identifier: str) -> str | None:
    """The Unicode (or IVS) form of an MJ identifier such as MJ012345, None if the font does not know it."""
    key = identifier.strip().upper()
    if key.startswith("MJ") and key[2:].isdigit():
        key = f"MJ{int(key[2:]):06d}"
    return _mj_forms().get(key)


def missing_glyphs(text: str) -> list[str]:
    """Characters of `text` IPAmj明朝 cannot print (variation selectors excepted: they are dropped on print)."""
    have = ipamj_cmap()
    return list(dict.fromkeys(ch for ch in text if ord(ch) not in have and not is_selector(ch)
                              and ch not in "\n\r\t"))
