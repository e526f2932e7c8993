"""軽自動車税（種別割）: a small vehicle register and the annual assessment, handed to the ledger through
`levies.submit_many` (the whole run at once) like any other levy (this module never writes the ledger itself).

The tax is owed by whoever owns the vehicle on 4月1日 (賦課期日), in one instalment due at the end of
`light_vehicle_tax.due_month` (5月). A vehicle acquired or disposed of after 4月1日 changes nothing for the
year (no 月割).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Q

from lgcloud.areas.registry import public
from lgcloud.areas.revenue import parameters as P
from lgcloud.areas.revenue.models import Vehicle
from lgcloud.areas.revenue.rules.light_vehicle import VEHICLE_TYPES, light_vehicle_tax
from lgcloud.platform import levies
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed

LEVY = "light_vehicle_tax"


@transaction.atomic
def register_vehicle(person_no: int, plate: str, vehicle_type: str, first_registered: int, acquired_on: dt.date,
                     *, heavy_exempt: bool = False) -> Vehicle:
    if vehicle_type not in VEHICLE_TYPES:
        raise ValidationFailed(f"車種「{vehicle_type}」は定められていません。", field="vehicle_type")
    year, month = divmod(first_registered, 100)
    if not (1950 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationFailed(f"初度検査年月「{first_registered}」は YYYYMM で指定してください。", field="first_registered")
    if not plate.strip():
        raise ValidationFailed("標識番号を入力してください。", field="plate")
    if public.person(person_no) is None:
        raise ValidationFailed(f"宛名番号 {person_no} の住民はいません。", field="person_no")
    if Vehicle.objects.filter(plate=plate.strip(), disposed_on__isnull=True).exists():
        raise ValidationFailed(f"標識番号 {plate} の車両はすでに登録されています。", field="plate")
    vehicle = Vehicle.objects.create(person_no=person_no, plate=plate.strip(), vehicle_type=vehicle_type,
                                     first_registered=first_registered, acquired_on=acquired_on,
                                     heavy_exempt=heavy_exempt)
    audit.record("revenue.vehicle_registered", obj=vehicle, detail={"person_no": person_no, "plate": vehicle.plate})
    return vehicle


@transaction.atomic
def register_vehicles(rows: list[tuple[int, str, str, int, dt.date]]) -> list[Vehicle]:
    """Many vehicles at once — (宛名番号, 標識番号, 車種, 初度検査年月, 取得日) each — checked as `register_vehicle`
    checks one (every row first: nothing is written if one is refused), the owners and plates read in one query
    each, the rows written together and named by one audit record."""
    plates = [plate.strip() for _, plate, _, _, _ in rows]
    times = Counter(plates)
    for (_, plate, vehicle_type, first_registered, _), clean in zip(rows, plates, strict=True):
        if vehicle_type not in VEHICLE_TYPES:
            raise ValidationFailed(f"車種「{vehicle_type}」は定められていません。", field="vehicle_type")
        year, month = divmod(first_registered, 100)
        if not (1950 <= year <= 2100 and 1 <= month <= 12):
            raise ValidationFailed(f"初度検査年月「{first_registered}」は YYYYMM で指定してください。",
                                   field="first_registered")
        if not clean:
            raise ValidationFailed("標識番号を入力してください。", field="plate")
        if times[clean] > 1:
            raise ValidationFailed(f"標識番号 {plate} の車両が重複しています。", field="plate")
    known = public.persons(r[0] for r in rows)
    missing = next((r[0] for r in rows if r[0] not in known), None)
    if missing is not None:
        raise ValidationFailed(f"宛名番号 {missing} の住民はいません。", field="person_no")
    taken = Vehicle.objects.filter(plate__in=plates, disposed_on__isnull=True).values_list("plate", flat=True).first()
    if taken is not None:
        raise ValidationFailed(f"標識番号 {taken} の車両はすでに登録されています。", field="plate")
    vehicles = Vehicle.objects.bulk_create([
        Vehicle(person_no=person_no, plate=clean, vehicle_type=vehicle_type, first_registered=first_registered,
                acquired_on=acquired_on)
        for (person_no, _, vehicle_type, first_registered, acquired_on), clean in zip(rows, plates, strict=True)])
    if vehicles:
        audit.record("revenue.vehicles_registered", object_type="Vehicle", object_id=f"batch:{len(vehicles)}",
                     detail={"vehicles": [{"person_no": v.person_no, "plate": v.plate} for v in vehicles]})
    return vehicles


@transaction.atomic
def dispose_vehicle(vehicle_id: int, on: dt.date) -> Vehicle:
    vehicle = Vehicle.objects.select_for_update().filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound("指定の車両はありません。")
    if vehicle.disposed_on is not None:
        raise ValidationFailed("この車両はすでに廃車・譲渡されています。", field="disposed_on")
    if on < vehicle.acquired_on:
        raise ValidationFailed("廃車・譲渡日が取得日より前です。", field="disposed_on")
    vehicle.disposed_on = on
    vehicle.save(update_fields=["disposed_on"])
    audit.record("revenue.vehicle_disposed", obj=vehicle, detail={"on": on.isoformat()})
    return vehicle


def due_on(fiscal_year: int, lookup: P.Lookup) -> dt.date:
    month = int(lookup("light_vehicle_tax.due_month", fiscal_year))
    return dt.date(fiscal_year, month, calendar.monthrange(fiscal_year, month)[1])


@transaction.atomic
def assess(fiscal_year: int, effective_on: dt.date | None = None, person_nos: set[int] | None = None) -> int:
    """Assess every owner on 4月1日 of `fiscal_year` (or those given) and submit their bills; returns the count."""
    assessment_date = dt.date(fiscal_year, 4, 1)
    lookup = P.database_lookup()
    params = P.light_vehicle_params(lookup, fiscal_year)
    owned = Vehicle.objects.filter(acquired_on__lte=assessment_date).filter(
        Q(disposed_on__isnull=True) | Q(disposed_on__gt=assessment_date))
    if person_nos is not None:
        owned = owned.filter(person_no__in=person_nos)
    by_person: dict[int, list[dict[str, object]]] = defaultdict(list)
    for v in owned.order_by("person_no", "pk"):
        tax = light_vehicle_tax(v.vehicle_type, v.first_registered, fiscal_year, params, heavy_exempt=v.heavy_exempt)
        by_person[v.person_no].append({"plate": v.plate, **tax.as_dict()})
    due = due_on(fiscal_year, lookup)
    people = set(by_person) | (person_nos or set())
    bill_sets = []
    for person_no in sorted(people):
        rows = by_person.get(person_no, [])
        total = sum(int(str(r["amount"])) for r in rows)
        bill_sets.append(levies.BillSet(
            levy=LEVY, fiscal_year=fiscal_year, person_no=person_no,
            lines=(levies.BillLine(1, due, total),), reason="当初賦課" if effective_on is None else "賦課",
            effective_on=effective_on or dt.date(fiscal_year, 5, 1), source_ref=f"light_vehicle:{fiscal_year}",
            detail={"vehicles": rows}))
    levies.submit_many(bill_sets)  # the whole run through the ledger's bulk receiver (one audit record)
    audit.record("revenue.light_vehicle_assessed", object_type="Vehicle", object_id=fiscal_year,
                 detail={"fiscal_year": fiscal_year, "taxpayers": len(people)})
    return len(people)
