"""Tables shown on the cost screens, and the same tables as CSV (UTF-8 with BOM) and Excel (.xlsx).

A view builds its tables once as `Table`s; the template renders them (costs/_table.html) and
`?format=csv|xlsx&table=<key>` returns the very same rows as a file, so a download always
matches the screen.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse

from lgcloud.group.costs import figures, funding, records, savings, sharing, whatif
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import format_fiscal_year

Cell = int | Decimal | str | None

ILLUSTRATIVE_NOTE = "※例示データ（実際の費用ではありません）"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text | year | int | yen | pct | dec

    @property
    def numeric(self) -> bool:
        return self.kind not in ("text", "year")


@dataclass
class Table:
    key: str
    caption: str
    columns: list[Column]
    rows: list[list[Cell]]
    foot: list[list[Cell]] = field(default_factory=list)
    row_header: int = 0  # the column shown as the row's header (<th scope="row">); -1 for none
    illustrative: bool = False
    row_classes: list[str] = field(default_factory=list)
    csv_url: str = ""
    xlsx_url: str = ""

    @property
    def dom_id(self) -> str:
        return f"table-{self.key}"

    def _display(self, rows: list[list[Cell]]) -> list[list[tuple[str, Column, bool]]]:
        return [[(display(v, c), c, i == self.row_header) for i, (v, c) in enumerate(zip(row, self.columns,
                                                                                          strict=True))]
                for row in rows]

    @property
    def display_rows(self) -> list[tuple[str, list[tuple[str, Column, bool]]]]:
        classes = self.row_classes or [""] * len(self.rows)
        return list(zip(classes, self._display(self.rows), strict=True))

    @property
    def display_foot(self) -> list[list[tuple[str, Column, bool]]]:
        return self._display(self.foot)


def display(value: Cell, column: Column) -> str:
    if value is None:
        return "－"
    if column.kind in ("int", "yen") and isinstance(value, int):
        return f"{value:,}"
    if column.kind == "pct":
        return f"{value}%"
    if column.kind == "dec" and isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


def attach_links(request: HttpRequest, tables: Sequence[Table]) -> None:
    """Each table's CSV and Excel download links: the current query plus format= and table=."""
    base = [(k, v) for k, values in request.GET.lists() if k not in ("format", "table") for v in values]
    for t in tables:
        t.csv_url = "?" + urlencode([*base, ("format", "csv"), ("table", t.key)])
        t.xlsx_url = "?" + urlencode([*base, ("format", "xlsx"), ("table", t.key)])


def wants_export(request: HttpRequest) -> bool:
    return "format" in request.GET


