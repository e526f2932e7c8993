"""全国地方公共団体コード (JIS X 0402): six digits, the last a check digit."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from lgcloud.platform.common.errors import ValidationFailed

DATA_DIR = Path(__file__).resolve().parent / "data"
_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(first_five: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_five, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def validate_municipality_code(code: str) -> str:
    """Return the code if valid, else raise with a message saying what is wrong."""
    code = (code or "").strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    # isascii(): str.isdigit() is also true for "²", "١" … which int() rejects or misreads.
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise ValidationFailed(
            f"全国地方公共団体コード「{code}」は6桁の数字で入力してください。", field="municipality_code"
        )
    expected = check_digit(code[:5])
    if int(code[5]) != expected:
        raise ValidationFailed(
            f"全国地方公共団体コード「{code}」の検査数字が正しくありません"
            f"（末尾は {expected} になるはずです）。",
            field="municipality_code",
        )
    return code


@dataclass(frozen=True)
class CodeEntry:
    code: str
    prefecture: str
    city: str
    prefecture_kana: str
    city_kana: str

    @property
    def full_name(self) -> str:
        return f"{self.prefecture}{self.city}"


@functools.cache
def code_table() -> dict[str, CodeEntry]:
    """The national code table shipped in data/ (source noted in data/README.md)."""
    with (DATA_DIR / "municipality_codes.csv").open(encoding="utf-8") as f:
        return {row["code"]: CodeEntry(**row) for row in csv.DictReader(f)}


def lookup(code: str) -> CodeEntry:
    code = validate_municipality_code(code)
    entry = code_table().get(code)
    if entry is None or not entry.city:
        raise ValidationFailed(
            f"全国地方公共団体コード「{code}」の市区町村は団体コード表にありません。", field="municipality_code"
        )
    return entry
