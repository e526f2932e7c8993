"""The group's sharing formula and every member's share of the shared costs (optionally with a member
joining or leaving).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db import transaction

from lgcloud.group.costs import rules
from lgcloud.group.costs.figures import as_decimal
from lgcloud.group.costs.models import (
    PopulationSource,
    SharingFormula,
)
from lgcloud.group.costs.records import check_fiscal_year, fiscal_year_start, shared_total
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import format_fiscal_year
from lgcloud.platform.metering import METERS, usage_for_fiscal_year
from lgcloud.platform.tenancy.codes import lookup
from lgcloud.platform.tenancy.models import Group, Municipality


def formula_for(group: Group, fiscal_year: int) -> SharingFormula:
    formula = (
        SharingFormula.objects.filter(group=group, fiscal_year__lte=fiscal_year).order_by("-fiscal_year").first()
    )
    if formula is None:
        raise NotFound(f"{group}の{format_fiscal_year(fiscal_year)}に適用する負担割合の算定式が登録されていません。")
    return formula


def weights_of(formula: SharingFormula) -> rules.Weights:
    return rules.Weights(
        equal=Decimal(formula.equal_weight),
        population=Decimal(formula.population_weight),
        usage={k: Decimal(str(v)) for k, v in formula.usage_weights.items()},
        population_exponent=Decimal(formula.population_exponent),
    )


@transaction.atomic
def set_formula(
    group: Group,
    fiscal_year: int,
    *,
    equal: str | Decimal,
    population: str | Decimal,
    usage: dict[str, str | Decimal] | None = None,
    population_exponent: str | Decimal = "1",
    population_source: str = PopulationSource.REGISTERED,
    note: str = "",
) -> SharingFormula:
    """Validate and store the group's sharing formula from a fiscal year on."""
    try:
        weights = rules.Weights(
            equal=Decimal(str(equal)),
            population=Decimal(str(population)),
            usage={k: Decimal(str(v)) for k, v in (usage or {}).items()},
            population_exponent=Decimal(str(population_exponent)),
        )
    except ArithmeticError:
        raise ValidationFailed("負担割合の比率は数値で入力してください。", field="weights") from None
    labelled = [("均等割の比率", weights.equal, 6), ("人口割の比率", weights.population, 6),
                *[(f"利用割（{k}）の比率", v, 6) for k, v in weights.usage.items()],
                ("人口の規模補正指数", weights.population_exponent, 10)]
    for label, value, _places in labelled:
        # NaN and Infinity parse as Decimal, and comparing NaN raises: refuse them here.
        if not value.is_finite():
            raise ValidationFailed(f"{label}は数値で入力してください（{value}）。", field="weights")
    weights.validate(known_meters=set(METERS))
    for label, value, places in labelled:
        # The columns keep 6 (exponent: 10) decimal places; more would be rounded on save and the
        # stored weights would no longer sum to 1.
        if value != value.quantize(Decimal(1).scaleb(-places)):
            raise ValidationFailed(f"{label}は小数点以下{places}桁までで入力してください（{value}）。", field="weights")
    if population_source not in PopulationSource.values:
        raise ValidationFailed("人口の基準が正しくありません。", field="population_source")
    formula, _ = SharingFormula.objects.update_or_create(
        group=group,
        fiscal_year=fiscal_year,
        defaults={
            "equal_weight": weights.equal,
            "population_weight": weights.population,
            "usage_weights": {k: str(v) for k, v in weights.usage.items()},
            "population_exponent": weights.population_exponent,
            "population_source": population_source,
            "note": note,
        },
    )
    audit.record("costs.formula_set", obj=formula, municipality=None,
                 detail={"group": group.name, "fiscal_year": fiscal_year})
    return formula


@dataclass
class WhatIf:
    join_code: str | None = None
    join_population: int | None = None
    leave_code: str | None = None


@dataclass
class SharesReport:
    group: Group
    fiscal_year: int
    formula: SharingFormula
    result: rules.ShareResult
    population_source: str
    what_if: WhatIf | None = None
    hypothetical_codes: set[str] = field(default_factory=set)


