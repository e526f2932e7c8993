"""Group membership: members join (後発団体 included) and leave while the platform runs."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, ValidationFailed
from lgcloud.platform.tenancy.codes import lookup
from lgcloud.platform.tenancy.models import Group, Membership, Municipality


@dataclass
class JoinResult:
    municipality: Municipality
    membership: Membership
    admin_username: str
    admin_password: str


def ensure_municipality(code: str, population: int | None = None, population_source: str = "") -> Municipality:
    entry = lookup(code)
    municipality, created = Municipality.objects.get_or_create(
        code=entry.code,
        defaults={
            "prefecture": entry.prefecture,
            "name": entry.city,
            "name_kana": entry.city_kana,
            "population": population,
            "population_source": population_source,
        },
    )
    if not created and population is not None and municipality.population != population:
        municipality.population = population
        municipality.population_source = population_source
        municipality.save(update_fields=["population", "population_source"])
    return municipality


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def join_member(
    group: Group,
    code: str,
    *,
    joined_on: dt.date | None = None,
    population: int | None = None,
    later_member: bool = True,
    admin_password: str | None = None,
) -> JoinResult:
    """Add a municipality to the group and give it an administrator account.

    Takes effect at once: membership and accounts are rows, so a running
    server serves the new member without a restart.
    """
    from lgcloud.platform.accounts.models import Staff
    from lgcloud.platform.accounts.roles import Role

    joined_on = joined_on or timezone.localdate()
    municipality = ensure_municipality(code, population)
    current = municipality.current_membership(joined_on)
    if current is not None:
        raise Conflict(f"{municipality} は既に {current.group} の構成団体です（加入日 {current.joined_on}）。")
    if Membership.objects.filter(municipality=municipality, left_on__isnull=True).exists():
        raise Conflict(f"{municipality} は加入予定として登録済みです。")
    membership = Membership.objects.create(
        group=group, municipality=municipality, joined_on=joined_on, is_later_member=later_member
    )
    username = f"{municipality.code}-admin"
    password = admin_password or generate_password()
    if Staff.objects.filter(username=username).exists():
        admin = Staff.objects.get(username=username)
        admin.is_active = True
    else:
        admin = Staff(
            username=username,
            role=Role.MUNICIPAL_ADMIN,
            municipality=municipality,
            display_name=f"{municipality.name} 団体管理者",
        )
    admin.set_password(password)
    admin.save()
    audit.record(
        "group.join_member",
        obj=municipality,
        municipality=None,
        detail={"group": group.name, "code": municipality.code, "joined_on": joined_on.isoformat()},
    )
    return JoinResult(municipality, membership, username, password)


@transaction.atomic
def leave_group(group: Group, code: str, *, left_on: dt.date) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .filter(group=group, municipality__code=code, left_on__isnull=True)
        .first()
    )
    if membership is None:
        raise ValidationFailed(f"団体コード {code} は {group} の現在の構成団体ではありません。")
    if left_on <= membership.joined_on:
        raise ValidationFailed("脱退日は加入日より後の日付を指定してください。", field="left_on")
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    audit.record(
        "group.leave_member",
        obj=membership.municipality,
        municipality=None,
        detail={"group": group.name, "code": code, "left_on": left_on.isoformat()},
    )
    return membership
