"""Reading parameters, setting overrides, and the deviation report (カスタマイズ比較一覧表).

Business code asks `value(name, fiscal_year)` and never which municipality it
serves: the difference lives in the Override rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import OuterRef, Subquery

from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.common.wareki import format_fiscal_year
from lgcloud.platform.params.models import Override, Parameter, StandardValue, ValueType
from lgcloud.platform.tenancy.context import current_actor, require_municipality
from lgcloud.platform.tenancy.models import Group, Municipality

Value = Decimal | int | str | bool

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


def get_parameter(name: str) -> Parameter:
    param = Parameter.objects.filter(name=name).first()
    if param is None:
        raise NotFound(f"パラメータ「{name}」はカタログにありません。")
    return param


def parse_value(param: Parameter | Spec, raw: str) -> Value:
    """Parse and range-check a value; the message names the parameter and its range."""
    text = str(raw).strip().translate(_FULLWIDTH).replace(",", "")
    vt = param.value_type
    if vt == ValueType.CHOICE:
        allowed = [c[0] for c in param.choices]
        if text not in allowed:
            labels = "、".join(f"{c[1]}（{c[0]}）" for c in param.choices)
            raise ValidationFailed(f"{param.label}は次のいずれかを指定してください: {labels}", field="value")
        return text
    if vt == ValueType.BOOLEAN:
        if text.lower() in {"1", "true", "有", "あり"}:
            return True
        if text.lower() in {"0", "false", "無", "なし"}:
            return False
        raise ValidationFailed(f"{param.label}は「有」か「無」で指定してください。", field="value")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(f"{param.label}には数値を入力してください（入力値: {raw}）。", field="value") from None
    if not number.is_finite():
        raise ValidationFailed(f"{param.label}には数値を入力してください（入力値: {raw}）。", field="value")
    if vt in (ValueType.YEN, ValueType.INTEGER) and number != number.to_integral_value():
        raise ValidationFailed(f"{param.label}は整数で入力してください（入力値: {raw}）。", field="value")
    low, high = param.min_value, param.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        unit = param.unit
        raise ValidationFailed(
            f"{param.label}は {_fmt(low)}{unit} 以上 {_fmt(high)}{unit} 以下で入力してください（入力値: {raw}）。",
            field="value",
        )
    if vt in (ValueType.YEN, ValueType.INTEGER):
        return int(number)
    return number


def _fmt(d: Decimal | None) -> str:
    if d is None:
        return ""
    d = d.normalize()
    # Not f"{d:,}" on the normalized value: Decimal("2000000").normalize() formats as "2E+6".
    return f"{int(d):,}" if d == d.to_integral_value() else f"{d:f}"


def format_value(param: Parameter, value: str) -> str:
    if param.value_type == ValueType.YEN:
        return f"{int(Decimal(value)):,}円"
    if param.value_type == ValueType.RATE:
        return f"{Decimal(value).normalize():f}%"
    if param.value_type == ValueType.CHOICE:
        return dict((c[0], c[1]) for c in param.choices).get(value, value)
    return value


def standard_raw(param: Parameter, fiscal_year: int) -> str:
    row = (
        StandardValue.objects.filter(parameter=param, fiscal_year__lte=fiscal_year).order_by("-fiscal_year").first()
    )
    if row is None:
        raise NotFound(f"{param.label}には{format_fiscal_year(fiscal_year)}の標準値がありません。")
    return row.value


def value(name: str, fiscal_year: int, municipality: Municipality | None = None) -> Value:
    """The value in force for the municipality in context (or the one given) in a fiscal year."""
    param, raw = _in_force([name], fiscal_year, municipality).get(name, (None, None))
    if param is None:
        raise NotFound(f"パラメータ「{name}」はカタログにありません。")
    if raw is None:
        raise NotFound(f"{param.label}には{format_fiscal_year(fiscal_year)}の標準値がありません。")
    return parse_value(param, raw)


def values(names: Iterable[str], fiscal_year: int, municipality: Municipality | None = None) -> dict[str, Value]:
    """`value` of many parameters at once, in one statement (a batch reads its whole parameter set this way).
    A name without a standard value for the year (and no override) is left out."""
    parsed = _remembered_values.get()
    if parsed is None:
        found = _in_force(names, fiscal_year, municipality)
        return {name: parse_value(param, raw) for name, (param, raw) in sorted(found.items()) if raw is not None}
    # within `remembered()`: each value parsed once per municipality and fiscal year (a batch asks for the same
    # catalogue of ~200 values hundreds of times); values are immutable (Decimal, bool, str), so they are shared
    wanted = sorted(set(names))
    municipality = municipality or require_municipality()
    known = parsed.setdefault((municipality.pk, fiscal_year), {})
    missing = [name for name in wanted if name not in known]
    if missing:
        found = _in_force(missing, fiscal_year, municipality)
        fresh = {name: parse_value(param, raw) if raw is not None else _ABSENT
                 for name, (param, raw) in found.items()}  # a bad value raises here, as without the block
        known.update(fresh)
        known.update((name, _ABSENT) for name in missing if name not in fresh)
    return {name: known[name] for name in wanted if known[name] is not _ABSENT}


class Spec(NamedTuple):
    """What parsing a value needs of its parameter (read as a tuple: a batch reads a whole catalogue at once)."""

    name: str
    label: str
    unit: str
    value_type: str
    min_value: Decimal | None
    max_value: Decimal | None
    choices: list[list[str]]


InForce = dict[str, tuple[Spec, str | None]]
# (municipality id, fiscal year) → the whole catalogue in force, while `remembered()` is active
# (and the tables it is composed from: see `_compose_in_force`)
_remembered: ContextVar[dict[Any, Any] | None] = ContextVar("params_remembered", default=None)
# … and the values `values()` parsed of it (_ABSENT: no value for the year, or not in the catalogue)
_remembered_values: ContextVar[dict[tuple[int, int], dict[str, Any]] | None] = ContextVar(
    "params_remembered_values", default=None)
_ABSENT = object()


@contextmanager
def remembered() -> Iterator[None]:
    """Within the block, the parameters in force are read once per municipality and fiscal year (the whole
    catalogue in one statement) and then served from memory: for a batch that reads the same catalogue many times
    (the demo load: ~230 reads). Setting or removing an override within the block forgets what was read."""
    token, values_token = _remembered.set({}), _remembered_values.set({})
    try:
        yield
    finally:
        _remembered_values.reset(values_token)
        _remembered.reset(token)


def _forget() -> None:
    memo = _remembered.get()
    if memo is not None:
        memo.clear()
    parsed = _remembered_values.get()
    if parsed is not None:
        parsed.clear()


def _in_force(names: Iterable[str], fiscal_year: int, municipality: Municipality | None) -> InForce:
    """name → (parameter, the override of the year or else the latest standard value up to it), one statement."""
    municipality = municipality or require_municipality()
    memo = _remembered.get()
    if memo is None:
        return _read_in_force(list(names), fiscal_year, municipality)
    key = (municipality.pk, fiscal_year)
    if key not in memo:
        memo[key] = _compose_in_force(fiscal_year, municipality, memo)
    catalogue = memo[key]
    return {name: catalogue[name] for name in names if name in catalogue}


_TABLES = (0, 0)  # the memo's key of the catalogue and every standard value (no municipality has pk 0)


def _compose_in_force(fiscal_year: int, municipality: Municipality, memo: dict[Any, Any]) -> InForce:
    """`_read_in_force(None, …)` composed from tables read once within `remembered()`: the catalogue with every
    standard value (once a block: the same for every member) and a member's overrides of every year (once a
    member) — a batch over 18 members and a dozen fiscal years reads 19 times instead of ~200."""
    if _TABLES not in memo:
        standard: dict[str, list[tuple[int, str]]] = {}
        for name, year, raw in StandardValue.objects.order_by("fiscal_year").values_list(
                "parameter__name", "fiscal_year", "value"):
            standard.setdefault(name, []).append((year, raw))
        specs = [Spec(*row) for row in Parameter.objects.order_by().values_list(*Spec._fields)]
        memo[_TABLES] = (specs, standard)
    specs, standard = memo[_TABLES]
    own = ("overrides", municipality.pk)
    if own not in memo:
        memo[own] = {(name, year): raw for name, year, raw in Override.objects.filter(
            municipality=municipality).order_by().values_list("parameter__name", "fiscal_year", "value")}
    overrides = memo[own]
    out: InForce = {}
    for spec in specs:
        raw = overrides.get((spec.name, fiscal_year))
        if raw is None:  # the latest standard value up to the year
            for year, value in standard.get(spec.name, ()):
                if year > fiscal_year:
                    break
                raw = value
        out[spec.name] = (spec, raw)
    return out


def _read_in_force(names: list[str] | None, fiscal_year: int, municipality: Municipality) -> InForce:
    """`_in_force` from the database: of the names given, or of the whole catalogue (None)."""
    override = Override.objects.filter(parameter=OuterRef("pk"), municipality=municipality,
                                       fiscal_year=fiscal_year).order_by()
    standard = StandardValue.objects.filter(parameter=OuterRef("pk"), fiscal_year__lte=fiscal_year)
    wanted = Parameter.objects.all() if names is None else Parameter.objects.filter(name__in=names)
    rows = wanted.order_by().annotate(
        override_value=Subquery(override.values("value")[:1]),
        standard_value=Subquery(standard.order_by("-fiscal_year").values("value")[:1]),
    ).values_list(*Spec._fields, "override_value", "standard_value")
    return {row[0]: (Spec(*row[:7]), row[7] if row[7] is not None else row[8]) for row in rows}


@transaction.atomic
def set_override(
    municipality: Municipality, name: str, fiscal_year: int, raw: str, reason: str = ""
) -> Override:
    param = get_parameter(name)
    if not param.overridable:
        raise PermissionDenied(f"{param.label}は全団体共通の値で、団体ごとに変更できません。")
    if not 2000 <= fiscal_year <= 2100:
        raise ValidationFailed("年度は西暦4桁で指定してください（例: 2026）。", field="fiscal_year")
    parsed = parse_value(param, raw)
    _forget()
    stored = str(parsed).lower() if isinstance(parsed, bool) else str(parsed)
    override, _ = Override.objects.update_or_create(
        parameter=param,
        municipality=municipality,
        fiscal_year=fiscal_year,
        defaults={"value": stored, "reason": reason[:300], "set_by": current_actor().username},
    )
    audit.record(
        "params.override_set",
        obj=override,
        municipality=municipality,
        detail={"parameter": name, "fiscal_year": fiscal_year, "value": stored},
    )
    return override


@transaction.atomic
def remove_override(municipality: Municipality, name: str, fiscal_year: int) -> None:
    param = get_parameter(name)
    deleted, _ = Override.objects.filter(parameter=param, municipality=municipality, fiscal_year=fiscal_year).delete()
    _forget()
    if not deleted:
        raise NotFound(f"{param.label}の{format_fiscal_year(fiscal_year)}の設定はありません。")
    audit.record(
        "params.override_removed",
        object_type="Parameter",
        object_id=param.pk,
        municipality=municipality,
        detail={"parameter": name, "fiscal_year": fiscal_year},
    )


@dataclass
class DeviationRow:
    parameter: Parameter
    standard: str
    standard_display: str
    cells: list[str | None]  # per member, the displayed override or None (= standard)

    @property
    def deviating_members(self) -> int:
        return sum(1 for c in self.cells if c is not None)


@dataclass
class DeviationReport:
    group: Group
    fiscal_year: int
    members: list[Municipality]
    rows: list[DeviationRow] = field(default_factory=list)

    @property
    def deviations_per_member(self) -> list[int]:
        return [sum(1 for r in self.rows if r.cells[i] is not None) for i in range(len(self.members))]


def deviation_report(group: Group, fiscal_year: int, *, all_parameters: bool = False) -> DeviationReport:
    """Every member's overrides side by side with the standard, for one fiscal year."""
    import datetime as dt

    members = list(group.members_on(dt.date(fiscal_year + 1, 3, 31)).order_by("code"))
    index = {m.pk: i for i, m in enumerate(members)}
    overrides = Override.objects.filter(municipality__in=members, fiscal_year=fiscal_year).select_related("parameter")
    by_param: dict[int, dict[int, str]] = {}
    for o in overrides:
        by_param.setdefault(o.parameter_id, {})[o.municipality_id] = o.value
    report = DeviationReport(group, fiscal_year, members)
    for param in Parameter.objects.all():
        over = by_param.get(param.pk, {})
        if not over and not all_parameters:
            continue
        try:
            std = standard_raw(param, fiscal_year)
        except NotFound:
            continue
        cells: list[str | None] = [None] * len(members)
        for municipality_id, raw in over.items():
            cells[index[municipality_id]] = format_value(param, raw)
        report.rows.append(DeviationRow(param, std, format_value(param, std), cells))
    return report
