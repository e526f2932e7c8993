"""Seeders for the isolation test: each puts personal data into a municipality and
returns the marker strings that must never appear in another municipality's
responses, plus ids to put into URL parameters. A business area adds its own
seeder here (residents, certificates …) and every route is probed against it.
"""

from __future__ import annotations

import datetime as dt
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
        from decimal import Decimal

        from lgcloud.areas.taxation import certificates, property_ledger

        owner = property_ledger.add_owner("corporation", _marker("tax-owner"), address=_marker("tax-owner-address"))
        land = property_ledger.add_land(2026, [(owner, 1, 1)], location=_marker("tax-land"), lot_number="1",
                                        land_category="宅地", area_m2=Decimal(100), value=4_567_891)
        previous = levies.register_receiver(levies.CollectingReceiver())
        try:
            assessment.assess_all(2026)
            assessment.correct_income(record.pk, {"salary_revenue": 7_234_567}, _marker("tax-reason"))
            property_ledger.assess_all(2026)
            certificates.issue(2026, person.person_no, requester_name=_marker("tax-requester"),
                               requester_relationship="本人", purpose=_marker("tax-purpose"), acknowledge_alerts=True)
            from lgcloud.areas.taxation import notices, property_certificates

            notices.property_notice(2026, owner.taxpayer_no)
            property_certificates.issue("valuation", 2026, owner.pk, requester_name=_marker("tax-requester"),
                                        requester_relationship="代理人", purpose=_marker("tax-purpose"))
        finally:
            levies.register_receiver(previous)
        s.markers |= {owner.name, owner.address, land.location}
        s.int_ids |= {owner.pk, land.pk}
        s.markers |= {payer, unmatched, villa, "7,123,456", "7,234,567"}
        s.markers |= set(ResidenceOnlyTaxpayer.objects.values_list("address", flat=True))
        s.int_ids |= {2026, person.person_no} | set(IncomeRecord.objects.values_list("pk", flat=True))
        s.str_ids.add("2026")
    return s


def seed_areas(m: Municipality) -> Seeded:
    """An insured household of B with its 国保税, a 国民年金 第1号 member and a 児童手当 recipient paid in a run."""
    import datetime as dt

    from lgcloud.areas.insurance import assessment
    from lgcloud.areas.insurance import services as insurance
    from lgcloud.areas.pension import services as pension
    from lgcloud.areas.welfare import services as welfare
    from lgcloud.areas.welfare import zengin
    from lgcloud.platform import levies

    s = Seeded()
    family, given, child_name, kana = _marker("nhi-family"), _marker("nhi-given"), _marker("nhi-child"), "リークホケン"
    previous = levies.register_receiver(levies.CollectingReceiver())
    try:
        with municipality_scope(m, Actor("seed", Role.INSURANCE, "system")):
            r = move_in(
                persons=[{"family_name": family, "given_name": given, "family_name_kana": kana,
                          "given_name_kana": "イチ", "birth_date": "1985-05-05", "sex": "male",
                          "relationship": "世帯主"},
                         {"family_name": family, "given_name": child_name, "birth_date": "2021-01-01",
                          "sex": "female", "relationship": "子"}],
                address={"address": _marker("nhi-address")}, effective_on="2024-04-01", notified_on="2024-04-01",
                previous_address=_marker("nhi-previous"))
            head, child = sorted(p.person_no for p in r.persons)
            for no in (head, child):
                insurance.enrol(no, dt.date(2024, 4, 1), "move_in")
                insurance.record_income(no, 2025, aggregate_income=1_234_567 if no == head else 0)
            run = assessment.assess_all(2026)
            pension.acquire(head, dt.date(2024, 4, 1), "move_in_from_abroad")
            claim = welfare.claim(head, dt.date(2024, 10, 1), [welfare.ChildInput(dt.date(2021, 1, 1), child)],
                                  welfare.Account("0005", "456", "7654321", "リーク　ホケン"))
            welfare.add_child(claim.pk, welfare.ChildInput(dt.date(2024, 11, 3)), dt.date(2024, 11, 10),
                              event_on=dt.date(2024, 11, 3))  # an 額改定 (増額) on B's claim
            from lgcloud.areas.pension.rules.exemption import IncomeTest

            pension.apply_exemption(head, 2026, dt.date(2026, 7, 1), [IncomeTest(income=1_234_567)])
            paid = welfare.payment_run(dt.date(2024, 12, 1), dt.date(2024, 12, 13),
                                       zengin.Payer("1", "リーク", "0001", "ミズホ", "123", "ウラワ", "1", "1234567"))
            s.markers |= {family, given, child_name}
            s.int_ids |= {head, child, r.households[0].household_no, run.pk, claim.pk, paid.pk, 2026}
            s.str_ids |= {str(head), str(r.households[0].household_no)}
    finally:
        levies.register_receiver(previous)
    return s


