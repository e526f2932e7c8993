"""固定資産税: the ledger (土地・家屋, owners and shares, history of every change), the 名寄帳, and the assessment.

A property owned by one person is taxed to that person together with everything else they own alone; a
co-owned property is taxed to its co-owners together (連帯納税義務), with everything else the same set of
co-owners owns. The 免税点 applies per taxpayer and category; truncations on each taxpayer's total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from lgcloud.areas.registry import public
from lgcloud.areas.taxation.assessment import _digest, parameter_values, parameter_version
from lgcloud.areas.taxation.property_models import (
    Building,
    CoOwnerGroup,
    LandParcel,
    LedgerChange,
    OwnerKind,
    Ownership,
    PropertyAssessment,
    PropertyOwner,
)
from lgcloud.areas.taxation.rules import property_tax
from lgcloud.areas.taxation.rules.params import ParamSet
from lgcloud.platform import levies
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.tenancy.context import current_actor

LEVY = "property_tax"


def _plain(obj: Any) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, (Decimal, dt.date)) else v) for k, v in model_to_dict(obj).items()}


def _log(obj: Any, reason: str, before: dict[str, Any] | None) -> None:
    LedgerChange.objects.create(object_type=type(obj).__name__, object_id=obj.pk, reason=reason[:200], before=before,
                                after=_plain(obj), changed_by=current_actor().username)
    audit.record("taxation.property_ledger_changed", obj=obj, detail={"reason": reason})


@transaction.atomic
def add_owner(kind: str, name: str, *, person_no: int | None = None, address: str = "") -> PropertyOwner:
    if kind not in OwnerKind.values:
        raise ValidationFailed(f"所有者の区分「{kind}」はありません。", field="kind")
    if kind == OwnerKind.RESIDENT:
        view = public.person(int(person_no or 0))
        if view is None:
            raise ValidationFailed(f"宛名番号 {person_no} の住民はいません。", field="person_no")
        name, address = view.full_name, view.address
    if not name.strip():
        raise ValidationFailed("所有者の氏名・名称を入力してください。", field="name")
    owner = PropertyOwner.objects.create(kind=kind, person_no=person_no if kind == OwnerKind.RESIDENT else None,
                                         name=name, address=address)
    _log(owner, "所有者の登録", None)
    return owner


def _owners(owners: list[tuple[PropertyOwner, int, int]]) -> None:
    if not owners:
        raise ValidationFailed("所有者を1人以上指定してください。", field="owners")
    total = sum((Fraction(n, d) for _o, n, d in owners), Fraction(0))
    if any(n <= 0 or d <= 0 or n > d for _o, n, d in owners) or total != 1:
        raise ValidationFailed(f"持分の合計が1になりません（{total}）。", field="owners")


@transaction.atomic
def add_land(fiscal_year: int, owners: list[tuple[PropertyOwner, int, int]], **fields: Any) -> LandParcel:
    """土地 with its owners [(owner, share numerator, denominator)], shares summing to 1."""
    _owners(owners)
    if fields.get("residential", "none") not in property_tax.RESIDENTIAL_KINDS:
        raise ValidationFailed("住宅用地の区分は none・small・general のいずれかです。", field="residential")
    if fields.get("residential") == "small" and int(fields.get("dwellings", 0)) < 1:
        raise ValidationFailed("小規模住宅用地には住戸数（1以上）が必要です。", field="dwellings")
    land = LandParcel.objects.create(fiscal_year=fiscal_year, **fields)
    for owner, n, d in owners:
        Ownership.objects.create(owner=owner, land=land, share_numerator=n, share_denominator=d)
    _log(land, "土地の登録", None)
    return land


@transaction.atomic
def add_building(fiscal_year: int, owners: list[tuple[PropertyOwner, int, int]], **fields: Any) -> Building:
    _owners(owners)
    building = Building.objects.create(fiscal_year=fiscal_year, **fields)
    for owner, n, d in owners:
        Ownership.objects.create(owner=owner, building=building, share_numerator=n, share_denominator=d)
    _log(building, "家屋の登録", None)
    return building


@dataclass
class Holding:
    """One item for `add_many`: "land" or "building", its owners [(owner, numerator, denominator)], its items."""

    what: str
    owners: list[tuple[PropertyOwner, int, int]]
    fields: dict[str, Any]


@transaction.atomic
def add_owners(specs: list[dict[str, Any]]) -> list[PropertyOwner]:
    """Several owners at once (`add_owner`'s checks; residents' names and addresses from the register read once),
    one ledger change each, one audit record for the batch."""
    residents = public.persons(int(spec.get("person_no") or 0) for spec in specs if spec["kind"] == OwnerKind.RESIDENT)
    owners = []
    for spec in specs:
        kind, name, address = spec["kind"], spec.get("name", ""), spec.get("address", "")
        person_no = spec.get("person_no")
        if kind not in OwnerKind.values:
            raise ValidationFailed(f"所有者の区分「{kind}」はありません。", field="kind")
        if kind == OwnerKind.RESIDENT:
            view = residents.get(int(person_no or 0))
            if view is None:
                raise ValidationFailed(f"宛名番号 {person_no} の住民はいません。", field="person_no")
            name, address = view.full_name, view.address
        if not name.strip():
            raise ValidationFailed("所有者の氏名・名称を入力してください。", field="name")
        owners.append(PropertyOwner(kind=kind, person_no=person_no if kind == OwnerKind.RESIDENT else None,
                                    name=name, address=address))
    created = PropertyOwner.objects.bulk_create(owners)
    _log_many(created, "所有者の登録")
    return created


@transaction.atomic
def add_many(fiscal_year: int, holdings: list[Holding]) -> list[LandParcel | Building]:
    """土地 and 家屋 in bulk, as `add_land` / `add_building` one by one would (everything checked first, nothing
    half written): the items, their ownerships and ledger changes in a few inserts, one audit record."""
    for h in holdings:
        _owners(h.owners)
        if h.what == "land":
            if h.fields.get("residential", "none") not in property_tax.RESIDENTIAL_KINDS:
                raise ValidationFailed("住宅用地の区分は none・small・general のいずれかです。", field="residential")
            if h.fields.get("residential") == "small" and int(h.fields.get("dwellings", 0)) < 1:
                raise ValidationFailed("小規模住宅用地には住戸数（1以上）が必要です。", field="dwellings")
        elif h.what != "building":
            raise ValidationFailed(f"「{h.what}」は土地・家屋のいずれでもありません。", field="what")
    lands = iter(LandParcel.objects.bulk_create(
        [LandParcel(fiscal_year=fiscal_year, **h.fields) for h in holdings if h.what == "land"]))
    buildings = iter(Building.objects.bulk_create(
        [Building(fiscal_year=fiscal_year, **h.fields) for h in holdings if h.what == "building"]))
    items: list[LandParcel | Building] = [next(lands) if h.what == "land" else next(buildings) for h in holdings]
    if any(x.pk is None for x in items):
        raise RuntimeError("the database did not return the new ids")  # SQLite ≥ 3.35 and PostgreSQL do
    Ownership.objects.bulk_create([
        Ownership(owner=owner, share_numerator=n, share_denominator=d,
                  **({"land": item} if h.what == "land" else {"building": item}))
        for h, item in zip(holdings, items, strict=True) for owner, n, d in h.owners])
    _log_many(items, "土地・家屋の登録")
    return items


def _log_many(objs: list[Any], reason: str) -> None:
    who = current_actor().username
    LedgerChange.objects.bulk_create([
        LedgerChange(object_type=type(o).__name__, object_id=o.pk, reason="土地の登録" if isinstance(o, LandParcel)
                     else "家屋の登録" if isinstance(o, Building) else reason, before=None, after=_plain(o),
                     changed_by=who) for o in objs])
    audit.record("taxation.property_ledger_changed", object_type="PropertyLedger", object_id=str(len(objs)),
                 detail={"reason": reason, "items": [[type(o).__name__, o.pk] for o in objs]})


def _change(model: type[Any], object_id: int, missing: str, reason: str, fields: dict[str, Any]) -> Any:
    obj = model.objects.filter(pk=object_id).first()
    if obj is None:
        raise NotFound(missing)
    if not reason.strip():
        raise ValidationFailed("変更の理由を入力してください。", field="reason")
    before = _plain(obj)
    for k, v in fields.items():
        setattr(obj, k, v)
    obj.save()
    _log(obj, reason, before)
    return obj


@transaction.atomic
def change_land(land_id: int, reason: str, **fields: Any) -> LandParcel:
    land: LandParcel = _change(LandParcel, land_id, "土地が見つかりません。", reason, fields)
    return land


@transaction.atomic
def change_building(building_id: int, reason: str, **fields: Any) -> Building:
    building: Building = _change(Building, building_id, "家屋が見つかりません。", reason, fields)
    return building


def history(obj: Any) -> list[LedgerChange]:
    return list(LedgerChange.objects.filter(object_type=type(obj).__name__, object_id=obj.pk).order_by("pk"))


@dataclass
class OwnerLedgerLine:
    category: str  # 土地 / 家屋
    description: str
    value: int
    share: str


def owner_ledger(owner_id: int, fiscal_year: int) -> list[OwnerLedgerLine]:
    """名寄帳: everything one owner holds in a fiscal year, with the share of co-owned items (audited)."""
    owner = PropertyOwner.objects.filter(pk=owner_id).first()
    if owner is None:
        raise NotFound("所有者が見つかりません。")
    lines = []
    for o in Ownership.objects.filter(owner=owner).select_related("land", "building").order_by("pk"):
        share = "単独" if o.share_denominator == 1 else f"{o.share_numerator}/{o.share_denominator}"
        if o.land and o.land.fiscal_year == fiscal_year:
            land = o.land
            lines.append(OwnerLedgerLine("土地", f"{land.location} {land.lot_number}（{land.land_category}、{land.area_m2}㎡）",
                                         land.value, share))
        if o.building and o.building.fiscal_year == fiscal_year:
            b = o.building
            lines.append(OwnerLedgerLine("家屋", f"{b.location} 家屋番号{b.building_number}（{b.kind}・{b.structure}、"
                                               f"{b.floor_area_m2}㎡）", b.value, share))
    audit.record("taxation.owner_ledger_read", obj=owner, purpose="名寄帳の照会", detail={"fiscal_year": fiscal_year})
    return lines


def _units(fiscal_year: int) -> dict[tuple[int, ...], dict[str, list[Any]]]:
    """Properties grouped by the set of their owners (the taxpayer unit)."""
    owners_of: dict[tuple[str, int], list[int]] = {}
    for o in Ownership.objects.filter(owner__isnull=False).order_by("pk"):
        key = ("land", o.land_id) if o.land_id else ("building", int(o.building_id or 0))
        owners_of.setdefault(key, []).append(o.owner_id)
    units: dict[tuple[int, ...], dict[str, list[Any]]] = {}
    for land in LandParcel.objects.filter(fiscal_year=fiscal_year).order_by("pk"):
        unit = tuple(sorted(owners_of.get(("land", land.pk), [])))
        units.setdefault(unit, {"land": [], "buildings": []})["land"].append(land)
    for b in Building.objects.filter(fiscal_year=fiscal_year).order_by("pk"):
        unit = tuple(sorted(owners_of.get(("building", b.pk), [])))
        units.setdefault(unit, {"land": [], "buildings": []})["buildings"].append(b)
    units.pop((), None)
    return units


def _taxpayer(unit: tuple[int, ...], owners: dict[int, PropertyOwner]) -> tuple[int, str]:
    if len(unit) == 1:
        o = owners[unit[0]]
        return o.taxpayer_no, o.name
    group, _ = CoOwnerGroup.objects.get_or_create(owner_ids=",".join(map(str, unit)))
    names = [owners[i].name for i in unit]
    return group.taxpayer_no, f"{names[0]} 外{len(names) - 1}名（共有）"


def _due(fiscal_year: int, month: int) -> dt.date:
    import calendar

    year = fiscal_year if month >= 4 else fiscal_year + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class PropertyRun:
    fiscal_year: int
    taxpayers: int
    written: int
    total: int


@transaction.atomic
def assess_all(fiscal_year: int, *, on: dt.date | None = None) -> PropertyRun:
    """固定資産税 of every taxpayer unit; unchanged inputs are left as they are (re-run writes nothing)."""
    on = on or dt.date(fiscal_year, 4, 1)
    values = parameter_values(fiscal_year)
    version_hash = parameter_version(values)
    owners = {o.pk: o for o in PropertyOwner.objects.all()}
    written = total = 0
    units = _units(fiscal_year)
    current_of = {a.taxpayer_no: a for a in PropertyAssessment.objects.filter(fiscal_year=fiscal_year, is_current=True)}
    p = ParamSet(fiscal_year, values)
    new: list[PropertyAssessment] = []
    replaced: list[int] = []
    for unit, items in sorted(units.items()):
        number, name = _taxpayer(unit, owners)
        facts: dict[str, Any] = {"fiscal_year": fiscal_year, "owners": list(unit),
                 "land": [{"id": x.pk, "area_m2": str(x.area_m2), "value": x.value,
                           "previous_tax_base": x.previous_tax_base, "residential": x.residential,
                           "dwellings": x.dwellings} for x in items["land"]],
                 "buildings": [{"id": b.pk, "value": b.value} for b in items["buildings"]]}
        input_hash = _digest(facts)
        current = current_of.get(number)
        if current is not None and current.input_hash == input_hash and current.parameter_version == version_hash:
            total += current.total
            continue
        p.take_used()
        result = property_tax.calculate(
            fiscal_year,
            [property_tax.LandItem(Decimal(x["area_m2"]), x["value"], x["previous_tax_base"], x["residential"],
                                   x["dwellings"]) for x in facts["land"]],
            [property_tax.BuildingItem(b["value"]) for b in facts["buildings"]], p).as_dict()
        if current is not None:
            replaced.append(current.pk)
        new.append(PropertyAssessment(
            fiscal_year=fiscal_year, taxpayer_no=number, taxpayer_name=name,
            version=1 if current is None else current.version + 1,
            reason="当初賦課" if current is None else "更正（再計算）", assessed_on=on, input_hash=input_hash,
            parameter_version=version_hash, facts=facts, result=result, total=result["tax"]))
    # the versions replaced stop being current, the new ones are written in one go, their 調定 sent together
    PropertyAssessment.objects.filter(pk__in=replaced).update(is_current=False)
    created = PropertyAssessment.objects.bulk_create(new)
    if any(a.pk is None for a in created):  # a database that does not return the new ids
        created = [PropertyAssessment.objects.get(fiscal_year=fiscal_year, taxpayer_no=a.taxpayer_no,
                                                  version=a.version) for a in new]
    levies.submit_many([levies.BillSet(
        levy=LEVY, fiscal_year=fiscal_year, person_no=a.taxpayer_no,
        lines=tuple(levies.BillLine(i["installment"], _due(fiscal_year, i["month"]), i["amount"])
                    for i in a.result["installments"]),
        reason=a.reason, effective_on=on, source_ref=f"property_assessment:{a.pk}:v{a.version}") for a in created])
    written = len(created)
    total += sum(a.total for a in created)
    audit.record("taxation.property_assessed", object_type="PropertyAssessment", object_id=str(fiscal_year),
                 purpose="固定資産税の賦課", detail={"fiscal_year": fiscal_year, "taxpayers": len(units),
                                                   "written": written})
    return PropertyRun(fiscal_year, len(units), written, total)
