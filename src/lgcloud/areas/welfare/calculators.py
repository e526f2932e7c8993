"""`lgcloud calc child-allowance`: 児童手当 monthly amounts for a set of children (schema: docs/welfare.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lgcloud.areas.welfare.rules.child_allowance import AllowanceParameters, Child, monthly_amounts
from lgcloud.platform.calc import register_calculator
from lgcloud.platform.calc.fields import get_bool, get_date, get_list, get_object, refuse_unknown
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.params.standard import standard_values, with_overrides

INPUT = frozenset({"as_of", "children", "parameters"})
CHILD = frozenset({"birth_date", "supported"})
RULES_FROM = 2024  # the rules from October 2024


def _child(raw: Any, i: int) -> Child:
    where = f"children[{i}]."
    data = get_object(raw, f"children[{i}]")
    refuse_unknown(data, CHILD, where)
    return Child(get_date(data, "birth_date", where), get_bool(data, "supported", where, default=True))


def child_allowance(data: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown(data, INPUT)
    as_of = get_date(data, "as_of")
    if (as_of.year, as_of.month) < (RULES_FROM, 10):
        raise ValidationFailed("as_of は2024-10-01以降の日付を指定してください（令和6年10月分からの制度）。", field="as_of")
    children = [_child(c, i) for i, c in enumerate(get_list(data, "children"))]
    for i, c in enumerate(children):
        if c.birth_date > as_of:
            raise ValidationFailed(f"children[{i}].birth_date が as_of より後です。", field=f"children[{i}].birth_date")
    fiscal_year = as_of.year if as_of.month >= 4 else as_of.year - 1
    values = with_overrides(standard_values("child_allowance.", fiscal_year), data.get("parameters"),
                            ("child_allowance.",))
    rows = monthly_amounts(children, as_of, AllowanceParameters.from_values(values))
    return {
        "as_of": as_of.isoformat(),
        "monthly_total": sum(r.monthly_amount for r in rows),
        "children": [
            {"birth_date": r.birth_date.isoformat(), "order": r.order, "eligible": r.eligible, "band": r.band,
             "monthly_amount": r.monthly_amount}
            for r in rows
        ],
        "parameters": {k: str(v) for k, v in sorted(values.items())},
    }


register_calculator("child-allowance", child_allowance, label="児童手当（月額）")