def seed_revenue(m: Municipality) -> Seeded:
    """B's ledger: a bill, a payment, an unmatched payment from a file, a 督促状, a 分納誓約 and a contact."""
    from lgcloud.areas.revenue import collection, imports, payments
    from lgcloud.areas.revenue.models import Bill, Payment, PaymentChannel, ReminderBatch
    from lgcloud.platform import levies

    s = Seeded()
    person = 987_654_321
    with municipality_scope(m, Actor("seed", Role.COUNTER_CLERK, "system")):
        for levy, amount in (("property_tax", 123_457), ("light_vehicle_tax", 10_800)):
            levies.submit_bills(levies.BillSet(levy=levy, fiscal_year=2025, person_no=person, reason="当初賦課",
                                               effective_on=dt.date(2025, 4, 1),
                                               lines=(levies.BillLine(1, dt.date(2025, 4, 30), amount),)))
        bill = Bill.objects.get(person_no=person, levy="property_tax")
        payments.post_payment(payments.Incoming(dt.date(2025, 5, 1), 3_457, PaymentChannel.COUNTER,
                                                reference=bill.payment_ref, dedupe_key=_marker("pay")))
        store = _marker("store")
        filename = _marker("file") + ".csv"
        imports.import_cvs(("区分,収納日,収納時刻,本部コード,店舗コード,取扱番号,納付番号,金額\n"
                            f"確報,20250601,1,{store},1,H1,00000000000000000,4321\n").encode(), filename)
        collection.issue_reminders(dt.date(2025, 5, 20))
        collection.create_plan(person, dt.date(2025, 6, 1), [(dt.date(2025, 6, 30), 130_800)])
        note = _marker("contact")
        collection.record_contact(person, dt.date(2025, 6, 1), "電話催告", note)
        s.markers |= {note, store, filename, bill.payment_ref}
        s.int_ids |= {person, bill.pk, *Payment.objects.values_list("pk", flat=True),
                      *ReminderBatch.objects.values_list("pk", flat=True)}
        s.str_ids.add(str(person))
    return s


def seed_documents(m: Municipality) -> Seeded:
    """A document in B's issuance register. Its code, title and date are public on /verify/ by design; what the
    register holds besides (what it certifies, who issued it) must not reach A."""
    from lgcloud.platform.documents import issue_document, pdf

    s = Seeded()
    subject = _marker("doc-subject")
    with municipality_scope(m, Actor(_marker("doc-issuer"), Role.COUNTER_CLERK, "system")):
        def build(url: str) -> bytes:
            return pdf.render("照合テスト", pdf.paginate([], [pdf.lay_block([pdf.Cell("件名", "x")])]),
                              pdf.Footer("証明する。", dt.date(2026, 4, 1), pdf.mayor_title(m), 0), author="seed")[0]

        document, _data = issue_document("testapp.leak_document", "照合テスト", build, fee=0, subject_ref=subject)
        s.markers |= {subject, document.issuer}
        s.int_ids.add(document.pk)
    return s


SEEDERS: list[Callable[[Municipality], Seeded]] = [seed_notes, seed_staff_and_audit, seed_residents, seed_worklists,
                                                   seed_documents, seed_revenue, seed_areas, seed_taxation]


def seed_all(m: Municipality) -> Seeded:
    total = Seeded()
    for seeder in SEEDERS:
        total.merge(seeder(m))
    return total
