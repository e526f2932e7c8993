"""支援措置 across the members of the group: the protection follows the person.

- It travels with the move message (the 転出証明書情報 carries the person's measures); the receiving member
  records them as 仮支援措置 at once — protecting from the first moment — and its clerk confirms them.
- A move between members leaves a `MoveLink` on both sides (the 転入 and the 転入通知).
- A new 支援措置 anywhere is notified to every member holding a record of the person: along the move links
  (and theirs, transitively) and by the 個人番号 (each member's own keyed hash). So the old member's 除票 and
  its `moved_to` are protected too.

The sender never learns which other members hold the person: the lookup runs in the recipient's scope and
only the recipient's audit chain records what was found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lgcloud.areas.registry import crypto, offender
from lgcloud.areas.registry.models import MoveLink, Person, SupportMeasure, SupportStatus
from lgcloud.platform.audit import services as audit
from lgcloud.platform.tenancy.context import current_actor, municipality_scope, require_municipality
from lgcloud.platform.tenancy.models import Municipality


def _measures_of(person: Person) -> list[SupportMeasure]:
    return [m for m in SupportMeasure.objects.exclude(status=SupportStatus.ENDED)
            if m.applicant_id == person.pk or person.person_no in set(m.accompanying)]


def measure_payload(measure: SupportMeasure) -> dict[str, Any]:
    """What another member needs to protect the person: the offender however known here, and the period."""
    names, _tokens, birth = offender.offender_identity(measure)
    other = [measure.offender_other_names, *sorted(names)]
    return {"origin_code": measure.origin_code or require_municipality().code,
            "origin_measure_id": measure.origin_measure_id or measure.pk,
            "starts_on": measure.starts_on.isoformat(), "ends_on": measure.ends_on.isoformat(),
            "offender_name": measure.offender_name, "offender_kana": measure.offender_kana,
            "offender_birth_date": birth.isoformat() if birth else None,
            "offender_other_names": "\n".join(n for n in other if n)}


def payload_for(person: Person) -> list[dict[str, Any]]:
    """The measures protecting the person, as the move message carries them."""
    return [measure_payload(m) for m in _measures_of(person)]


def receive(person: Person, payloads: Iterable[Mapping[str, Any]], sender: Municipality) -> list[SupportMeasure]:
    """In the recipient's scope: each measure not yet held for this person is recorded as 仮支援措置."""
    import datetime as dt

    created = []
    held = {(m.origin_code, m.origin_measure_id) for m in _measures_of(person)}
    held |= {(require_municipality().code, m.pk) for m in _measures_of(person)}
    for p in payloads:
        key = (p["origin_code"], p["origin_measure_id"])
        if key in held:
            continue
        birth = p.get("offender_birth_date")
        m = SupportMeasure.objects.create(
            applicant=person, accompanying=[], status=SupportStatus.PROVISIONAL,
            starts_on=dt.date.fromisoformat(p["starts_on"]), ends_on=dt.date.fromisoformat(p["ends_on"]),
            offender_name=p.get("offender_name", "")[:200], offender_kana=p.get("offender_kana", "")[:200],
            offender_birth_date=dt.date.fromisoformat(birth) if birth else None,
            offender_other_names=p.get("offender_other_names", ""), origin_code=key[0], origin_measure_id=key[1],
            note=f"{sender}からの通知（確認してください）", set_by=current_actor().username)
        audit.record("registry.support_measure_received", obj=m,
                     detail={"from": sender.code, "origin": list(key), "person_no": person.person_no})
        held.add(key)
        created.append(m)
    return created


def link(person: Person, other: Municipality, other_person_no: int, direction: str) -> None:
    MoveLink.objects.get_or_create(person=person, other=other, other_person_no=other_person_no,
                                   defaults={"direction": direction})


def _members(me: Municipality) -> list[Municipality]:
    membership = me.current_membership()
    if membership is None:
        return []
    return list(membership.group.members_on().exclude(pk=me.pk))


def notify(measure: SupportMeasure) -> None:
    """Tell every member holding a record of a protected person (along move links and by 個人番号)."""
    me = require_municipality()
    payload = measure_payload(measure)
    protected = list(Person.objects.filter(pk__in=measure.protected_person_ids()))
    seen: set[tuple[str, int]] = {(me.code, p.person_no) for p in protected}
    members = _members(me)
    for person in protected:
        _spread(person, me, payload, seen, members)
    audit.record("registry.support_measure_notified", obj=measure, detail={"members": len(members)})


def _spread(person: Person, here: Municipality, payload: Mapping[str, Any], seen: set[tuple[str, int]],
            members: list[Municipality]) -> None:
    """From `person` in `here` (whose scope is active) to the records of the same person in other members."""
    targets: list[tuple[Municipality, int | None, str | None]] = [
        (link.other, link.other_person_no, None) for link in MoveLink.objects.filter(person=person).select_related("other")]
    if person.individual_number_enc:
        plain = crypto.decrypt(here.code, person.individual_number_enc)
        targets += [(m, None, crypto.search_hash(m.code, plain)) for m in members if m.pk != here.pk]
    for member, number, digest in targets:
        if member.current_membership() is None:
            continue
        with municipality_scope(member, current_actor()):
            found = Person.objects.filter(person_no=number) if number is not None else Person.objects.filter(
                individual_number_hash=digest)
            for other in found:
                if (member.code, other.person_no) in seen:
                    continue
                seen.add((member.code, other.person_no))
                receive(other, [payload], here)
                _spread(other, member, payload, seen, members)
