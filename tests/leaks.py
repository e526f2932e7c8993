"""Seeders for the isolation test: each puts personal data into a municipality and
returns the marker strings that must never appear in another municipality's
responses, plus ids to put into URL parameters. A business area adds its own
seeder here (residents, certificates …) and every route is probed against it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit import services as audit
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality
from tests.testapp.models import Note


@dataclass
class Seeded:
    markers: set[str] = field(default_factory=set)
    int_ids: set[int] = field(default_factory=set)
    str_ids: set[str] = field(default_factory=set)

    def merge(self, other: Seeded) -> None:
        self.markers |= other.markers
        self.int_ids |= other.int_ids
        self.str_ids |= other.str_ids


def _marker(kind: str) -> str:
    return f"LEAK-{kind}-{uuid.uuid4().hex[:12]}"


def seed_notes(m: Municipality) -> Seeded:
    s = Seeded()
    with municipality_scope(m, Actor("seed", Role.COUNTER_CLERK, "system")):
        for _ in range(2):
            subject, body = _marker("note-subject"), _marker("note-body")
            note = Note.objects.create(subject=subject, body=body)
            s.markers |= {subject, body}
            s.int_ids.add(note.pk)
    return s


def seed_staff_and_audit(m: Municipality) -> Seeded:
    s = Seeded()
    name = _marker("staff-name")
    staff = Staff.objects.create(username=f"{m.code}-leakprobe", role=Role.COUNTER_CLERK, municipality=m,
                                 display_name=name)
    s.markers.add(name)
    s.int_ids.add(staff.pk)
    s.str_ids.add(staff.username)
    secret = _marker("audit-detail")
    with municipality_scope(m, Actor("seed", Role.COUNTER_CLERK, "system")):
        rec = audit.record("seed.read", object_type="Note", object_id=1, purpose=secret, detail={"x": secret})
    s.markers.add(secret)
    s.int_ids.add(rec.pk)
    s.str_ids.add(m.code)
    return s


def seed_residents(m: Municipality) -> Seeded:
    """A household of B with a 支援措置, a search in B's history and a move message into B's inbox."""
    import datetime as dt

    from lgcloud.areas.registry import restrictions, search
    from lgcloud.areas.registry.models import TransferKind, TransferMessage

    s = Seeded()
    family, given, kana = _marker("family"), _marker("given"), "リークケンサ"
    address, extra = _marker("address"), _marker("extra")
    with municipality_scope(m, Actor("seed", Role.COUNTER_CLERK, "system")):
        r = move_in(
            persons=[{"family_name": family, "given_name": given, "family_name_kana": kana, "given_name_kana": "ミナ",
                      "birth_date": "1980-02-02", "sex": "female", "relationship": "世帯主",
                      "individual_number": "123456789018", "registered_domicile": _marker("domicile")},
                     {"family_name": family, "given_name": _marker("child"), "birth_date": "2015-05-05", "sex": "male",
                      "relationship": "子"}],
            address={"address": address, "address_extra": extra}, effective_on="2020-04-01",
            notified_on="2020-04-01", previous_address=_marker("previous"))
        restrictions.register_support_measure(applicant_person_no=r.persons[0].person_no,
                                               starts_on=dt.date(2024, 4, 1), offender_name=_marker("offender"))
        search.search(search.SearchQuery(name=family))
        TransferMessage.objects.create(kind=TransferKind.MOVE_IN_NOTICE, sender=m,
                                       payload={"secret": _marker("message")})
        for p in r.persons:
            s.markers |= {p.family_name, p.given_name, p.registered_domicile, p.previous_address}
            s.int_ids |= {p.pk, p.person_no}
            s.str_ids.add(str(p.person_no))
        s.markers |= {address, extra}
        s.int_ids |= {h.household_no for h in r.households} | {h.pk for h in r.households} | {r.event.pk}
        s.markers |= {v for msg in TransferMessage.objects.all() for v in msg.payload.values() if isinstance(v, str)}
        s.markers |= set(restrictions.SupportMeasure.objects.values_list("offender_name", flat=True))
    s.markers.discard("")
    return s


def seed_worklists(m: Municipality) -> Seeded:
    """Items of B's 処理待ち一覧 (one for every capability a municipal role may hold, so each role's probe sees one)."""
    from lgcloud.platform import worklists
    from lgcloud.platform.accounts.roles import Cap

    s = Seeded()
    with municipality_scope(m, Actor("seed", Role.COUNTER_CLERK, "system")):
        for cap in (Cap.REGISTRY_CHANGE, Cap.REGISTRY_VIEW, Cap.TAXATION, Cap.INSURANCE, Cap.PERSONAL_DATA):
            title, reason, secret = _marker("wl-title"), _marker("wl-reason"), _marker("wl-payload")
            item = worklists.raise_item("testapp.leak", subject_ref=_marker("wl-subject"), title=title, reason=reason,
                                        proposed_action=_marker("wl-action"), payload={"secret": secret},
                                        capability=cap, dedupe_key=_marker("wl-key"))
            s.markers |= {title, reason, secret, item.subject_ref, item.proposed_action}
            s.int_ids.add(item.pk)
    return s


def seed_taxation(m: Municipality) -> Seeded:
    """A taxpayer of B with income records, an unmatched record on the queue, a 家屋敷 taxpayer, an assessment
    of FY2026 and a 更正 (two versions)."""
    import datetime as dt

    from lgcloud.areas.registry import public
    from lgcloud.areas.taxation import assessment, incomes
    from lgcloud.areas.taxation.models import IncomeRecord, ResidenceOnlyTaxpayer
    from lgcloud.platform import levies

    s = Seeded()
    with municipality_scope(m, Actor("seed", Role.TAX, "system")):
        person = next(iter(public.residents_as_of(dt.date(2026, 1, 1))))
        payer, unmatched, villa = _marker("tax-payer"), _marker("tax-unmatched"), _marker("tax-villa")
        record = IncomeRecord.objects.create(fiscal_year=2026, kind="salary_report", person_no=person.person_no,
                                             matched_by="individual_number", payer_name=payer, payer_no="E9",
                                             full_name=person.full_name, birth_date=person.birth_date,
                                             salary_revenue=7_123_456, social_insurance_paid=900_000)
        incomes.enter_income(2026, {"kind": "tax_return", "full_name": unmatched, "birth_date": dt.date(1950, 1, 1),
                                    "other_income": 2_000_000})
        ResidenceOnlyTaxpayer.objects.create(fiscal_year=2026, full_name=villa, address=_marker("tax-villa-address"),
                                             property_address=_marker("tax-villa-property"))
        previous = levies.register_receiver(levies.CollectingReceiver())
        try:
            assessment.assess_all(2026)
            assessment.correct_income(record.pk, {"salary_revenue": 7_234_567}, _marker("tax-reason"))
        finally:
            levies.register_receiver(previous)
        s.markers |= {payer, unmatched, villa, "7,123,456", "7,234,567"}
        s.markers |= set(ResidenceOnlyTaxpayer.objects.values_list("address", flat=True))
        s.int_ids |= {2026, person.person_no} | set(IncomeRecord.objects.values_list("pk", flat=True))
        s.str_ids.add("2026")
    return s


SEEDERS: list[Callable[[Municipality], Seeded]] = [seed_notes, seed_staff_and_audit, seed_residents, seed_worklists,
                                                   seed_taxation]


def seed_all(m: Municipality) -> Seeded:
    total = Seeded()
    for seeder in SEEDERS:
        total.merge(seeder(m))
    return total
