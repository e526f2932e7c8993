"""Entries made one by one on the tax screens: an income record (給与・年金・申告) for a taxpayer and a 家屋敷
taxpayer; each is followed by the 更正 (or first assessment) of that taxpayer. The form's text is converted and
checked here, all of it before anything is written, with Japanese messages naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from lgcloud.areas.taxation import assessment, incomes
from lgcloud.areas.taxation.models import IncomeKind, IncomeRecord, ResidenceOnlyTaxpayer
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed

AMOUNTS = [("salary_revenue", "給与収入"), ("pension_revenue", "公的年金等の収入"), ("other_income", "その他の所得"),
           ("social_insurance_paid", "社会保険料"), ("life_insurance_deduction", "生命保険料控除額")]


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "") or "").strip()


def _date(form: Mapping[str, Any], name: str, label: str, *, required: bool = True) -> dt.date | None:
    raw = _text(form, name)
    if not raw:
        if required:
            raise ValidationFailed(f"{label}を入力してください。", field=name)
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(f"{label}は YYYY-MM-DD で入力してください（入力値: {raw}）。", field=name) from None


def _amount(form: Mapping[str, Any], name: str, label: str) -> int:
    raw = _text(form, name).replace(",", "")
    if raw == "":
        return 0
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed(f"{label}は 0 以上の整数（円）で入力してください（入力値: {raw}）。", field=name)
    return int(raw)


def income_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """The income entry form as the values `incomes.enter_income` takes."""
    kind = _text(form, "kind")
    if kind not in IncomeKind.values:
        raise ValidationFailed("所得データの種類を選んでください。", field="kind")
    name = _text(form, "full_name")
    if not name:
        raise ValidationFailed("氏名を入力してください。", field="full_name")
    values: dict[str, Any] = {"kind": kind, "full_name": name, "birth_date": _date(form, "birth_date", "生年月日"),
                              "address": _text(form, "address"), "payer_no": _text(form, "payer_no"),
                              "payer_name": _text(form, "payer_name"),
                              "payroll_withholding": form.get("payroll_withholding") in ("1", "on", True)}
    number = _text(form, "individual_number")
    if number and (not number.isdigit() or len(number) != 12):
        raise ValidationFailed("個人番号は12桁の数字で入力してください。", field="individual_number")
    values["individual_number"] = number
    for field, label in AMOUNTS:
        values[field] = _amount(form, field, label)
    if values["life_insurance_deduction"] > 70_000:
        raise ValidationFailed("生命保険料控除額は 70,000円 以下で入力してください。", field="life_insurance_deduction")
    if kind == IncomeKind.SALARY_REPORT and not values["salary_revenue"]:
        raise ValidationFailed("給与支払報告書には給与収入を入力してください。", field="salary_revenue")
    if kind == IncomeKind.PENSION_REPORT and not values["pension_revenue"]:
        raise ValidationFailed("公的年金等支払報告書には公的年金等の収入を入力してください。", field="pension_revenue")
    if values["payroll_withholding"] and not values["payer_no"]:
        raise ValidationFailed("特別徴収には支払者番号（特別徴収義務者の指定番号）が必要です。", field="payer_no")
    return values


@transaction.atomic
def enter_income(fiscal_year: int, form: Mapping[str, Any]) -> tuple[IncomeRecord, assessment.Outcome | None]:
    """One income record from the screen; matched to a resident, the taxpayer is reassessed at once."""
    record = incomes.enter_income(fiscal_year, income_values(form))
    if record.person_no is None:
        return record, None
    try:
        out = assessment.reassess(fiscal_year, int(record.person_no), "所得データの入力")
    except NotFound:
        return record, None  # not on the register on 1 January: kept, shown, not taxed here
    return record, out


@transaction.atomic
def enter_residence_only(fiscal_year: int, form: Mapping[str, Any]) -> tuple[ResidenceOnlyTaxpayer,
                                                                              assessment.Outcome]:
    """A 家屋敷 taxpayer (均等割 only) entered by hand, assessed at once."""
    values = {"full_name": _text(form, "full_name"), "kana": _text(form, "kana"),
              "birth_date": _date(form, "birth_date", "生年月日", required=False), "address": _text(form, "address"),
              "property_address": _text(form, "property_address")}
    for field, label in (("full_name", "氏名"), ("address", "住所"), ("property_address", "家屋敷の所在")):
        if not values[field]:
            raise ValidationFailed(f"{label}を入力してください。", field=field)
    taxpayer = ResidenceOnlyTaxpayer.objects.create(fiscal_year=fiscal_year, **values)
    audit.record("taxation.residence_only_entered", obj=taxpayer, detail={"fiscal_year": fiscal_year})
    out = assessment.reassess(fiscal_year, taxpayer.taxpayer_no, "家屋敷の登録")
    return taxpayer, out
