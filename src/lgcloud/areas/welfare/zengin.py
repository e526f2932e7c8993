"""全銀協 総合振込 (zengin_format): fixed 120-byte records in Shift_JIS (cp932), half-width kana, CRLF.

Header (1), one data record (2) per transfer, trailer (8), end (9).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from lgcloud.platform.common.errors import ValidationFailed


@lru_cache(maxsize=1)
def _to_halfwidth() -> dict[str, str]:
    table: dict[str, str] = {}
    halves = [chr(c) for c in range(0xFF61, 0xFFA0)]
    for h in halves:
        for combo in (h, h + "ﾞ", h + "ﾟ"):
            full = unicodedata.normalize("NFKC", combo)
            if len(full) == 1 and full not in table:
                table[full] = combo
    return table


def halfwidth_kana(text: str) -> str:
    """Full-width katakana, digits, Latin capitals and spaces → the half-width characters of the format."""
    table = _to_halfwidth()
    out = []
    for ch in unicodedata.normalize("NFKC", text.replace("ヴ", "ｳﾞ")).upper():
        if ch in table:
            out.append(table[ch])
        elif ch.isascii() and (ch.isalnum() or ch in " ().-/,"):
            out.append(ch)
        elif ch in "　":
            out.append(" ")
        elif "ぁ" <= ch <= "ゖ":
            out.append(table.get(chr(ord(ch) + 0x60), ""))
        else:
            raise ValidationFailed(f"口座名義・金融機関名に使えない文字があります（{ch}）。", field="account_holder_kana")
    return "".join(out).replace("ｧ", "ｱ").replace("ｨ", "ｲ").replace("ｩ", "ｳ").replace("ｪ", "ｴ").replace(
        "ｫ", "ｵ").replace("ｯ", "ﾂ").replace("ｬ", "ﾔ").replace("ｭ", "ﾕ").replace("ｮ", "ﾖ")


def _field(text: str, width: int) -> bytes:
    data = text.encode("cp932")
    return data[:width].ljust(width, b" ")


def _num(value: int | str, width: int) -> bytes:
    text = str(value)
    if not text.isdigit() or len(text) > width:
        raise ValidationFailed(f"数字項目が不正です（{value}）。", field="zengin")
    return text.rjust(width, "0").encode("ascii")


@dataclass(frozen=True)
class Payer:
    code: str  # 振込依頼人コード (10)
    name_kana: str
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str


@dataclass(frozen=True)
class Transfer:
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str
    holder_kana: str
    amount: int
    customer_code: str = ""


def build(payer: Payer, transfer_date: dt.date, transfers: list[Transfer]) -> bytes:
    records = [
        b"1" + b"21" + b"0" + _num(payer.code, 10) + _field(halfwidth_kana(payer.name_kana), 40)
        + transfer_date.strftime("%m%d").encode() + _num(payer.bank_code, 4) + _field(halfwidth_kana(payer.bank_name), 15)
        + _num(payer.branch_code, 3) + _field(halfwidth_kana(payer.branch_name), 15) + _num(payer.account_type, 1)
        + _num(payer.account_number, 7) + b" " * 17
    ]
    for t in transfers:
        records.append(
            b"2" + _num(t.bank_code, 4) + _field(halfwidth_kana(t.bank_name), 15) + _num(t.branch_code, 3)
            + _field(halfwidth_kana(t.branch_name), 15) + b" " * 4 + _num(t.account_type, 1)
            + _num(t.account_number, 7) + _field(halfwidth_kana(t.holder_kana), 30) + _num(t.amount, 10) + b"0"
            + _field(t.customer_code, 10) + b" " * 10 + b" " + b" " + b" " * 7
        )
    records.append(b"8" + _num(len(transfers), 6) + _num(sum(t.amount for t in transfers), 12) + b" " * 101)
    records.append(b"9" + b" " * 119)
    if any(len(r) != 120 for r in records):
        raise ValueError("a 全銀 record is not 120 bytes")
    return b"\r\n".join(records) + b"\r\n"
