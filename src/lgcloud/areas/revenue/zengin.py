"""全銀協 fixed-length formats for 預金口座振替 (種別コード 91): 120-byte records, Shift_JIS, 半角.

    ヘッダー (1): 区分1 種別2 コード区分1 委託者コード10 委託者名40 引落日(MMDD)4 取引銀行番号4 銀行名15
                  支店番号3 支店名15 預金種目1 口座番号7 ダミー17
    データ (2):   区分1 引落銀行番号4 銀行名15 引落支店番号3 支店名15 ダミー4 預金種目1 口座番号7 預金者名30
                  引落金額10 新規コード1 顧客番号20 振替結果コード1 ダミー8
    トレーラ (8): 区分1 合計件数6 合計金額12 振替済件数6 振替済金額12 振替不能件数6 振替不能金額12 ダミー65
    エンド (9):   区分1 ダミー119

Names are 半角カナ (converted from 全角 with jaconv); numbers are right-aligned with zeros, text left-aligned
with spaces. Records are written with CRLF; a file without separators (a stream of 120-byte records) reads
too. The 顧客番号 carries the instalment's 納付番号, which the result file returns to match the payment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import jaconv

RECORD = 120
RESULT_CODES = {"0": "振替済", "1": "資金不足", "2": "取引なし", "3": "預金者の都合による振替停止",
                "4": "預金口座振替依頼書なし", "8": "委託者の都合による振替停止", "9": "その他"}

HEADER = (("kind", 1), ("type_code", 2), ("code_class", 1), ("consignor_code", 10), ("consignor_name", 40),
          ("debit_date", 4), ("bank_code", 4), ("bank_name", 15), ("branch_code", 3), ("branch_name", 15),
          ("account_type", 1), ("account_no", 7), ("dummy", 17))
DATA = (("kind", 1), ("bank_code", 4), ("bank_name", 15), ("branch_code", 3), ("branch_name", 15), ("dummy1", 4),
        ("account_type", 1), ("account_no", 7), ("holder", 30), ("amount", 10), ("new_code", 1),
        ("customer_no", 20), ("result", 1), ("dummy", 8))
TRAILER = (("kind", 1), ("count", 6), ("total", 12), ("ok_count", 6), ("ok_total", 12), ("ng_count", 6),
           ("ng_total", 12), ("dummy", 65))
NUMERIC = {"kind", "type_code", "code_class", "consignor_code", "debit_date", "bank_code", "branch_code",
           "account_type", "account_no", "amount", "new_code", "result", "count", "total", "ok_count", "ok_total",
           "ng_count", "ng_total"}
for _layout in (HEADER, DATA, TRAILER):
    assert sum(w for _, w in _layout) == RECORD


class FormatError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"{line}件目: {reason}")
        self.line, self.reason = line, reason


@dataclass(frozen=True)
class Debit:
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str  # 1 普通, 2 当座
    account_no: str
    holder: str  # カナ
    amount: int
    customer_no: str  # 納付番号
    result: str = "0"


@dataclass
class DebitFile:
    consignor_code: str
    consignor_name: str
    debit_date: dt.date
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_no: str
    debits: list[Debit] = field(default_factory=list)


def half(text: str) -> str:
    return jaconv.z2h(jaconv.hira2kata(text), kana=True, digit=True, ascii=True)


def _field(name: str, value: object, width: int) -> bytes:
    text = str(value)
    if name in NUMERIC:
        if not text.isdigit() or len(text) > width:
            raise ValueError(f"{name} は{width}桁以内の数字です（{text!r}）")
        return text.zfill(width).encode("ascii")
    raw = half(text).encode("shift_jis", errors="replace")[:width]
    return raw.ljust(width, b" ")


def _record(layout: tuple[tuple[str, int], ...], values: dict[str, object]) -> bytes:
    out = b"".join(_field(n, values.get(n, "" if n not in NUMERIC else "0"), w)
                   if not n.startswith("dummy") else b" " * w for n, w in layout)
    assert len(out) == RECORD
    return out


def write(f: DebitFile, *, newline: bytes = b"\r\n") -> bytes:
    records = [_record(HEADER, {"kind": "1", "type_code": "91", "code_class": "0",
                                "consignor_code": f.consignor_code, "consignor_name": f.consignor_name,
                                "debit_date": f.debit_date.strftime("%m%d"), "bank_code": f.bank_code,
                                "bank_name": f.bank_name, "branch_code": f.branch_code,
                                "branch_name": f.branch_name, "account_type": f.account_type,
                                "account_no": f.account_no})]
    for d in f.debits:
        records.append(_record(DATA, {"kind": "2", **{k: getattr(d, k) for k in (
            "bank_code", "bank_name", "branch_code", "branch_name", "account_type", "account_no", "holder",
            "amount", "customer_no", "result")}, "new_code": "0"}))
    ok = [d for d in f.debits if d.result == "0"]
    ng = [d for d in f.debits if d.result != "0"]
    records.append(_record(TRAILER, {"kind": "8", "count": len(f.debits), "total": sum(d.amount for d in f.debits),
                                     "ok_count": len(ok), "ok_total": sum(d.amount for d in ok),
                                     "ng_count": len(ng), "ng_total": sum(d.amount for d in ng)}))
    records.append(b"9" + b" " * 119)
    return newline.join(records) + newline


def split_records(content: bytes) -> list[bytes]:
    if b"\n" in content or b"\r" in content:
        lines = [ln for ln in content.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")]
        while lines and not lines[-1]:
            lines.pop()
    else:
        lines = [content[i:i + RECORD] for i in range(0, len(content), RECORD)]
    for i, ln in enumerate(lines, 1):
        if len(ln) != RECORD:
            raise FormatError(i, f"レコード長が{len(ln)}バイトです（120バイトのはずです）")
    return lines


def _parse(layout: tuple[tuple[str, int], ...], rec: bytes, line: int) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    for name, width in layout:
        raw = rec[pos:pos + width]
        pos += width
        if name.startswith("dummy"):
            continue
        try:
            text = raw.decode("shift_jis")
        except UnicodeDecodeError:
            raise FormatError(line, f"{name} が Shift_JIS として読めません") from None
        if name in NUMERIC and not text.isdigit():
            raise FormatError(line, f"{name} が数字ではありません（{text!r}）")
        out[name] = text.rstrip(" ")
    return out


def read(content: bytes, year: int) -> DebitFile:
    """Parse a result (or request) file; `year` completes the MMDD 引落日. Raises FormatError naming the record."""
    records = split_records(content)
    if not records or records[0][:1] != b"1":
        raise FormatError(1, "ヘッダーレコード（データ区分1）がありません")
    h = _parse(HEADER, records[0], 1)
    if h["type_code"] != "91":
        raise FormatError(1, f"種別コードが {h['type_code']} です（口座振替は 91）")
    try:
        debit_date = dt.date(year, int(h["debit_date"][:2]), int(h["debit_date"][2:]))
    except ValueError:
        raise FormatError(1, f"引落日 {h['debit_date']} が日付ではありません") from None
    f = DebitFile(h["consignor_code"], h["consignor_name"], debit_date, h["bank_code"], h["bank_name"],
                  h["branch_code"], h["branch_name"], h["account_type"], h["account_no"])
    trailer: dict[str, str] | None = None
    ended = False
    for i, rec in enumerate(records[1:], 2):
        kind = rec[:1]
        if ended:
            raise FormatError(i, "エンドレコードの後にレコードがあります")
        if kind == b"2":
            if trailer is not None:
                raise FormatError(i, "トレーラーレコードの後にデータレコードがあります")
            d = _parse(DATA, rec, i)
            if d["result"] not in RESULT_CODES:
                raise FormatError(i, f"振替結果コード {d['result']} は定義されていません")
            f.debits.append(Debit(d["bank_code"], d["bank_name"], d["branch_code"], d["branch_name"],
                                  d["account_type"], d["account_no"], d["holder"], int(d["amount"]),
                                  d["customer_no"], d["result"]))
        elif kind == b"8":
            trailer = _parse(TRAILER, rec, i)
        elif kind == b"9":
            ended = True
        else:
            raise FormatError(i, f"データ区分 {kind!r} は定義されていません")
    n = len(records)
    if trailer is None:
        raise FormatError(n, "トレーラーレコード（データ区分8）がありません")
    if not ended:
        raise FormatError(n, "エンドレコード（データ区分9）がありません")
    if int(trailer["count"]) != len(f.debits) or int(trailer["total"]) != sum(d.amount for d in f.debits):
        raise FormatError(n - 1, "トレーラーの合計件数・合計金額がデータレコードと一致しません")
    return f


# --- 総合振込 (種別コード 21): refunds paid out to the taxpayers' accounts -------------------------------

TRANSFER_DATA = (("kind", 1), ("bank_code", 4), ("bank_name", 15), ("branch_code", 3), ("branch_name", 15),
                 ("clearing_house", 4), ("account_type", 1), ("account_no", 7), ("holder", 30), ("amount", 10),
                 ("new_code", 1), ("customer_code1", 10), ("customer_code2", 10), ("transfer_class", 1),
                 ("id_mark", 1), ("dummy", 7))
TRANSFER_TRAILER = (("kind", 1), ("count", 6), ("total", 12), ("dummy", 101))
NUMERIC |= {"clearing_house", "transfer_class"}
assert sum(w for _, w in TRANSFER_DATA) == RECORD and sum(w for _, w in TRANSFER_TRAILER) == RECORD


@dataclass(frozen=True)
class Transfer:
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_no: str
    holder: str
    amount: int
    customer_code: str  # the refund's number, returned by the bank with any error


def write_transfers(f: DebitFile, transfers: list[Transfer], *, newline: bytes = b"\r\n") -> bytes:
    """A 総合振込 request (the header carries the municipality's paying account, like a debit file's)."""
    records = [_record(HEADER, {"kind": "1", "type_code": "21", "code_class": "0",
                                "consignor_code": f.consignor_code, "consignor_name": f.consignor_name,
                                "debit_date": f.debit_date.strftime("%m%d"), "bank_code": f.bank_code,
                                "bank_name": f.bank_name, "branch_code": f.branch_code,
                                "branch_name": f.branch_name, "account_type": f.account_type,
                                "account_no": f.account_no})]
    for t in transfers:
        records.append(_record(TRANSFER_DATA, {
            "kind": "2", "bank_code": t.bank_code, "bank_name": t.bank_name, "branch_code": t.branch_code,
            "branch_name": t.branch_name, "clearing_house": "0", "account_type": t.account_type,
            "account_no": t.account_no, "holder": t.holder, "amount": t.amount, "new_code": "0",
            "customer_code1": t.customer_code, "customer_code2": "", "transfer_class": "7", "id_mark": ""}))
    records.append(_record(TRANSFER_TRAILER, {"kind": "8", "count": len(transfers),
                                              "total": sum(t.amount for t in transfers)}))
    records.append(b"9" + b" " * 119)
    return newline.join(records) + newline
