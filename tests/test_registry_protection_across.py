"""支援措置 across members (issue 15, item 2) and refusals that survive a rollback (item 5).

The protection follows the person: it travels with the 転出証明書情報 (the receiving member confirms it), a
new measure anywhere reaches every member holding a record of the person (along the moves, by 個人番号), the
old member's 除票 and its 転出先 are protected, a certificate is not handed out again once a measure is in
force, and a pending prepared 異動 shows no protected address to a reader without the lift permission."""

from __future__ import annotations

import datetime as dt

import pytest

from lgcloud.areas.registry import approvals, certificates, reading, restrictions, transfer
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import move_out
from lgcloud.areas.registry.models import (
    Certificate,
    MoveLink,
    Person,
    PreparedRequest,
    SupportMeasure,
    TransferKind,
    TransferMessage,
)
from lgcloud.areas.registry.restrictions import Requester, RestrictionAlert, RestrictionRefused
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.tenancy.context import Actor, municipality_scope

OFFENDER = {"name": "すずき いちろう", "birth_date": "1975-05-05", "relationship": "third_party"}
NEW_ADDRESS = "埼玉県入間郡越生町黒山5555番地"


def _resident(number: str = "123456789018"):
    return move_in(persons=[{"family_name": "鈴木", "given_name": "花子", "family_name_kana": "スズキ",
                             "given_name_kana": "ハナコ", "birth_date": "1980-02-02", "sex": "female",
                             "relationship": "世帯主", "individual_number": number}],
                   address={"address": "埼玉県北足立郡伊奈町羽貫200"}, effective_on="2020-04-01",
                   notified_on="2020-04-01", previous_address="東京都").persons[0]


def _measure(person_no: int) -> SupportMeasure:
    return restrictions.register_support_measure(applicant_person_no=person_no, starts_on=dt.date.today(),
                                                 offender_name="鈴木 一郎", offender_kana="スズキ イチロウ",
                                                 offender_birth_date=dt.date(1975, 5, 5))


def _move(muni_a, muni_b, as_municipality, *, measure_in_a: bool = False, process_notice: bool = True):
    with as_municipality(muni_a):
        hanako = _resident()
        if measure_in_a:
            _measure(hanako.person_no)
        move_out(person_nos=[hanako.person_no], destination=NEW_ADDRESS, destination_code=muni_b.code,
                 effective_on="2024-04-10", notified_on="2024-04-01", acknowledge_alerts=True)
    with as_municipality(muni_b):
        [msg] = transfer.pending(TransferKind.MOVE_OUT_CERTIFICATE)
        b_hanako = transfer.move_in_from_certificate(message_id=msg.pk, address={"address": NEW_ADDRESS},
                                                     effective_on="2024-04-12", notified_on="2024-04-15").persons[0]
    if process_notice:
        with as_municipality(muni_a):
            transfer.process_move_in_notices(acknowledge_alerts=True)
    return hanako, b_hanako


def _offender_refused(person_no: int, kind: str) -> None:
    with pytest.raises(RestrictionRefused):
        certificates.issue_certificate(kind=kind, person_nos=[person_no], layout="single", requester=OFFENDER,
                                       purpose="確認", acknowledge_alerts=True)


def test_a_measure_travels_with_the_move_and_the_receiver_confirms_it(muni_a, muni_b, as_municipality):
    _a, b_hanako = _move(muni_a, muni_b, as_municipality, measure_in_a=True)
    with as_municipality(muni_b):
        [m] = SupportMeasure.objects.all()
        assert m.applicant_id == b_hanako.pk and m.status == "provisional" and m.origin_code == muni_a.code
        _offender_refused(b_hanako.person_no, "residence_certificate")
        assert Certificate.objects.count() == 0
        assert restrictions.confirm_support_measure(m.pk).status == "active"
        assert MoveLink.objects.get().other == muni_a
        assert AuditRecord.objects.filter(chain=muni_b.code, action="registry.support_measure_received").exists()


def test_a_measure_set_after_the_move_protects_the_old_members_removed_record(muni_a, muni_b, as_municipality):
    a_hanako, b_hanako = _move(muni_a, muni_b, as_municipality)
    with as_municipality(muni_b):
        _measure(b_hanako.person_no)
    with as_municipality(muni_a):
        a_hanako.refresh_from_db()
        assert "黒山5555" in a_hanako.moved_to  # the 除票 carries the new address …
        assert SupportMeasure.objects.get().applicant_id == a_hanako.pk  # … and is protected
        _offender_refused(a_hanako.person_no, "removed_entry_certificate")
        with pytest.raises(RestrictionAlert):  # an inquiry into the 除票 raises the alert first
            reading.open_person(a_hanako.person_no)


