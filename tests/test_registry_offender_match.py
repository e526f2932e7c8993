"""支援措置: the protected-from person is recognised however they present themselves (issue 15, item 1).

A full match (name or フリガナ in any width or script and the birth date, or their own 宛名番号) refuses; a
partial match refuses until a second clerk with the lift permission decides. Every refusal and decision is
audited."""

from __future__ import annotations

import datetime as dt

import pytest

from lgcloud.areas.registry import offender, restrictions
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.models import OffenderReview
from lgcloud.areas.registry.restrictions import Requester, RestrictionAlert, RestrictionRefused
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import PermissionDenied, ValidationFailed
from lgcloud.platform.tenancy.context import Actor, municipality_scope

BIRTH = dt.date(1975, 5, 5)


def _move_in(family: str, given: str, kana: tuple[str, str], birth: str, address: str, **extra):
    return move_in(
        persons=[{"family_name": family, "given_name": given, "family_name_kana": kana[0], "given_name_kana": kana[1],
                  "birth_date": birth, "sex": "male", "relationship": "世帯主", **extra}],
        address={"address": address}, effective_on="2024-04-01", notified_on="2024-04-02",
        previous_address="東京都").persons[0]


@pytest.fixture
def world(in_a):
    victim = _move_in("鈴木", "花子", ("スズキ", "ハナコ"), "1980-02-02", "埼玉県北足立郡伊奈町羽貫200")
    abuser = _move_in("鈴木", "一郎", ("スズキ", "イチロウ"), BIRTH.isoformat(), "埼玉県北足立郡伊奈町小室1",
                      former_family_name="田中", former_family_name_kana="タナカ")
    measure = restrictions.register_support_measure(applicant_person_no=victim.person_no,
                                                    starts_on=dt.date(2026, 1, 1), offender_person_no=abuser.person_no)
    return victim, abuser, measure


def _refused(victim, who: Requester, action: str = "issue") -> str:
    with pytest.raises(RestrictionRefused) as e:
        restrictions.check(action, [victim], requester=who, acknowledge_alerts=True)
    return e.value.message


@pytest.mark.parametrize("name, kana", [
    ("すずき いちろう", ""), ("スズキ イチロウ", ""), ("ｽｽﾞｷ ｲﾁﾛｳ", ""), ("鈴木　一郎", ""), ("鈴木一郎", ""),
    ("", "すずき　いちろう"), ("田中 一郎", ""), ("たなか いちろう", ""),
])
def test_registered_by_number_recognised_by_name_in_every_form_with_birth_date(world, name, kana):
    victim, _abuser, _m = world
    assert "加害者とされる者からの" in _refused(victim, Requester(name=name, kana=kana, birth_date=BIRTH))
    assert AuditRecord.objects.filter(action="registry.refused.issue").count() == 1


def test_the_offenders_own_record_refuses(world):
    victim, abuser, _m = world
    assert "加害者" in _refused(victim, Requester(person_id=abuser.pk, name="別人"), "inquiry")


def test_measure_by_name_only_matches_other_names_and_kana(in_a):
    victim = _move_in("佐藤", "美咲", ("サトウ", "ミサキ"), "1990-03-03", "羽貫200")
    restrictions.register_support_measure(applicant_person_no=victim.person_no, starts_on=dt.date(2026, 1, 1),
                                          offender_name="佐藤 健太", offender_kana="サトウ ケンタ",
                                          offender_other_names="山本 健太\nヤマモト ケンタ",
                                          offender_birth_date=dt.date(1988, 1, 1))
    for name in ("さとう けんた", "ヤマモト　ケンタ", "山本健太"):
        assert "加害者とされる者からの" in _refused(victim, Requester(name=name, birth_date=dt.date(1988, 1, 1)))


@pytest.mark.parametrize("who, why", [
    (Requester(name="鈴木 一郎"), "生年月日を確認できません"),
    (Requester(name="すずき いちろう", birth_date=dt.date(1975, 6, 5)), "生年月日が異なります"),
    (Requester(name="鈴木 一朗", birth_date=BIRTH), "生年月日と氏名の一部"),
    (Requester(name="スズキ タロウ", birth_date=BIRTH), "生年月日と氏名の一部"),
])
def test_partial_match_refuses_until_a_second_clerk_decides(world, muni_a, who, why):
    victim, _abuser, _measure = world
    clerk = Actor("clerk1", "counter_clerk", "web")
    with municipality_scope(muni_a, clerk):
        message = _refused(victim, who)
        assert why in message and "別の職員" in message
        _refused(victim, who)  # asking again does not help, and opens no second review
        review = OffenderReview.objects.get()
        assert review.status == "pending" and review.requested_by == "clerk1"
        with pytest.raises(PermissionDenied):  # a counter clerk has no lift permission
            offender.decide(review.pk, offender=False, note="運転免許証で別人と確認")
    with municipality_scope(muni_a, Actor("clerk1", "municipal_admin", "web")), pytest.raises(ValidationFailed):
        offender.decide(review.pk, offender=False, note="自分で判断")  # not the clerk who took the request
    with municipality_scope(muni_a, Actor("boss", "municipal_admin", "web")):
        assert [r.pk for r in offender.pending_reviews()] == [review.pk]
        with pytest.raises(ValidationFailed):
            offender.decide(review.pk, offender=False, note="")
        offender.decide(review.pk, offender=False, note="運転免許証で別人と確認")
    with municipality_scope(muni_a, clerk):
        alerts = restrictions.check("issue", [victim], requester=who, acknowledge_alerts=True)
        assert any("加害者ではないと判断" in a for a in alerts)
        with pytest.raises(RestrictionAlert):  # still a 支援措置: the clerk acknowledges it
            restrictions.check("issue", [victim], requester=who)
        _refused(victim, Requester(name="鈴木 一郎", kana="x"))  # another request is not cleared by it
    actions = list(AuditRecord.objects.values_list("action", flat=True))
    assert actions.count("registry.refused.issue") == 3
    assert "registry.offender_review_cleared" in actions and "registry.offender_reviews_viewed" in actions


