"""Cost records in from CSV or Excel: every row validated first, then all written or none.

Columns (header row, Japanese): 団体コード, 年度, 区分, 費用種別, 費目, 金額, 備考.
An empty 団体コード (or 「共通」) makes the row a shared cost of the group.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from lgcloud.group.costs.models import CostCategory, CostKind, CostPhase, CostRecord, SharedCost
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.tenancy.models import Group

COLUMNS = ["団体コード", "年度", "区分", "費用種別", "費目", "金額", "備考"]
MAX_ROWS = 100_000
MAX_AMOUNT = 10**15  # 1,000兆円: beyond any municipal budget, and within the database's integer column
_FULLWIDTH = str.maketrans("０１２３４５６７８９，", "0123456789,")


def _lookup(choices: type[Any], text: str) -> str | None:
    text = text.strip()
    for value, label in choices.choices:
        if text in (value, label) or (label.split("（")[0] == text):
            return str(value)
    return None


@dataclass
class RowError:
    line: int
    column: str
    value: str
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    member_rows: int = 0
    shared_rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["行", "項目", "値", "理由"])
        for e in self.errors:
            w.writerow([e.line, e.column, e.value, e.reason])
        return buf.getvalue()


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """Rows of a .csv (UTF-8 with or without BOM, or CP932) or .xlsx file, as text."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a damaged file
            raise ValidationFailed(f"Excelファイルを読み込めません（{type(e).__name__}）。.xlsx 形式か確認してください。",
                                   field="file") from None
        sheet = wb.worksheets[0]
        rows: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_ROWS:
                raise ValidationFailed(f"行数が上限（{MAX_ROWS:,}行）を超えています。", field="file")
            rows.append(["" if v is None else str(int(v) if isinstance(v, float) and v.is_integer() else v)
                         for v in row])
        return rows
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "cp932"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationFailed("CSVの文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存してください。",
                                   field="file")
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as e:
            raise ValidationFailed(f"CSVの形式が正しくありません（{e}）。", field="file") from None
        if len(rows) > MAX_ROWS:
            raise ValidationFailed(f"行数が上限（{MAX_ROWS:,}行）を超えています。", field="file")
        return rows
    raise ValidationFailed("ファイルは .csv か .xlsx を指定してください。", field="file")


def import_costs(group: Group, rows: list[list[str]], *, dry_run: bool = False, illustrative: bool = False,
                 entered_by: str = "") -> ImportResult:
    result = ImportResult()
    if not rows:
        result.errors.append(RowError(1, "", "", "ファイルが空です。"))
        return result
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    missing = [c for c in COLUMNS[:-1] if c not in header]
    if missing:
        result.errors.append(RowError(1, "、".join(missing), "", "見出し行に必要な列がありません。"))
        return result
    col = {name: header.index(name) for name in COLUMNS if name in header}
    members = {m.code: m for m in group.members_on_any_date()}
    parsed: list[tuple[Any, ...]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for line_no, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) > len(header):
            result.errors.append(RowError(line_no, "", "", f"列が多すぎます（{len(raw)}列、見出しは{len(header)}列）。"))
            continue

        def cell(name: str, raw: list[str] = raw) -> str:
            i = col.get(name)
            return raw[i].strip().translate(_FULLWIDTH) if i is not None and i < len(raw) else ""

        errs_before = len(result.errors)
        code = cell("団体コード")
        municipality = None
        if code and code != "共通":
            municipality = members.get(code)
            if municipality is None:
                result.errors.append(RowError(line_no, "団体コード", code, "グループの構成団体ではありません。"))
        fy_text = cell("年度")
        # isascii(): str.isdigit() is also true for "²" and the like, which int() rejects.
        fy = int(fy_text) if fy_text.isascii() and fy_text.isdigit() and 2000 <= int(fy_text) <= 2100 else None
        if fy is None:
            result.errors.append(RowError(line_no, "年度", fy_text, "年度は西暦4桁で入力してください（例: 2026）。"))
        phase = _lookup(CostPhase, cell("区分")) if municipality is not None else CostPhase.ACTUAL
        if phase is None:
            result.errors.append(RowError(line_no, "区分", cell("区分"), "「共同化前（基準）」か「共同化後」を入力してください。"))
        kind = _lookup(CostKind, cell("費用種別"))
        if kind is None:
            result.errors.append(RowError(line_no, "費用種別", cell("費用種別"), "「初期費用」か「運用費用」を入力してください。"))
        category = _lookup(CostCategory, cell("費目"))
        if category is None:
            labels = "、".join(str(label) for _, label in CostCategory.choices)
            result.errors.append(RowError(line_no, "費目", cell("費目"), f"費目は次のいずれかです: {labels}"))
        amount_text = cell("金額").replace(",", "")
        amount = int(amount_text) if amount_text.isascii() and amount_text.isdigit() else None
        if amount is not None and amount > MAX_AMOUNT:
            amount = None
            reason = f"金額が大きすぎます（上限 {MAX_AMOUNT:,}円）。"
        elif amount is None:
            reason = "金額は0以上の整数（円）で入力してください。"
            if amount_text.startswith("-"):
                reason = "金額にマイナスは入力できません。"
        if amount is None:
            result.errors.append(RowError(line_no, "金額", cell("金額"), reason))
        if len(result.errors) > errs_before:
            continue
        key = (municipality.code if municipality else None, fy, phase, kind, category)
        if key in seen:
            result.errors.append(RowError(line_no, "", "", f"{seen[key]}行目と同じ団体・年度・区分・種別・費目です。"))
            continue
        seen[key] = line_no
        parsed.append((municipality, fy, phase, kind, category, amount, cell("備考")[:200]))
    result.rows = len(parsed)
    result.member_rows = sum(1 for p in parsed if p[0] is not None)
    result.shared_rows = result.rows - result.member_rows
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        for municipality, fy, phase, kind, category, amount, note in parsed:
            if municipality is None:
                SharedCost.objects.update_or_create(
                    group=group, fiscal_year=fy, kind=kind, category=category,
                    defaults={"amount": amount, "note": note, "illustrative": illustrative},
                )
            else:
                CostRecord.objects.update_or_create(
                    group=group, municipality=municipality, fiscal_year=fy, phase=phase, kind=kind, category=category,
                    defaults={"amount": amount, "note": note, "illustrative": illustrative, "entered_by": entered_by},
                )
        audit.record("costs.imported", object_type="Group", object_id=group.pk, municipality=None,
                     detail={"rows": result.rows})
    return result