def test_a_measure_set_before_the_notice_is_processed_protects_the_destination(muni_a, muni_b, as_municipality):
    a_hanako, b_hanako = _move(muni_a, muni_b, as_municipality, process_notice=False)
    with as_municipality(muni_b):
        _measure(b_hanako.person_no)
    with as_municipality(muni_a):
        with pytest.raises(RestrictionAlert, match="仮支援措置"):  # the new measure is there before the 転出確定
            transfer.process_move_in_notices()
        transfer.process_move_in_notices(acknowledge_alerts=True)
        a_hanako.refresh_from_db()
        assert "黒山5555" in a_hanako.moved_to and SupportMeasure.objects.filter(applicant=a_hanako).count() == 1
        _offender_refused(a_hanako.person_no, "removed_entry_certificate")


def test_a_measure_reaches_a_member_holding_the_person_by_individual_number(muni_a, muni_b, as_municipality):
    with as_municipality(muni_b):
        other = _resident("123456789018")  # no move between them: found by the 個人番号
        unrelated = move_in(persons=[{"family_name": "他人", "birth_date": "1990-01-01", "sex": "male",
                                      "relationship": "世帯主", "individual_number": "234567890121"}],
                            address={"address": "越生町1"}, effective_on="2020-04-01", notified_on="2020-04-01",
                            previous_address="東京都").persons[0]
    with as_municipality(muni_a):
        _measure(_resident("123456789018").person_no)
        assert AuditRecord.objects.filter(chain=muni_a.code, action="registry.support_measure_notified").exists()
    with as_municipality(muni_b):
        assert [m.applicant_id for m in SupportMeasure.objects.all()] == [other.pk]
        assert unrelated.pk != other.pk


def test_a_certificate_issued_before_the_measure_is_not_handed_out_again(muni_a, as_municipality):
    with as_municipality(muni_a):
        hanako = _resident()
        certificate, _pdf = certificates.issue_certificate(
            kind="residence_certificate", person_nos=[hanako.person_no], layout="single",
            requester={"name": "鈴木 花子", "relationship": "self", "person_no": hanako.person_no}, purpose="確認")
        certificates.certificate_pdf(certificate.issue_no, purpose="再出力")
        _measure(hanako.person_no)
        with pytest.raises(RestrictionRefused, match="再出力できません"):
            certificates.certificate_pdf(certificate.issue_no, purpose="再出力")
        assert AuditRecord.objects.filter(action="registry.refused.issue").count() == 1


def test_a_pending_request_shows_no_protected_address_without_the_lift_permission(muni_a):
    contractor = Actor("contractor", "counter_contractor", "web")
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        hanako = _resident()
        _measure(hanako.person_no)
    with municipality_scope(muni_a, contractor):
        approvals.prepare("move_within", {"household_no": hanako.household.household_no,
                                          "address": {"address": "伊奈町小室9999"}, "effective_on": "2026-01-01",
                                          "notified_on": "2026-01-01"})
    for role, shown in (("counter_clerk", False), ("counter_contractor", False), ("municipal_admin", True)):
        with municipality_scope(muni_a, Actor(role, role, "web")):
            [req] = approvals.pending_shown()
            assert req.protected and ("小室9999" in str(req.payload)) is shown
    assert AuditRecord.objects.filter(action="registry.approvals_viewed").count() == 3


# --- item 5: a refusal's record survives the rollback of the caller's transaction -----------------------


def test_refusal_at_approval_is_recorded_although_the_approval_rolls_back(muni_a):
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        hanako = _resident()
        _measure(hanako.person_no)
    with municipality_scope(muni_a, Actor("contractor", "counter_contractor", "web")):
        req = approvals.prepare("issue_certificate", {
            "kind": "residence_certificate", "person_nos": [hanako.person_no], "layout": "single",
            "requester": OFFENDER, "purpose": "確認"})
    with municipality_scope(muni_a, Actor("clerk", "counter_clerk", "web")):
        with pytest.raises(RestrictionRefused):
            approvals.approve(req.pk, acknowledge_alerts=True)
        assert PreparedRequest.objects.get().status == "pending" and Certificate.objects.count() == 0
        refused = AuditRecord.objects.get(action="registry.refused.issue")
        assert refused.actor == "clerk" and str(hanako.person_no) in refused.object_id