def test_decided_offender_stays_refused(world, muni_a):
    victim, _abuser, _m = world
    who = Requester(name="鈴木 一郎")
    with municipality_scope(muni_a, Actor("clerk1", "counter_clerk", "web")):
        _refused(victim, who)
    with municipality_scope(muni_a, Actor("boss", "municipal_admin", "web")):
        offender.decide(OffenderReview.objects.get().pk, offender=True, note="本人が加害者であると認めた")
    with municipality_scope(muni_a, Actor("clerk1", "counter_clerk", "web")):
        assert "判断された" in _refused(victim, who)
    assert AuditRecord.objects.filter(action="registry.offender_review_refused").count() == 1


def test_someone_else_is_not_held_up(world):
    victim, _abuser, _m = world
    for who in (Requester(name="山田 太郎", birth_date=BIRTH), Requester(name="鈴木 花子", birth_date=dt.date(1980, 2, 2)),
                Requester(name="すずき はなこ")):
        alerts = restrictions.check("issue", [victim], requester=who, acknowledge_alerts=True)
        assert alerts and not any("加害者" in a for a in alerts)
    assert not OffenderReview.objects.exists()


def test_match_is_a_pure_verdict(world):
    _victim, _abuser, measure = world
    assert offender.match(measure, Requester(name="ｽｽﾞｷｲﾁﾛｳ", birth_date=BIRTH)).match is offender.Match.FULL
    assert offender.match(measure, Requester(name="鈴木 一郎")).match is offender.Match.PARTIAL
    assert offender.match(measure, Requester(name="高橋 一郎", birth_date=dt.date(1975, 5, 6))).match is offender.Match.NONE


def test_bad_input_is_refused_before_any_alert(world):
    """Item 7: a death dated after today is refused as such, not after the clerk acknowledged the 支援措置 alert."""
    from lgcloud.areas.registry.actions.removal import death
    from lgcloud.areas.registry.models import Person, RegistryEvent

    victim, _abuser, _m = world
    events = RegistryEvent.objects.count()
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed):
        death(person_no=victim.person_no, death_date=tomorrow, notified_on=dt.date.today().isoformat())
    with pytest.raises(RestrictionAlert):  # valid input: the alert comes, and nothing was written by the dry run
        death(person_no=victim.person_no, death_date=dt.date.today().isoformat(),
              notified_on=dt.date.today().isoformat())
    assert RegistryEvent.objects.count() == events and Person.objects.get(pk=victim.pk).status == "resident"


def test_a_second_clerk_decides_through_the_api_and_the_screen(world, staff_of):
    """The partial match waits for a decision on /registry/offender-reviews/ and in the API."""
    from tests.conftest import api_client, logged_in

    victim, _abuser, _m = world
    clerk, admin = api_client(staff_of["counter_clerk"]), api_client(staff_of["municipal_admin"])
    url = f"/api/v1/registry/persons/{victim.person_no}"
    who = {"requester_name": "すずき いちろう", "acknowledge_alerts": "true", "purpose": "照会"}
    r = clerk.get(url, who)
    assert r.status_code == 403 and "別の職員" in r.json()["detail"] and "羽貫" not in r.content.decode()
    assert clerk.get("/api/v1/registry/offender-reviews").status_code == 403  # no lift permission
    screen = logged_in(staff_of["municipal_admin"]).get("/registry/offender-reviews/")
    assert screen.status_code == 200 and "すずき いちろう" in screen.content.decode()
    home = logged_in(staff_of["municipal_admin"]).get("/registry/").content.decode()
    assert "判断待ち 1件" in home
    [review] = admin.get("/api/v1/registry/offender-reviews").json()
    r = admin.post(f"/api/v1/registry/offender-reviews/{review['id']}/decide",
                   {"offender": False, "note": "運転免許証で別人と確認"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "cleared"
    r = clerk.get(url, who)
    assert r.status_code == 200 and "羽貫" in r.json()["items"]["address"]


def test_another_area_checks_its_requester_through_the_published_interface(world):
    """registry.public.check_request: the same offender matching for an area's own documents (課税証明書 …)."""
    from lgcloud.areas.registry import public

    victim, _abuser, _m = world
    with pytest.raises(RestrictionRefused):
        public.check_request([victim.person_no], requester_name="すずき いちろう", requester_birth_date=BIRTH,
                             acknowledge_alerts=True)
    with pytest.raises(RestrictionAlert):
        public.check_request([victim.person_no], requester_name="山田 太郎")
    assert public.check_request([victim.person_no], requester_name="山田 太郎", acknowledge_alerts=True)
