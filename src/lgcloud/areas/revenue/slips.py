"""What the 納付書 carries for the payment channels: the convenience-store bar code (GS1-128, 標準料金代理収納) and
the QR code. Pure functions: text in, text out; drawing is in `pdf`.

Convenience-store bar code — GS1-128 symbol, FNC1 after the start character, then 44 digits (the layout of the
「GS1-128シンボルによる標準料金代理収納ガイドライン」, GS1 Japan / 流通システム開発センター):

    (91)    アプリケーション識別子 (AI) 91 ............................ 2
    MMMMMM  請求書発行企業コード (GS1事業者コードの先頭の「4」を除く6桁) . 6
    E×21    自由使用欄: our 納付番号 (17) and four zeros ................. 21
    S       再発行区分 (0 = 当初, 1–9 = 再発行の回数) .................. 1
    YYMMDD  支払期限日 ................................................ 6
    F       印紙フラグ (0: 収入印紙不要 — a tax receipt bears no stamp duty) . 1
    ¥×6     支払金額 (円) ............................................. 6
    C       チェックデジット: modulus 10, weights 3 and 1 from the right, over
            the 43 digits before it (AI included) ........................ 1

The 請求書発行企業コード is the code GS1 Japan issues to the municipality (parameter `revenue.cvs.issuer_code`);
while a member has none (0, the standard), a stand-in `9` + the first five digits of its 団体コード is printed so
the layout is complete — such a bar code is not accepted by any store until the real code is set. Amounts over the
parameter `revenue.cvs.limit` (standard 300,000 円, the 収納代行 limit of the stores) get no bar code.
"""

from __future__ import annotations

import datetime as dt

AI = "91"


def check_digit(digits: str) -> str:
    """Modulus 10, weights 3/1 from the rightmost digit (the GS1 check digit)."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def cvs_barcode(issuer_code: str, reference: str, pay_by: dt.date, amount: int, reissue: int = 0) -> str:
    """The 44 digits of the convenience-store bar code (without the FNC1)."""
    if not (issuer_code.isdigit() and len(issuer_code) == 6):
        raise ValueError("請求書発行企業コードは6桁の数字です")
    if not reference.isdigit() or len(reference) > 21:
        raise ValueError("自由使用欄は21桁以内の数字です")
    if not 0 < amount <= 999_999:
        raise ValueError("支払金額は1円以上999,999円以下です")
    body = (f"{AI}{issuer_code}{reference.ljust(21, '0')}{min(max(reissue, 0), 9)}{pay_by:%y%m%d}0"
            f"{amount:06d}")
    assert len(body) == 43
    return body + check_digit(body)


def human_readable(data: str) -> str:
    """The line printed under the bar code: (91) and the fields separated for the eye."""
    return f"({data[:2]}){data[2:8]}-{data[8:29]}-{data[29]}-{data[30:36]}-{data[36]}-{data[37:43]}-{data[43]}"


def stand_in_issuer(municipality_code: str) -> str:
    return "9" + municipality_code[:5]


def qr_text(municipality_code: str, reference: str, amount: int, pay_by: dt.date) -> str:
    """Our QR payload (not the eLTAX 地方税統一QRコード, whose layout is not public): see docs/revenue.md."""
    return f"LGQR1|{municipality_code}|{reference}|{amount}|{pay_by:%Y%m%d}"