def test_refusal_while_processing_notices_is_recorded_although_the_batch_rolls_back(muni_a, muni_b,
                                                                                    as_municipality):
    a_hanako, _b = _move(muni_a, muni_b, as_municipality, process_notice=False)
    with as_municipality(muni_a):
        restrictions.set_restriction(action="change", mode="refuse", starts_on=dt.date(2024, 1, 1), reason="調査中",
                                     person_no=a_hanako.person_no)
        with pytest.raises(RestrictionRefused):
            transfer.process_move_in_notices()
        assert TransferMessage.objects.get(kind=TransferKind.MOVE_IN_NOTICE).status == "pending"
        assert AuditRecord.objects.filter(action="registry.refused.change").count() == 1
        assert Person.objects.get(pk=a_hanako.pk).move_out_state == "planned"


def test_a_refusal_outside_any_transaction_is_recorded_at_once(muni_a, as_municipality):
    with as_municipality(muni_a):
        hanako = _resident()
        _measure(hanako.person_no)
        with pytest.raises(RestrictionRefused) as e:
            restrictions.check("inquiry", [hanako], requester=Requester(name="鈴木一郎",
                                                                        birth_date=dt.date(1975, 5, 5)))
        assert e.value.recorded and AuditRecord.objects.filter(action="registry.refused.inquiry").count() == 1


def test_the_destination_is_not_prefixed_twice(muni_b):
    """Issue 15, item 8: after 転出確定 the 除票 reads the new address once."""
    assert transfer.destination_text(muni_b, "埼玉県入間郡越生町越生900番地") == "埼玉県入間郡越生町越生900番地"
    assert transfer.destination_text(muni_b, "入間郡越生町越生900番地") == "埼玉県入間郡越生町越生900番地"
    assert transfer.destination_text(muni_b, "越生900番地") == f"{muni_b}越生900番地"


def test_a_warning_on_a_notice_is_acknowledged_in_the_inbox_and_the_api(muni_a, muni_b, as_municipality, staff_of):
    """Issue 15, item 8: a warning-mode 抑止 no longer blocks every 転入通知: the clerk acknowledges it."""
    from tests.conftest import api_client, logged_in

    a_hanako, _b = _move(muni_a, muni_b, as_municipality, process_notice=False)
    with as_municipality(muni_a):
        restrictions.set_restriction(action="change", mode="alert", starts_on=dt.date(2024, 1, 1), reason="要確認",
                                     person_no=a_hanako.person_no)
    api = api_client(staff_of["counter_clerk"])
    r = api.post("/api/v1/registry/inbox/move-in-notices")
    assert r.status_code == 409 and r.json()["alerts"]
    web = logged_in(staff_of["counter_clerk"])
    web.post("/registry/inbox/move-in-notices/")
    page = web.get("/registry/inbox/").content.decode()
    assert "確認済みとして転入通知を処理する" in page and "要確認" in page
    r = web.post("/registry/inbox/move-in-notices/", {"acknowledge_alerts": "1"})
    assert r.status_code == 302
    with as_municipality(muni_a):
        assert Person.objects.get(pk=a_hanako.pk).move_out_state == "confirmed"
    r = api.post("/api/v1/registry/inbox/move-in-notices?acknowledge_alerts=true")
    assert r.status_code == 200 and r.json()["confirmed"] == 0


def test_refusal_when_a_worklist_item_is_accepted_is_recorded_after_the_rollback(muni_a, muni_b, as_municipality,
                                                                                 staff_of):
    """Item 5: the 転入通知 accepted from the 処理待ち一覧 (the worklist's own transaction) is refused by a 抑止:
    the refusal's audit record is written once that transaction has rolled back (the entry point settles it)."""
    from lgcloud.platform.worklists.models import WorkItem
    from tests.conftest import api_client, logged_in

    a_hanako, _b = _move(muni_a, muni_b, as_municipality, process_notice=False)
    with as_municipality(muni_a):
        restrictions.set_restriction(action="change", mode="refuse", starts_on=dt.date(2024, 1, 1), reason="調査中",
                                     person_no=a_hanako.person_no)
        item = WorkItem.objects.get(status="open", payload__message_id__isnull=False)
    r = api_client(staff_of["counter_clerk"]).post(f"/api/v1/worklists/{item.pk}/decide", {"accept": True},
                                                  content_type="application/json")
    assert r.status_code == 403
    logged_in(staff_of["counter_clerk"]).post(f"/worklists/{item.pk}/decide/", {"decision": "accept"})
    with as_municipality(muni_a):
        assert AuditRecord.objects.filter(action="registry.refused.change").count() == 2
        assert Person.objects.get(pk=a_hanako.pk).move_out_state == "planned"
        assert WorkItem.objects.get(pk=item.pk).status == "open"