def export(request: HttpRequest, tables: Sequence[Table], basename: str) -> HttpResponse:
    """The table named by ?table= (default: the first) in the ?format= asked for."""
    fmt = request.GET.get("format", "")
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed("ダウンロード形式は csv か xlsx を指定してください。", field="format")
    key = request.GET.get("table") or (tables[0].key if tables else "")
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        raise NotFound("指定された表はこの画面にありません。")
    filename = f"{basename}-{table.key}.{fmt}"
    if fmt == "csv":
        return _download(csv_bytes(table), "text/csv; charset=utf-8", filename)
    return _download(xlsx_bytes(table),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response


def _raw(value: Cell) -> Any:
    return "" if value is None else value


def csv_bytes(table: Table) -> bytes:
    """UTF-8 with BOM (Excel opens it as UTF-8), a header row, the rows, the footer rows; an
    illustrative table ends with a note line after a blank line."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.label for c in table.columns])
    for row in [*table.rows, *table.foot]:
        w.writerow([_raw(v) for v in row])
    if table.illustrative:
        w.writerow([])
        w.writerow([ILLUSTRATIVE_NOTE])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")


def xlsx_bytes(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _SHEET_TITLE.sub("_", table.caption)[:31] or "表"
    ws.append([c.label for c in table.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in [*table.rows, *table.foot]:
        ws.append([_raw(v) for v in row])
    for i, c in enumerate(table.columns, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = max(10, min(40, 2 * len(c.label) + 2))
        if c.kind in ("int", "yen"):
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "#,##0"
    ws.freeze_panes = "A2"
    if table.illustrative:
        ws.append([])
        ws.append([ILLUSTRATIVE_NOTE])
    wb.properties.title = table.caption
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- the tables of each screen ---------------------------------------------------------------------


def _fy(fy: int) -> str:
    return format_fiscal_year(fy)


def _yen(x: Fraction | int | None) -> int | None:
    if x is None:
        return None
    return int(x) if isinstance(x, int) else round(x)


def plain(value: Decimal | None) -> str:
    """30.0 → "30", 44.6 → "44.6" (no exponent notation)."""
    return "" if value is None else f"{value.normalize():f}"


def savings_tables(s: savings.GroupSavings, illustrative: bool) -> list[Table]:
    goal = figures.percent(s.goal) or Decimal(0)
    shown = [m for m in s.members if m.baseline_per_year or m.actual_total]
    period = f"{_fy(s.start_fy)}〜{_fy(s.end_fy)}"
    members = Table(
        "members", f"構成団体別の年間費用（共同化前と{period}の年平均）",
        [Column("団体コード"), Column("団体名"), Column("人口", "int"), Column("基準年度"),
         Column("共同化前の年間費用（円）", "yen"), Column("共同化後の年平均費用（円）", "yen"),
         Column("うち自団体分（円）", "yen"), Column("うち共同費用の負担分（円）", "yen"), Column("削減率（%）", "pct")],
        [[m.municipality.code, m.municipality.name, m.population,
          _fy(m.baseline_fiscal_year) if m.baseline_fiscal_year else None,
          m.baseline_per_year or None, _yen(m.actual_per_year),
          _yen(Fraction(m.own_actual, m.years)), _yen(Fraction(m.shared_share, m.years)),
          figures.percent(m.reduction)]
         for m in shown],
        foot=[["", "グループ計", sum(m.population for m in shown), "", s.baseline_per_year,
               _yen(Fraction(s.actual_total, s.years)), _yen(Fraction(sum(m.own_actual for m in shown), s.years)),
               _yen(Fraction(sum(m.shared_share for m in shown), s.years)), figures.percent(s.reduction)]],
        row_header=1, illustrative=illustrative,
        row_classes=["" if m.reduction is None or m.reduction >= s.goal else "below-goal" for m in shown],
    )
    per_resident = Table(
        "per_resident", "住民1人あたりの年間費用と人口",
        [Column("団体コード"), Column("団体名"), Column("人口", "int"), Column("共同化前（円/人）", "yen"),
         Column("共同化後（円/人）", "yen")],
        [[m.municipality.code, m.municipality.name, m.population, _yen(m.baseline_per_resident),
          _yen(m.actual_per_resident)] for m in shown if m.population],
        row_header=1, illustrative=illustrative,
    )
    yearly = Table(
        "yearly", f"グループの年度別費用と共同化前の水準（目標 {plain(goal)}% 削減）",
        [Column("年度"), Column("年度（西暦）", "year"), Column("共同化前の水準（円）", "yen"),
         Column(f"目標の水準（基準の{plain(100 - goal)}%）（円）", "yen"), Column("共同化後の費用（円）", "yen"),
         Column("削減率（%）", "pct")],
        [[_fy(fy), fy, baseline, _yen(baseline * (1 - s.goal)), actual,
          figures.percent(1 - Fraction(actual, baseline)) if baseline else None]
         for fy, baseline, actual in s.yearly],
        foot=[["期間計", None, s.baseline_per_year * s.years, _yen(s.baseline_per_year * s.years * (1 - s.goal)),
               sum(a for _, _, a in s.yearly), figures.percent(s.reduction)]],
        illustrative=illustrative,
    )
    return [members, per_resident, yearly]


def shares_tables(data: dict[str, Any], illustrative: bool) -> list[Table]:
    """From sharing.shares_as_dict (what the CLI and the API return)."""
    members = data["members"]
    part_names = [(b["part"], b["label"]) for b in members[0]["breakdown"]] if members else []
    total = data["total"]
    fy = data["fiscal_year"]

    def ratio(share: int) -> Decimal | None:
        return figures.percent(Fraction(share, total), 3) if total else None

    shares = Table(
        "shares", f"{_fy(fy)}の各構成団体の負担額",
        [Column("団体コード"), Column("団体名"), Column("人口", "int"),
         *[Column(f"{label}（円）", "dec") for _, label in part_names],
         Column("負担額（円）", "yen"), Column("負担割合（%）", "pct"), Column("端数調整（円）", "int")],
        [[m["code"], m["name"] + ("（加入想定）" if m["hypothetical"] else ""), m["population"],
          *[Decimal(b["yen"]) for b in m["breakdown"]], m["share"], ratio(m["share"]), 1 if m["rounded_up"] else 0]
         for m in members],
        foot=[["", "合計", sum(m["population"] for m in members),
               *[sum((Decimal(m["breakdown"][i]["yen"]) for m in members), Decimal(0)) for i in range(len(part_names))],
               data["sum_of_shares"], ratio(data["sum_of_shares"]), sum(1 for m in members if m["rounded_up"])]],
        row_header=1, illustrative=illustrative,
    )
    breakdown = Table(
        "breakdown", f"{_fy(fy)}の負担額の内訳（按分の基礎・割合・金額）",
        [Column("団体コード"), Column("団体名"), Column("区分"), Column("比率", "dec"), Column("按分の基礎", "dec"),
         Column("基礎の合計", "dec"), Column("割合", "dec"), Column("金額（円、端数処理前）", "dec")],
        [[m["code"], m["name"], b["label"], Decimal(b["weight"]), Decimal(b["basis"]), Decimal(b["basis_total"]),
          Decimal(b["ratio"]), Decimal(b["yen"])]
         for m in members for b in m["breakdown"]],
        row_header=1, illustrative=illustrative,
    )
    return [shares, breakdown]


def what_if_table(c: whatif.WhatIfComparison, illustrative: bool) -> Table:
    fy = c.current.fiscal_year

    def status(r: whatif.WhatIfRow) -> str:
        if r.hypothetical:
            return "加入を想定"
        if r.changed is None:
            return "脱退を想定"
        return ""

    rows = c.rows
    return Table(
        "what_if", f"{_fy(fy)}の負担額の比較（現在と変更後）",
        [Column("団体コード"), Column("団体名"), Column("人口", "int"), Column("現在の負担額（円）", "yen"),
         Column("変更後の負担額（円）", "yen"), Column("差額（円）", "yen"), Column("増減率（%）", "pct"), Column("区分")],
        [[r.code, r.name, r.population, r.current, r.changed, r.difference, figures.percent(r.change_ratio, 2),
          status(r)] for r in rows],
        foot=[["", "合計", None, sum(r.current or 0 for r in rows), sum(r.changed or 0 for r in rows),
               sum(r.changed or 0 for r in rows) - sum(r.current or 0 for r in rows), None, ""]],
        row_header=1, illustrative=illustrative,
        row_classes=["what-if-new" if r.hypothetical else ("what-if-leaving" if r.changed is None else "")
                     for r in rows],
    )


def formulas_table(formulas: Sequence[Any]) -> Table:
    def usage(f: Any) -> str:
        return "、".join(f"{sharing.part_label('usage:' + k)} {v}" for k, v in sorted(f.usage_weights.items())) or "なし"

    return Table(
        "formulas", "負担割合の算定式（適用開始年度ごと）",
        [Column("適用開始年度"), Column("年度（西暦）", "year"), Column("均等割", "dec"), Column("人口割", "dec"),
         Column("利用割"), Column("人口の規模補正指数", "dec"), Column("人口の基準"), Column("備考")],
        [[_fy(f.fiscal_year), f.fiscal_year, Decimal(f.equal_weight).normalize(),
          Decimal(f.population_weight).normalize(), usage(f), Decimal(f.population_exponent).normalize(),
          f.get_population_source_display(), f.note] for f in formulas],
    )


def year_totals_table(totals: Sequence[records.YearTotals], *, with_shared: bool) -> Table:
    columns = [Column("年度"), Column("年度（西暦）", "year"), Column("共同化前（基準）（円）", "yen"),
               Column("共同化後（団体分）（円）", "yen")]
    if with_shared:
        columns.append(Column("共同費用（円）", "yen"))
    columns += [Column("件数", "int"), Column("例示データ")]
    return Table(
        "years", "年度別の費用の合計",
        columns,
        [[_fy(t.fiscal_year), t.fiscal_year, t.baseline, t.actual, *([t.shared] if with_shared else []),
          t.records, "例示" if t.illustrative else ""] for t in totals],
    )


def records_table(records: Sequence[Any], caption: str) -> Table:
    """Columns named as the import expects (団体コード, 年度, 区分 …): a download can be edited and imported."""
    return Table(
        "records", caption,
        [Column("団体コード"), Column("団体名"), Column("年度", "year"), Column("和暦"), Column("区分"),
         Column("費用種別"), Column("費目"), Column("金額", "yen"), Column("備考"), Column("例示データ"),
         Column("入力者")],
        [[r.municipality.code, r.municipality.name, r.fiscal_year, _fy(r.fiscal_year), r.get_phase_display(),
          r.get_kind_display(), r.get_category_display(), r.amount, r.note, "例示" if r.illustrative else "",
          r.entered_by] for r in records],
        row_header=1,
    )


def shared_costs_table(costs: Sequence[Any], caption: str) -> Table:
    return Table(
        "shared", caption,
        [Column("団体コード"), Column("年度", "year"), Column("和暦"), Column("区分"), Column("費用種別"),
         Column("費目"), Column("金額", "yen"), Column("備考"), Column("例示データ")],
        [["共通", c.fiscal_year, _fy(c.fiscal_year), "", c.get_kind_display(), c.get_category_display(), c.amount,
          c.note, "例示" if c.illustrative else ""] for c in costs],
        foot=[["合計", None, "", "", "", "", sum(c.amount for c in costs), "", ""]] if costs else [],
        row_header=-1,
    )


def import_errors_table(errors: Sequence[Any]) -> Table:
    return Table(
        "errors", "取り込みエラーの一覧",
        [Column("行", "int"), Column("項目"), Column("値"), Column("理由")],
        [[e.line, e.column, e.value, e.reason] for e in errors],
        row_header=-1,
    )


def special_allocation_table(e: funding.SpecialAllocationEstimate) -> Table:
    return Table(
        "special_allocation", f"{e.municipality.name}の特別交付税措置の見込額（{_fy(e.fiscal_year)}）",
        [Column("経費"), Column("調査額（円）", "yen"), Column("措置率", "dec"), Column("財政力補正", "dec"),
         Column("見込額（円）", "yen")],
        [[label, surveyed, e.rate.normalize(), e.factor.normalize(), estimate] for label, surveyed, estimate in e.lines],
        foot=[["合計", e.surveyed_total, None, None, e.total]],
    )


def top_runner_table(t: funding.TopRunner) -> Table:
    return Table(
        "top_runner", f"トップランナー方式による基準財政需要額の標準的な経費（{t.reform}、{t.phase_in_years}年で段階的に反映、千円）",
        [Column("費目"), Column("2016年度以前（千円）", "int"), Column("2017年度（千円）", "int"),
         Column("最終（千円）", "int"), Column("見直し額（千円）", "int"), Column("見直し率（%）", "pct")],
        [[i.name, i.before_fy2016, i.fy2017, i.final, i.final - i.before_fy2016,
          figures.percent(-i.reduction_ratio)] for i in t.items],
    )
