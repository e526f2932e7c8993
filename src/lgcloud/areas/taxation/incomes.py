"""Income records in: CSV import (layout as data in layouts/income.yaml), entry one by one, matching.

An import is all or nothing: every line is validated first and every error is reported with file, line,
item and reason; nothing is written unless the whole file is clean. Records are matched to residents by
個人番号, then by name + birth date (+ address to narrow); the rest wait in the unmatched queue
(IncomeRecord with no person_no) for a person to resolve with `resolve_unmatched`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from lgcloud.areas.registry import public
from lgcloud.areas.taxation.models import IncomeKind, IncomeRecord, MatchedBy
from lgcloud.platform import worklists
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import parse_japanese_date

LAYOUT = Path(__file__).resolve().parent / "layouts" / "income.yaml"
MAX_YEN = 100_000_000_000


@cache
def layout() -> dict[str, Any]:
    return yaml.safe_load(LAYOUT.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class LineError:
    file: str
    line: int
    item: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} {self.line}行目「{self.item}」: {self.reason}"


class ImportFailed(ValidationFailed):
    def __init__(self, errors: list[LineError]) -> None:
        shown = "\n".join(str(e) for e in errors[:50])
        more = f"\n…ほか{len(errors) - 50}件" if len(errors) > 50 else ""
        super().__init__(f"取込を中止しました（{len(errors)}件の誤り、何も登録していません）。\n{shown}{more}",
                         field="file")
        self.errors = errors


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else CP932."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp932")


def _convert(column: dict[str, Any], raw: str, kinds: dict[str, str]) -> object:
    text = raw.strip()
    kind = column["type"]
    if kind == "text":
        return text
    if kind == "kind":
        if text in kinds:
            return kinds[text]
        if text in IncomeKind.values:
            return text
        raise ValueError(f"種類は {'・'.join(kinds)} のいずれかです（入力値: {text}）")
    if kind == "date":
        return parse_japanese_date(text)
    if kind == "bool":
        if text in {"1", "有", "true", "TRUE", "○"}:
            return True
        if text in {"", "0", "無", "false", "FALSE"}:
            return False
        raise ValueError(f"1（有）か 0（無）で入力してください（入力値: {text}）")
    if kind == "dependants":
        return _dependants(text)
    number_text = text.replace(",", "")
    if not number_text:
        return 0 if kind == "yen" else None
    if not number_text.isdigit():
        raise ValueError(f"0 以上の整数で入力してください（入力値: {text}）")
    value = int(number_text)
    high = int(column.get("max", MAX_YEN))
    if value > high:
        raise ValueError(f"{high:,} 以下で入力してください（入力値: {text}）")
    return value


def _dependants(text: str) -> list[dict[str, object]]:
    """"年齢:所得:同居" separated by ";" (e.g. "20:0:1;8:0:1")."""
    out: list[dict[str, object]] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        bits = part.split(":")
        if len(bits) != 3 or not all(b.strip().isdigit() for b in bits):
            raise ValueError(f"扶養親族は「年齢:所得:同居(1/0)」を ; で区切って入力してください（入力値: {part}）")
        age, income, together = (int(b) for b in bits)
        if age > 130:
            raise ValueError(f"扶養親族の年齢が範囲外です（{age}）")
        out.append({"age": age, "income": income, "living_together": together == 1})
    return out


def parse(file_name: str, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """Every line converted, or ImportFailed with every error."""
    spec = layout()
    kinds: dict[str, str] = spec["kinds"]
    reader = csv.reader(io.StringIO(decode(data)))
    rows = list(reader)
    errors: list[LineError] = []
    if not rows:
        raise ImportFailed([LineError(file_name, 1, "見出し", "ファイルが空です")])
    header = [h.strip() for h in rows[0]]
    names = [c["name"] for c in spec["columns"]]
    for h in header:
        if h not in names:
            errors.append(LineError(file_name, 1, h, "この様式にない列です"))
    for c in spec["columns"]:
        if c.get("required") and c["name"] not in header:
            errors.append(LineError(file_name, 1, c["name"], "必須の列がありません"))
    if errors:
        raise ImportFailed(errors)
    out: list[tuple[int, dict[str, Any]]] = []
    by_name = {c["name"]: c for c in spec["columns"]}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(LineError(file_name, line_no, "行", f"列の数が {len(row)} です（見出しは {len(header)} 列）"))
            continue
        values: dict[str, Any] = {}
        for h, cell in zip(header, row, strict=True):
            column = by_name[h]
            if column.get("required") and not cell.strip():
                errors.append(LineError(file_name, line_no, h, "必須の項目が空です"))
                continue
            try:
                values[column["field"]] = _convert(column, cell, kinds)
            except ValueError as e:
                errors.append(LineError(file_name, line_no, h, str(e)))
        out.append((line_no, values))
    if errors:
        raise ImportFailed(errors)
    return out


UNMATCHED_QUEUE = "taxation.unmatched_income"


def match(values: dict[str, Any]) -> tuple[int | None, str, list[int]]:
    """宛名番号 and how it was found: 個人番号, then name + birth date (+ address) if exactly one; else the
    candidates (several persons of that name and birth date) for a person to choose from."""
    number = values.get("individual_number") or ""
    if number:
        found = public.find_by_individual_number(number)
        if found is not None:
            return found.person_no, MatchedBy.INDIVIDUAL_NUMBER, []
    candidates: list[int] = []
    if values.get("full_name") and values.get("birth_date"):
        views = public.find_by_name_and_birth_date(values["full_name"], values["birth_date"], values.get("address", ""))
        if len(views) == 1:
            return views[0].person_no, MatchedBy.NAME_AND_BIRTH_DATE, []
        candidates = [v.person_no for v in views]
    return None, MatchedBy.UNMATCHED, candidates


def _queue(record: IncomeRecord, candidates: list[int]) -> None:
    """An unmatched record goes on the 処理待ち一覧 of the tax division (accept = match the proposed person)."""
    kind = IncomeKind(record.kind).label
    proposed = candidates[0] if len(candidates) == 1 else None
    worklists.raise_item(
        UNMATCHED_QUEUE, subject_ref=f"taxation.income:{record.pk}",
        title=f"所得データの照合: {record.full_name}（{kind}）",
        reason=f"{record.source_file or '画面入力'} {record.line_no or ''}行目: 個人番号・氏名と生年月日で住民を特定できません",
        proposed_action="宛名番号を指定して照合する" if proposed is None else f"宛名番号 {proposed} と照合する",
        payload={"record_id": record.pk, "candidates": candidates, "person_no": proposed},
        capability=Cap.TAXATION, dedupe_key=f"income:{record.pk}", link=f"/tax/unmatched/{record.pk}/",
    )


def _record(fiscal_year: int, values: dict[str, Any], source: str = "", line_no: int | None = None) -> IncomeRecord:
    person_no, matched_by, _candidates = match(values)
    spouse = None
    if values.get("spouse_age") is not None:
        spouse = {"income": values.get("spouse_income", 0), "age": values["spouse_age"]}
    return IncomeRecord(
        fiscal_year=fiscal_year, kind=values["kind"], person_no=person_no, matched_by=matched_by, source_file=source,
        line_no=line_no, payer_no=values.get("payer_no", ""), payer_name=values.get("payer_name", ""),
        full_name=values["full_name"], birth_date=values["birth_date"], address=values.get("address", ""),
        salary_revenue=values.get("salary_revenue", 0), pension_revenue=values.get("pension_revenue", 0),
        other_income=values.get("other_income", 0), social_insurance_paid=values.get("social_insurance_paid", 0),
        life_insurance_deduction=values.get("life_insurance_deduction", 0), spouse=spouse,
        dependants=values.get("dependants", []), payroll_withholding=bool(values.get("payroll_withholding")),
    )


@dataclass
class ImportResult:
    created: int
    matched: int
    unmatched: int


@transaction.atomic
def import_csv(fiscal_year: int, file_name: str, data: bytes) -> ImportResult:
    """Import one CSV of income records for a fiscal year: all lines or none."""
    if not 2021 <= fiscal_year <= 2100:
        raise ValidationFailed("年度は 2021 以降を西暦で指定してください。", field="fiscal_year")
    lines = parse(file_name, data)
    records = [_record(fiscal_year, values, file_name, line_no) for line_no, values in lines]
    for record in records:
        record.save()
    for record, (_line, values) in zip(records, lines, strict=True):
        if record.person_no is None:
            _queue(record, match(values)[2])
    matched = sum(1 for r in records if r.person_no is not None)
    audit.record("taxation.income_imported", object_type="IncomeRecord", object_id=file_name[:64],
                 detail={"fiscal_year": fiscal_year, "lines": len(records), "matched": matched})
    return ImportResult(len(records), matched, len(records) - matched)


@transaction.atomic
def enter_income(fiscal_year: int, values: dict[str, Any]) -> IncomeRecord:
    """One record entered on a screen (values already converted: kind, full_name, birth_date, amounts…)."""
    for name in ("kind", "full_name", "birth_date"):
        if not values.get(name):
            raise ValidationFailed(f"必須の項目 {name} がありません。", field=name)
    record = _record(fiscal_year, values)
    record.save()
    if record.person_no is None:
        _queue(record, match(values)[2])
    audit.record("taxation.income_entered", obj=record, detail={"fiscal_year": fiscal_year, "kind": record.kind})
    return record


def unmatched(fiscal_year: int | None = None) -> list[IncomeRecord]:
    qs = IncomeRecord.objects.filter(person_no__isnull=True, superseded=False)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return list(qs.order_by("pk"))


@transaction.atomic
def resolve_unmatched(record_id: int, person_no: int) -> IncomeRecord:
    record = IncomeRecord.objects.filter(pk=record_id).first()
    if record is None:
        raise NotFound("所得データが見つかりません。")
    if public.person(person_no) is None:
        raise ValidationFailed(f"宛名番号 {person_no} の住民はいません。", field="person_no")
    record.person_no, record.matched_by = person_no, MatchedBy.MANUAL
    record.save(update_fields=["person_no", "matched_by"])
    audit.record("taxation.income_matched", obj=record, detail={"person_no": person_no})
    worklists.resolve(UNMATCHED_QUEUE, f"income:{record.pk}", outcome=f"宛名番号 {person_no} と照合しました")
    return record


def income_of(fiscal_year: int, person_no: int) -> list[IncomeRecord]:
    return list(IncomeRecord.objects.filter(fiscal_year=fiscal_year, person_no=person_no, superseded=False)
                .order_by("pk"))

