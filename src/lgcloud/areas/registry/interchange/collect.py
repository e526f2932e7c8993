"""The registry's side of an export: the rows of every file of the standard layout, from the register
as it is or as of a date (folded from the events), with 宛名番号 and 世帯番号 instead of internal ids and
the 個人番号 decrypted (the import encrypts it again)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lgcloud.areas.registry import crypto, engine
from lgcloud.areas.registry.models import Household, Person, RegistryEvent, Restriction, Status, SupportMeasure
from lgcloud.platform.tenancy.context import require_municipality


def _person_rows(persons: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    rows = []
    for p in persons:
        row = dict(p)
        enc = row.pop("individual_number_enc", "")
        row["individual_number"] = crypto.decrypt(code, enc) if enc else None
        rows.append(row)
    return rows


def _convert_changes(changes: list[dict[str, Any]], person_no: dict[int, int], household_no: dict[int, int],
                     code: str) -> list[dict[str, Any]]:
    """Internal ids → 宛名番号/世帯番号; the encrypted 個人番号 → the number (re-encrypted on import)."""
    out = []
    for ch in changes:
        # Most items pass unchanged: copy the dict, then replace the few that name internal things.
        values: dict[str, Any] = dict(ch["set"])
        if "household_id" in values:
            v = values.pop("household_id")
            values["household_no"] = household_no.get(v) if v else None
        if "head_id" in values:
            v = values.pop("head_id")
            values["head_person_no"] = person_no.get(v) if v else None
        if "individual_number_enc" in values:
            v = values.pop("individual_number_enc")
            values["individual_number"] = crypto.decrypt(code, v) if v else None
        values.pop("individual_number_hash", None)
        values.pop("individual_number_last4", None)
        no = person_no[ch["id"]] if ch["target"] == "person" else household_no[ch["id"]]
        out.append({"target": ch["target"], "no": no, "set": values})
    return out


def collect(*, as_of: dt.date | None, include_sensitive: bool) -> dict[str, list[dict[str, Any]]]:
    municipality = require_municipality()
    code = municipality.code
    person_no = dict(Person.objects.values_list("pk", "person_no"))
    household_no = dict(Household.objects.values_list("pk", "household_no"))
    events = list(RegistryEvent.objects.order_by("id"))
    if as_of is not None:
        events = [e for e in events if e.effective_on <= as_of]
    event_no = {e.pk: n for n, e in enumerate(events, start=1)}
    person_fields = list(engine.PERSON_ITEMS)
    if as_of is None:
        # Plain rows (values()), not model instances: the same attributes without building a model per row.
        person_states = list(Person.objects.order_by("person_no").values(*person_fields, "pk", "person_no"))
        household_states = list(Household.objects.order_by("household_no").values(
            *engine.HOUSEHOLD_ITEMS, "pk", "household_no"))
    else:
        person_states, household_states = [], []
        for pk, no in sorted(person_no.items(), key=lambda kv: kv[1]):
            state = engine.fold("person", pk, as_of)
            if state is not None:
                person_states.append({**state, "pk": pk, "person_no": no})
        for pk, no in sorted(household_no.items(), key=lambda kv: kv[1]):
            state = engine.fold("household", pk, as_of)
            if state is not None:
                household_states.append({**state, "pk": pk, "household_no": no})
    data: dict[str, list[dict[str, Any]]] = {}
    persons = [s for s in person_states if s["status"] == Status.RESIDENT]
    removed = [s for s in person_states if s["status"] == Status.REMOVED]
    data["persons"] = _person_rows(persons, code)
    data["removed"] = _person_rows(removed, code)
    data["households"] = [
        {**h, "head_person_no": person_no.get(h["head_id"]) if h["head_id"] else None} for h in household_states
    ]
    data["memberships"] = [
        {"person_no": s["person_no"], "household_no": household_no[s["household_id"]],
         "relationship": s["relationship"], "household_order": s["household_order"]}
        for s in person_states if s["household_id"]
    ]
    data["events"] = [
        {"event_no": event_no[e.pk], "kind": e.kind, "effective_on": e.effective_on, "notified_on": e.notified_on,
         "processed_at": e.processed_at, "clerk": e.clerk, "role": e.role, "channel": e.channel, "reason": e.reason,
         "corrects": event_no.get(e.corrects_id) if e.corrects_id else None,
         "cancels": event_no.get(e.cancels_id) if e.cancels_id else None,
         "changes": _convert_changes(e.changes, person_no, household_no, code)}
        for e in events
    ]
    data["restrictions"] = [
        {"restriction_no": n, "person_no": person_no.get(r.person_id) if r.person_id else None,
         "household_no": household_no.get(r.household_id) if r.household_id else None, "action": r.action,
         "mode": r.mode, "starts_on": r.starts_on, "ends_on": r.ends_on, "reason": r.reason, "set_by": r.set_by,
         "removed": r.removed, "removed_by": r.removed_by}
        for n, r in enumerate(Restriction.objects.order_by("id"), start=1)
    ]
    if include_sensitive:
        data["support_measures"] = [
            {"measure_no": n, "applicant_person_no": person_no[m.applicant_id],
             "accompanying": ";".join(str(x) for x in m.accompanying) or None, "status": m.status,
             "starts_on": m.starts_on, "ends_on": m.ends_on, "extensions": m.extensions,
             "offender_person_no": person_no.get(m.offender_person_id) if m.offender_person_id else None,
             "offender_name": m.offender_name, "offender_kana": m.offender_kana,
             "offender_birth_date": m.offender_birth_date, "offender_address": m.offender_address,
             "offender_other_names": m.offender_other_names,
             "addresses": m.addresses, "note": m.note, "set_by": m.set_by}
            for n, m in enumerate(SupportMeasure.objects.order_by("id"), start=1)
        ]
    return data
