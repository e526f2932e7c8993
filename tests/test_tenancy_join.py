"""Members join (後発団体) and leave while the platform runs: `lgcloud group join|leave|members`."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.tenancy.models import Group, Membership, Municipality
from lgcloud.platform.tenancy.services import join_member, leave_group
from tests.conftest import PASSWORD

NEW_CODE = "113263"  # 埼玉県毛呂山町


def group_cmd(*args: str) -> str:
    out = io.StringIO()
    call_command("group", *args, stdout=out)
    return out.getvalue()


def test_join_adds_a_later_member_whose_admin_can_log_in(
    group: Group, muni_a: Municipality, muni_b: Municipality
) -> None:
    out = group_cmd("join", NEW_CODE, "--population", "32000")
    assert "埼玉県毛呂山町（113263）が テスト協議会 に加入しました" in out
    match = re.search(r"ユーザー名 (\S+) / 初期パスワード (\S+)", out)
    assert match is not None
    username, password = match.groups()
    assert username == "113263-admin"

    m = Municipality.objects.get(code=NEW_CODE)
    assert m.name == "毛呂山町" and m.prefecture == "埼玉県" and m.population == 32000
    ms = Membership.objects.get(municipality=m)
    assert ms.group == group and ms.is_later_member and ms.joined_on == timezone.localdate()
    assert m.is_active_member()
    assert set(group.members_on().values_list("code", flat=True)) == {muni_a.code, muni_b.code, NEW_CODE}
    admin = Staff.objects.get(username=username)
    assert admin.role == Role.MUNICIPAL_ADMIN and admin.municipality == m
    assert password not in admin.password
    rec = AuditRecord.objects.get(action="group.join_member")
    assert rec.chain == "platform" and rec.detail["code"] == NEW_CODE and rec.channel == "cli"

    # The new administrator logs in at once through the web, then must set up TOTP.
    client = Client()
    r = client.post("/login/", {"username": username, "password": password})
    assert r.status_code == 302 and r.url == "/"
    r = client.get("/")
    assert r.status_code == 302 and r.url == "/two-factor/setup/"
    assert client.get("/two-factor/setup/").status_code == 200

    assert NEW_CODE in group_cmd("members")


def test_join_with_a_future_date_does_not_admit_yet(group: Group) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    out = group_cmd("join", NEW_CODE, "--joined-on", tomorrow.isoformat())
    password = re.search(r"初期パスワード (\S+)", out).group(1)  # type: ignore[union-attr]
    assert not Municipality.objects.get(code=NEW_CODE).is_active_member()
    r = Client().post("/login/", {"username": "113263-admin", "password": password})
    assert r.status_code == 401
    assert "構成団体ではないため" in r.content.decode()
    with pytest.raises(CommandError, match="加入予定として登録済み"):
        group_cmd("join", NEW_CODE)


def test_joining_an_existing_member_is_refused_in_japanese(group: Group, muni_a: Municipality) -> None:
    with pytest.raises(CommandError) as exc:
        group_cmd("join", muni_a.code)
    assert "埼玉県伊奈町 は既に テスト協議会 の構成団体です" in str(exc.value)
    assert Membership.objects.filter(municipality=muni_a).count() == 1
    assert not Staff.objects.filter(username=f"{muni_a.code}-admin").exists()
    assert not AuditRecord.objects.filter(action="group.join_member").exists()


@pytest.mark.parametrize(("code", "expected"), [("113264", "検査数字"), ("1132", "6桁"), ("010006", "団体コード表")])
def test_join_with_a_bad_code_is_refused(group: Group, code: str, expected: str) -> None:
    with pytest.raises(CommandError, match=expected):
        group_cmd("join", code)
    assert not Membership.objects.exists()


def test_join_with_a_bad_date_is_refused(group: Group) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        group_cmd("join", NEW_CODE, "--joined-on", "令和8年4月1日")
    assert not Municipality.objects.filter(code=NEW_CODE).exists()


def test_group_must_be_named_when_there_are_several(group: Group) -> None:
    other = Group.objects.create(name="別の協議会")
    with pytest.raises(CommandError, match="グループを特定できません"):
        group_cmd("join", NEW_CODE)
    group_cmd("--group", other.name, "join", NEW_CODE)
    assert Membership.objects.get(municipality__code=NEW_CODE).group == other


def test_leave_ends_membership_and_refuses_login(
    group: Group, muni_a: Municipality, muni_b: Municipality, make_staff: Any
) -> None:
    clerk = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    assert Client().post("/login/", {"username": clerk.username, "password": PASSWORD}).status_code == 302

    today = timezone.localdate()
    out = group_cmd("leave", muni_a.code, "--left-on", today.isoformat())
    assert "埼玉県伊奈町 は" in out and "脱退します" in out
    assert Membership.objects.get(municipality=muni_a).left_on == today
    assert not muni_a.is_active_member()
    assert muni_a.is_active_member(today - dt.timedelta(days=1))
    assert list(group.members_on().values_list("code", flat=True)) == [muni_b.code]
    assert muni_a.code not in group_cmd("members")
    assert AuditRecord.objects.filter(action="group.leave_member", chain="platform").count() == 1

    r = Client().post("/login/", {"username": clerk.username, "password": PASSWORD})
    assert r.status_code == 401
    assert "埼玉県伊奈町は現在グループの構成団体ではないため、ログインできません。" in r.content.decode()


def test_leave_errors(group: Group, muni_a: Municipality) -> None:
    with pytest.raises(CommandError, match="現在の構成団体ではありません"):
        group_cmd("leave", NEW_CODE, "--left-on", "2030-04-01")
    with pytest.raises(CommandError, match="脱退日は加入日より後"):
        group_cmd("leave", muni_a.code, "--left-on", "2014-04-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        group_cmd("leave", muni_a.code, "--left-on", "昨日")
    assert Membership.objects.get(municipality=muni_a).left_on is None


def test_rejoin_after_leaving(group: Group, muni_a: Municipality) -> None:
    leave_group(group, muni_a.code, left_on=dt.date(2020, 4, 1))
    admin = Staff.objects.create(username=f"{muni_a.code}-admin", role=Role.MUNICIPAL_ADMIN,
                                 municipality=muni_a, is_active=False)
    result = join_member(group, muni_a.code, joined_on=dt.date(2024, 4, 1), admin_password="新しいパスワード1234")
    assert result.admin_username == admin.username
    admin.refresh_from_db()
    assert admin.is_active and admin.check_password("新しいパスワード1234")
    assert muni_a.is_active_member()
    assert not muni_a.is_active_member(dt.date(2022, 4, 1))
    assert list(group.members_on(dt.date(2022, 4, 1))) == []
    assert list(group.members_on(dt.date(2025, 4, 1))) == [muni_a]


def test_members_on_does_not_mix_two_memberships(group: Group, muni_a: Municipality, muni_b: Municipality) -> None:
    # B left in 2020 and joined another group; it is not a member of the first group any more.
    leave_group(group, muni_b.code, left_on=dt.date(2020, 4, 1))
    other = Group.objects.create(name="別の協議会")
    join_member(other, muni_b.code, joined_on=dt.date(2020, 4, 1))
    assert list(group.members_on()) == [muni_a]
    assert list(other.members_on()) == [muni_b]
    assert list(group.members_on(dt.date(2019, 4, 1)).order_by("code")) == [muni_a, muni_b]
    # A scheduled rejoin in the future does not make a former member current.
    leave_group(group, muni_a.code, left_on=dt.date(2021, 4, 1))
    Membership.objects.create(group=group, municipality=muni_a, joined_on=dt.date(2099, 4, 1))
    assert list(group.members_on()) == []


def test_leave_service_refuses_a_non_member(group: Group) -> None:
    with pytest.raises(ValidationFailed):
        leave_group(group, NEW_CODE, left_on=dt.date(2030, 1, 1))
