"""The parameter catalogue (国保税), per-municipality overrides, and the deviation report."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.params import services as params
from lgcloud.platform.params.catalogue import catalogue_files, sync_catalogue
from lgcloud.platform.params.models import Override, Parameter, StandardValue, ValueType
from lgcloud.platform.tenancy.context import Actor, TenantRequired, municipality_scope
from lgcloud.platform.tenancy.models import Group, Membership, Municipality
from lgcloud.platform.tenancy.services import ensure_municipality
from tests.conftest import logged_in

LEVY_CAP = "nhi_tax.medical.levy_cap"
PER_CAPITA = "nhi_tax.medical.per_capita"
INCOME_RATE = "nhi_tax.medical.income_rate"
ROUNDING = "nhi_tax.reduction.rounding"
ADMIN = Actor("113018-municipal_admin", "municipal_admin", "web")

pytestmark = pytest.mark.django_db


def _set(m: Municipality, name: str, fy: int, raw: str) -> Override:
    with municipality_scope(m, ADMIN):
        return params.set_override(m, name, fy, raw, reason="条例改正")


# --- catalogue -----------------------------------------------------------------------------------


def test_catalogue_is_synced_with_the_35_nhi_tax_parameters() -> None:
    doc = json.loads(next(p for p in catalogue_files() if p.name == "nhi_tax.json").read_text(encoding="utf-8"))
    names = {e["name"] for e in doc["parameters"]}
    assert len(names) == 35
    assert set(Parameter.objects.filter(name__startswith="nhi_tax.").values_list("name", flat=True)) == names
    levy = Parameter.objects.get(name=LEVY_CAP)
    assert levy.value_type == ValueType.YEN and levy.unit == "円" and levy.area == "国民健康保険"
    assert levy.min_value == 0 and levy.max_value == 2_000_000
    assert "地方税法" in levy.legal_basis
    assert dict(levy.standard_values.values_list("fiscal_year", "value")) == {
        2024: "650000", 2025: "660000", 2026: "670000"
    }


def test_sync_is_idempotent() -> None:
    before = (Parameter.objects.count(), StandardValue.objects.count())
    assert sync_catalogue() >= 21
    assert (Parameter.objects.count(), StandardValue.objects.count()) == before


def test_sync_restores_an_edited_standard() -> None:
    StandardValue.objects.filter(parameter__name=LEVY_CAP, fiscal_year=2026).update(value="1")
    sync_catalogue()
    assert StandardValue.objects.get(parameter__name=LEVY_CAP, fiscal_year=2026).value == "670000"


@pytest.mark.parametrize(("fy", "expected"), [(2024, 650000), (2025, 660000), (2026, 670000), (2027, 670000),
                                              (2040, 670000)])
def test_standard_levy_cap_by_fiscal_year(muni_a: Municipality, fy: int, expected: int) -> None:
    assert params.value(LEVY_CAP, fy, muni_a) == expected


def test_standard_values_of_other_types(muni_a: Municipality) -> None:
    assert params.value(INCOME_RATE, 2026, muni_a) == Decimal("7.30")
    assert params.value(ROUNDING, 2026, muni_a) == "reduce_then_truncate"
    assert params.value("nhi_tax.reduction.rate50_per_person", 2025, muni_a) == 305000
    assert params.value("nhi_tax.child_support.levy_cap", 2026, muni_a) == 30000


def test_no_standard_before_the_first_fiscal_year(muni_a: Municipality) -> None:
    with pytest.raises(NotFound, match="令和5年度の標準値がありません"):
        params.value(LEVY_CAP, 2023, muni_a)
    with pytest.raises(NotFound, match="カタログにありません"):
        params.value("nhi_tax.no_such_thing", 2026, muni_a)


# --- overrides -----------------------------------------------------------------------------------


def test_value_returns_the_override_for_its_municipality_only(muni_a: Municipality, muni_b: Municipality) -> None:
    o = _set(muni_a, LEVY_CAP, 2026, "680000")
    assert o.value == "680000" and o.set_by == ADMIN.username and o.reason == "条例改正"
    assert params.value(LEVY_CAP, 2026, muni_a) == 680000
    assert params.value(LEVY_CAP, 2026, muni_b) == 670000
    assert params.value(LEVY_CAP, 2027, muni_a) == 670000  # an override is for one fiscal year
    with municipality_scope(muni_a, ADMIN):
        assert params.value(LEVY_CAP, 2026) == 680000
    with municipality_scope(muni_b, ADMIN):
        assert params.value(LEVY_CAP, 2026) == 670000
    with pytest.raises(TenantRequired):
        params.value(LEVY_CAP, 2026)



def test_remembered_reads_each_catalogue_once_and_forgets_on_a_change(
        muni_a: Municipality, muni_b: Municipality, django_assert_num_queries: Any) -> None:
    _set(muni_a, LEVY_CAP, 2026, "680000")
    plain = {(m.pk, fy): params.values([LEVY_CAP, PER_CAPITA, INCOME_RATE, "no.such"], fy, m)
             for m in (muni_a, muni_b) for fy in (2025, 2026)}
    with params.remembered():
        # the catalogue with every standard value and muni_a's overrides of every year, once
        with django_assert_num_queries(3):
            assert params.values([LEVY_CAP, PER_CAPITA, INCOME_RATE, "no.such"], 2026, muni_a) == plain[
                (muni_a.pk, 2026)]
            assert params.value(LEVY_CAP, 2026, muni_a) == 680000
            assert params.values([PER_CAPITA], 2026, muni_a) == {PER_CAPITA: plain[(muni_a.pk, 2026)][PER_CAPITA]}
        with django_assert_num_queries(0):  # another year of the same member: composed from what was read
            assert params.values([LEVY_CAP, PER_CAPITA, INCOME_RATE, "no.such"], 2025, muni_a) == plain[
                (muni_a.pk, 2025)]
        with django_assert_num_queries(1):  # another member: its overrides only
            assert params.values([LEVY_CAP, PER_CAPITA, INCOME_RATE], 2026, muni_b) == plain[(muni_b.pk, 2026)]
        for key, expected in plain.items():  # per municipality and fiscal year: the same values as without
            m = muni_a if key[0] == muni_a.pk else muni_b
            assert params.values([LEVY_CAP, PER_CAPITA, INCOME_RATE, "no.such"], key[1], m) == expected
        with pytest.raises(NotFound):
            params.value("no.such", 2026, muni_a)
        _set(muni_a, LEVY_CAP, 2026, "690000")  # an override set within the block is read again
        assert params.value(LEVY_CAP, 2026, muni_a) == 690000
        with municipality_scope(muni_a, ADMIN):
            params.remove_override(muni_a, LEVY_CAP, 2026)
        assert params.value(LEVY_CAP, 2026, muni_a) == 670000
    _set(muni_a, LEVY_CAP, 2026, "700000")  # outside the block: read from the database as before
    assert params.value(LEVY_CAP, 2026, muni_a) == 700000

def test_setting_an_override_again_replaces_it_and_is_audited(muni_a: Municipality) -> None:
    _set(muni_a, LEVY_CAP, 2026, "680000")
    _set(muni_a, LEVY_CAP, 2026, "６９０，０００")  # full-width with a comma
    assert Override.objects.filter(municipality=muni_a).count() == 1
    assert params.value(LEVY_CAP, 2026, muni_a) == 690000
    recs = AuditRecord.objects.filter(chain=muni_a.code, action="params.override_set").order_by("id")
    assert [r.detail["value"] for r in recs] == ["680000", "690000"]
    assert recs[0].actor == ADMIN.username


def test_rate_and_choice_overrides(muni_a: Municipality) -> None:
    _set(muni_a, INCOME_RATE, 2026, "7.55")
    _set(muni_a, ROUNDING, 2026, "truncate_after_reduction")
    assert params.value(INCOME_RATE, 2026, muni_a) == Decimal("7.55")
    assert params.value(ROUNDING, 2026, muni_a) == "truncate_after_reduction"


def test_remove_override_falls_back_to_the_standard(muni_a: Municipality) -> None:
    _set(muni_a, LEVY_CAP, 2026, "680000")
    with municipality_scope(muni_a, ADMIN):
        params.remove_override(muni_a, LEVY_CAP, 2026)
        with pytest.raises(NotFound):
            params.remove_override(muni_a, LEVY_CAP, 2026)
    assert params.value(LEVY_CAP, 2026, muni_a) == 670000
    assert AuditRecord.objects.filter(chain=muni_a.code, action="params.override_removed").count() == 1


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        (LEVY_CAP, "2000001", "0円 以上 2,000,000円 以下"),
        (LEVY_CAP, "-1", "0円 以上 2,000,000円 以下"),
        (LEVY_CAP, "abc", "数値を入力してください"),
        (LEVY_CAP, "", "数値を入力してください"),
        (LEVY_CAP, "Infinity", "数値を入力してください"),
        (LEVY_CAP, "NaN", "数値を入力してください"),
        (LEVY_CAP, "680000.5", "整数で入力してください"),
        (PER_CAPITA, "1e9", "0円 以上 200,000円 以下"),
        (INCOME_RATE, "20.01", "0% 以上 20% 以下"),
        (ROUNDING, "round_half_up", "次のいずれか"),
    ],
)
def test_invalid_values_raise_a_japanese_message_and_write_nothing(
    muni_a: Municipality, name: str, raw: str, expected: str
) -> None:
    label = Parameter.objects.get(name=name).label
    with pytest.raises(ValidationFailed) as exc:
        _set(muni_a, name, 2026, raw)
    assert expected in exc.value.message
    assert exc.value.message.startswith(label)
    assert exc.value.field == "value"
    assert not Override.objects.exists()
    assert not AuditRecord.objects.exists()


def test_invalid_value_does_not_change_an_existing_override(muni_a: Municipality) -> None:
    _set(muni_a, LEVY_CAP, 2026, "680000")
    with pytest.raises(ValidationFailed):
        _set(muni_a, LEVY_CAP, 2026, "9999999")
    assert Override.objects.get().value == "680000"
    assert AuditRecord.objects.filter(action="params.override_set").count() == 1


def test_fiscal_year_out_of_range_is_refused(muni_a: Municipality) -> None:
    with pytest.raises(ValidationFailed, match="年度は西暦4桁"):
        _set(muni_a, LEVY_CAP, 26, "680000")
    assert not Override.objects.exists()


def test_unknown_parameter_is_not_found(muni_a: Municipality) -> None:
    with pytest.raises(NotFound, match=r"「nhi_tax\.unknown」はカタログにありません"):
        _set(muni_a, "nhi_tax.unknown", 2026, "1")


# --- deviation report ----------------------------------------------------------------------------


def test_deviation_report_lists_overrides_beside_the_standard(
    group: Group, muni_a: Municipality, muni_b: Municipality
) -> None:
    _set(muni_a, LEVY_CAP, 2026, "680000")
    _set(muni_a, PER_CAPITA, 2026, "18000")
    _set(muni_b, LEVY_CAP, 2026, "700000")
    _set(muni_b, PER_CAPITA, 2025, "19000")  # another fiscal year: not in the 2026 report

    report = params.deviation_report(group, 2026)
    assert [m.code for m in report.members] == [muni_a.code, muni_b.code]
    rows = {r.parameter.name: r for r in report.rows}
    assert set(rows) == {LEVY_CAP, PER_CAPITA}
    assert rows[LEVY_CAP].standard == "670000"
    assert rows[LEVY_CAP].standard_display == "670,000円"
    assert rows[LEVY_CAP].cells == ["680,000円", "700,000円"]
    assert rows[LEVY_CAP].deviating_members == 2
    assert rows[PER_CAPITA].standard_display == "17,700円"
    assert rows[PER_CAPITA].cells == ["18,000円", None]
    assert report.deviations_per_member == [2, 1]

    full = params.deviation_report(group, 2026, all_parameters=True)
    assert len([r for r in full.rows if r.parameter.name.startswith("nhi_tax.")]) == 35
    with_standard = Parameter.objects.filter(standard_values__fiscal_year__lte=2026).distinct().count()
    assert len(full.rows) == with_standard
    assert full.deviations_per_member == [2, 1]


def test_deviation_report_excludes_non_members(group: Group, muni_a: Municipality, muni_b: Municipality) -> None:
    outsider = ensure_municipality("113263")  # 毛呂山町, not a member
    _set(outsider, LEVY_CAP, 2026, "690000")
    Membership.objects.filter(municipality=muni_b).update(left_on=dt.date(2025, 4, 1))
    _set(muni_b, LEVY_CAP, 2026, "700000")
    report = params.deviation_report(group, 2026)
    assert [m.code for m in report.members] == [muni_a.code]
    assert report.rows == []


def test_deviation_report_of_a_member_who_left_for_another_group(
    group: Group, muni_a: Municipality, muni_b: Municipality
) -> None:
    Membership.objects.filter(municipality=muni_b).update(left_on=dt.date(2020, 4, 1))
    other = Group.objects.create(name="別の協議会", prefecture="埼玉県")
    Membership.objects.create(group=other, municipality=muni_b, joined_on=dt.date(2020, 4, 1))
    _set(muni_b, LEVY_CAP, 2026, "700000")
    report = params.deviation_report(group, 2026)
    assert [m.code for m in report.members] == [muni_a.code]
    assert report.rows == []
    assert [m.code for m in params.deviation_report(other, 2026).members] == [muni_b.code]


# --- web pages -----------------------------------------------------------------------------------


def test_admin_sets_an_override_on_the_web_page(staff_of: dict[str, Any], muni_a: Municipality) -> None:
    client = logged_in(staff_of["municipal_admin"])
    r = client.get("/municipality/parameters/?fy=2026")
    assert r.status_code == 200
    page = r.content.decode()
    assert "令和8年度" in page and "670,000円" in page

    r = client.post("/municipality/parameters/?fy=2026",
                    {"name": LEVY_CAP, "fiscal_year": "2026", "value": "680000", "reason": "条例改正"})
    assert r.status_code == 302
    assert r.url.endswith("?fy=2026")
    assert params.value(LEVY_CAP, 2026, muni_a) == 680000
    o = Override.objects.get()
    assert o.set_by == staff_of["municipal_admin"].username and o.reason == "条例改正"
    rec = AuditRecord.objects.get(action="params.override_set")
    assert rec.chain == muni_a.code and rec.actor == staff_of["municipal_admin"].username and rec.channel == "web"
    assert "680,000円" in client.get("/municipality/parameters/?fy=2026").content.decode()


@pytest.mark.parametrize(("raw", "message"), [
    ("9999999", "0円 以上 2,000,000円 以下で入力してください（入力値: 9999999）"),
    ("六十万", "数値を入力してください"),
    ("", "設定値を入力してください"),
])
def test_admin_web_page_rejects_a_bad_value_with_400(
    staff_of: dict[str, Any], muni_a: Municipality, raw: str, message: str
) -> None:
    client = logged_in(staff_of["municipal_admin"])
    r = client.post("/municipality/parameters/",
                    {"name": LEVY_CAP, "fiscal_year": "2026", "value": raw, "reason": ""})
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not Override.objects.exists()
    assert not AuditRecord.objects.filter(action="params.override_set").exists()


def test_admin_removes_an_override_on_the_web_page(staff_of: dict[str, Any], muni_a: Municipality) -> None:
    _set(muni_a, LEVY_CAP, 2026, "680000")
    client = logged_in(staff_of["municipal_admin"])
    r = client.post("/municipality/parameters/",
                    {"name": LEVY_CAP, "fiscal_year": "2026", "value": "680000", "remove": "1"})
    assert r.status_code == 302
    assert not Override.objects.exists()


def test_secretariat_sees_the_deviation_on_the_web_page(
    staff_of: dict[str, Any], muni_a: Municipality, muni_b: Municipality
) -> None:
    logged_in(staff_of["municipal_admin"]).post(
        "/municipality/parameters/", {"name": LEVY_CAP, "fiscal_year": "2026", "value": "680000"}
    )
    client = logged_in(staff_of["group_secretariat"])
    page = client.get("/group/deviations/?fy=2026").content.decode()
    assert "令和8年度" in page
    assert Parameter.objects.get(name=LEVY_CAP).label in page
    assert "670,000円" in page and "680,000円" in page
    assert "伊奈町" in page and "越生町" in page
    # Another fiscal year has no deviation.
    page = client.get("/group/deviations/?fy=2027").content.decode()
    assert "680,000円" not in page


@pytest.mark.parametrize("fy", ["²", "２０２６x", "99999999999999999999", "-1", "1999"])
def test_odd_fiscal_year_in_the_query_falls_back_not_500(staff_of: dict[str, Any], fy: str) -> None:
    r = logged_in(staff_of["group_secretariat"]).get("/group/deviations/", {"fy": fy})
    assert r.status_code == 200
    r = logged_in(staff_of["municipal_admin"]).get("/municipality/parameters/", {"fy": fy})
    assert r.status_code == 200


def test_parameters_page_lists_a_parameter_without_a_standard_value(staff_of, muni_a):
    """Issue 15, item 8: a parameter the page cannot show is listed with what is wrong, not silently dropped."""
    param = Parameter.objects.first()
    StandardValue.objects.filter(parameter=param).delete()
    page = logged_in(staff_of["municipal_admin"]).get("/municipality/parameters/")
    assert page.status_code == 200 and "の標準値がありません" in page.content.decode()


def test_remembered_values_are_parsed_once_per_member_and_year(
        muni_a: Municipality, muni_b: Municipality, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [LEVY_CAP, PER_CAPITA, INCOME_RATE, "no.such"]
    plain = params.values(names, 2026, muni_a)
    calls: list[str] = []
    parse = params.parse_value
    monkeypatch.setattr(params, "parse_value", lambda param, raw: calls.append(param.name) or parse(param, raw))
    with params.remembered():
        for _ in range(3):
            assert params.values(names, 2026, muni_a) == plain
        assert params.values([PER_CAPITA], 2026, muni_a) == {PER_CAPITA: plain[PER_CAPITA]}
        assert sorted(calls) == sorted([LEVY_CAP, PER_CAPITA, INCOME_RATE])  # once each, "no.such" left out
        params.values(names, 2026, muni_b)  # another member: its own
        assert len(calls) == 6
        _set(muni_a, LEVY_CAP, 2026, "690000")  # a change within the block: parsed again
        assert params.values([LEVY_CAP], 2026, muni_a) == {LEVY_CAP: 690000}


def test_remembered_catalogue_is_the_one_read_for_each_year(muni_a: Municipality, muni_b: Municipality) -> None:
    """What `remembered()` composes from its tables is, for every parameter and year, what one read gives."""
    from lgcloud.platform.params.services import _in_force, _read_in_force

    _set(muni_a, LEVY_CAP, 2026, "680000")
    _set(muni_a, PER_CAPITA, 2024, "40000")
    with params.remembered():
        for m in (muni_a, muni_b):
            for year in range(2010, 2032):
                read = _read_in_force(None, year, m)
                assert _in_force(list(read), year, m) == read