def _members_for(group: Group, fiscal_year: int) -> list[Municipality]:
    return list(group.members_on(fiscal_year_start(fiscal_year)).order_by("code"))


def compute_shares(group: Group, fiscal_year: int, what_if: WhatIf | None = None) -> SharesReport:
    """Every member's share of the group's shared costs for a fiscal year, optionally with a member
    joining or leaving (what-if); nothing is written."""
    check_fiscal_year(fiscal_year)
    formula = formula_for(group, fiscal_year)
    weights = weights_of(formula)
    members = _members_for(group, fiscal_year)
    hypothetical: set[str] = set()
    if what_if and what_if.leave_code:
        if what_if.leave_code not in {m.code for m in members}:
            raise ValidationFailed(f"団体コード {what_if.leave_code} は{group}の構成団体ではありません。", field="leave")
        members = [m for m in members if m.code != what_if.leave_code]
    ids = [m.pk for m in members]
    usage = {meter: usage_for_fiscal_year(ids, meter, fiscal_year) for meter in weights.usage}
    if formula.population_source == PopulationSource.METER:
        populations = usage_for_fiscal_year(ids, "residents_held", fiscal_year)
    else:
        populations = {m.pk: m.population or 0 for m in members}
    inputs = [
        rules.MemberInput(m.code, m.name, populations[m.pk], {k: usage[k][m.pk] for k in usage}) for m in members
    ]
    if what_if and what_if.join_code:
        entry = lookup(what_if.join_code)
        if entry.code in {m.code for m in members}:
            raise ValidationFailed(f"{entry.full_name}は既に構成団体です。", field="join")
        known = Municipality.objects.filter(code=entry.code).first()
        population = what_if.join_population or (known.population if known else None)
        if not population or population <= 0:
            raise ValidationFailed(f"{entry.full_name}の人口を入力してください（団体コード表に人口はありません）。",
                                   field="population")
        # A newcomer has no meter history: assume the group's average usage per resident.
        total_pop = sum(i.population for i in inputs) or 1
        est = {k: round(Fraction(sum(usage[k].values()), total_pop) * population) for k in usage}
        inputs.append(rules.MemberInput(entry.code, entry.city, population, est))
        hypothetical.add(entry.code)
    result = rules.compute_shares(shared_total(group, fiscal_year), inputs, weights)
    if hypothetical and weights.usage:
        result.notes.append("加入を想定した団体の利用量は、グループの住民1人あたり平均利用量から推計しています。")
    return SharesReport(group, fiscal_year, formula, result, formula.get_population_source_display(), what_if,
                        hypothetical)


def part_label(name: str) -> str:
    if name == "equal":
        return "均等割"
    if name == "population":
        return "人口割"
    meter = name.split(":", 1)[1]
    spec = METERS.get(meter)
    return f"利用割（{spec.label if spec else meter}）"


def shares_as_dict(report: SharesReport) -> dict:
    """The JSON shape of `lgcloud costs shares --format json` and the API."""
    r = report.result
    return {
        "group": report.group.name,
        "fiscal_year": report.fiscal_year,
        "total": r.total,
        "formula": {
            "from_fiscal_year": report.formula.fiscal_year,
            "equal": str(r.weights.equal),
            "population": str(r.weights.population),
            "usage": {k: str(v) for k, v in r.weights.usage.items()},
            "population_exponent": str(r.weights.population_exponent),
            "population_source": report.formula.population_source,
        },
        "members": [
            {
                "code": line.code,
                "name": line.name,
                "hypothetical": line.code in report.hypothetical_codes,
                "population": line.population,
                "share": line.share,
                "exact": str(as_decimal(line.exact_yen)),
                "rounded_up": line.rounded_up,
                "breakdown": [
                    {
                        "part": p.name,
                        "label": part_label(p.name),
                        "weight": str(p.weight),
                        "basis": str(as_decimal(p.basis)),
                        "basis_total": str(as_decimal(p.basis_total)),
                        "ratio": str(as_decimal(p.ratio, 8)),
                        "yen": str(as_decimal(p.exact_yen)),
                    }
                    for p in line.parts
                ],
            }
            for line in r.lines
        ],
        "sum_of_shares": sum(line.share for line in r.lines),
        "notes": r.notes,
    }
