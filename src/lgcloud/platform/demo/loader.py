"""`lgcloud demo load`: the demo group and whatever each business area adds to it.

A business area extends the demo by a module `demo_data.py` in its app with
functions decorated `@demo_step(order)`; each receives the DemoContext after
the group, members and staff exist (e.g. the registry adds residents).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from lgcloud.platform import documents
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import MUNICIPAL_ROLES, Role
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.codes import DATA_DIR
from lgcloud.platform.tenancy.models import Group, Membership, Municipality
from lgcloud.platform.tenancy.services import ensure_municipality

DEMO_GROUP = "埼玉県町村情報システム共同化推進協議会"
DEMO_PASSWORD = "lgcloud-demo-2026"  # noqa: S105 - printed on start; demo accounts only
# The paper: 嵐山町 and 吉見町 started in 2013-10, the 16 others during FY2014.
FIRST_MEMBERS = {"113425", "113476"}

ROLE_SUFFIX = {
    Role.COUNTER_CLERK: "clerk",
    Role.COUNTER_CONTRACTOR: "contractor",
    Role.TAX: "tax",
    Role.COLLECTION: "collection",
    Role.INSURANCE: "insurance",
    Role.PENSION: "pension",
    Role.WELFARE: "welfare",
    Role.COLLECTION: "collection",
    Role.MUNICIPAL_ADMIN: "admin",
}


@dataclass
class DemoContext:
    group: Group
    members: list[Municipality]
    scale: int
    out: TextIO | None = None
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role label, where)

    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")


Step = Callable[[DemoContext], None]
_steps: list[tuple[int, str, Step]] = []


def demo_step(order: int) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        key = f"{fn.__module__}.{fn.__qualname__}"
        if not any(k == key for _o, k, _f in _steps):
            _steps.append((order, key, fn))
        return fn

    return register


def demo_group_row() -> dict[str, str]:
    with (DATA_DIR / "cloud_groups_2016.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["group_name"] == DEMO_GROUP:
                return row
    raise LookupError(DEMO_GROUP)


def demo_populations() -> dict[str, int]:
    facts = json.loads((DATA_DIR / "seed_facts.json").read_text(encoding="utf-8"))
    case = next(c for c in facts["cases"] if c["group"] == DEMO_GROUP)
    return {name: round(k * 1000) for name, k in case["member_population_thousands"].items()}


# DEMO_PASSWORD hashed once by the project's first hasher (argon2id with Django's parameters), so that a fresh
# start does not spend 0.2–0.5 s of CPU hashing a password printed on the screen. Used only while that hasher and
# its parameters are the ones in force (`must_update` false); tests/test_demo_password.py checks it verifies.
DEMO_PASSWORD_HASH = "argon2$argon2id$v=19$m=102400,t=2,p=8$OVdySFVwMkMyTTJ1bVRZQnhtUEpIaA$HeEgVoi5mr77zhXvJIwUIMUikgyb8TDLuWTtqXqImEE"  # noqa: S105 - the demo password's


@functools.cache
def _demo_password_hash() -> str:
    # One hash for every demo account: hashing 146 times would make the demo slow to start.
    hasher = get_hasher()
    if identify_hasher(DEMO_PASSWORD_HASH).algorithm == hasher.algorithm and not hasher.must_update(
            DEMO_PASSWORD_HASH):
        return DEMO_PASSWORD_HASH
    return make_password(DEMO_PASSWORD)


def _staff_all(accounts: list[tuple[str, dict[str, object]]]) -> None:
    """The demo accounts (username, fields), made or reset to the demo password: read in one query, the new ones
    inserted and the existing ones updated in bulk (146 accounts)."""
    existing = {s.username: s for s in Staff.objects.filter(username__in=[u for u, _f in accounts])}
    new: list[Staff] = []
    changed: list[Staff] = []
    for username, fields in accounts:
        staff = existing.get(username) or Staff(username=username)
        for k, v in fields.items():
            setattr(staff, k, v)
        staff.is_active = True
        staff.failed_logins = 0
        staff.locked_until = None
        staff.password = _demo_password_hash()
        (changed if staff.pk else new).append(staff)
    Staff.objects.bulk_create(new)
    Staff.objects.bulk_update(changed, ["role", "group", "municipality", "display_name", "is_active", "failed_logins",
                                       "locked_until", "password"])


@transaction.atomic
def load_foundation(scale: int = 1, out: TextIO | None = None) -> DemoContext:
    row = demo_group_row()
    populations = demo_populations()
    group, _ = Group.objects.update_or_create(
        name=DEMO_GROUP, defaults={"prefecture": row["prefecture"], "start_fiscal_year": int(row["start_fy"])}
    )
    members = []
    for code in row["member_codes"].split(";"):
        municipality = ensure_municipality(code)
        population = populations.get(municipality.name)
        if population is not None:
            municipality.population = population
            municipality.population_source = "総務省「自治体クラウドの更なる展開について」（千人単位）"
            municipality.save(update_fields=["population", "population_source"])
        joined = dt.date(2013, 10, 1) if code in FIRST_MEMBERS else dt.date(2014, 4, 1)
        Membership.objects.get_or_create(group=group, municipality=municipality, defaults={"joined_on": joined})
        members.append(municipality)
    ctx = DemoContext(group=group, members=members, scale=scale, out=out)
    accounts: list[tuple[str, dict[str, object]]] = [
        ("secretariat", {"role": Role.GROUP_SECRETARIAT, "group": group, "municipality": None,
                         "display_name": "協議会事務局 デモ"}),
        ("operator", {"role": Role.OPERATOR, "group": None, "municipality": None, "display_name": "運用者 デモ"})]
    ctx.logins.append(("secretariat", Role.GROUP_SECRETARIAT.label, DEMO_GROUP))
    ctx.logins.append(("operator", Role.OPERATOR.label, "データセンター"))
    for municipality in members:
        for role in sorted(MUNICIPAL_ROLES):
            username = f"{municipality.code}-{ROLE_SUFFIX[Role(role)]}"
            accounts.append((username, {"role": role, "municipality": municipality, "group": None,
                                        "display_name": f"{municipality.name} {Role(role).label}"}))
            ctx.logins.append((username, Role(role).label, str(municipality)))
    _staff_all(accounts)
    return ctx


def load(scale: int = 1, out: TextIO | None = None) -> DemoContext:
    # The objects alive now (Django, the apps, their modules: most of the heap) are left out of the cyclic garbage
    # collector's full runs while the demo loads (~0.35 s of CPU walking them again and again); and a forked worker
    # (the documents' PDFs) does not copy their pages by touching them. Given back to it at the end. The youngest
    # generation is collected every 10,000 allocations instead of 700 (the load allocates millions of short-lived
    # objects, few in cycles: ~0.1 s less of the collector's CPU).
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, *thresholds[1:])
    try:
        return _load(scale, out)
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _load(scale: int, out: TextIO | None) -> DemoContext:
    ctx = load_foundation(scale, out)
    autodiscover_modules("demo_data")
    # the parameters read once for the whole load (the catalogue once, each member's overrides once; an override set
    # by a step is read again): the steps ask for them ~200 times
    with params.remembered():
        for _order, key, step in sorted(_steps):
            _run_step(ctx, key, step)
    return ctx


def _run_step(ctx: DemoContext, key: str, step: Step) -> None:
    ctx.say(f"デモデータ: {key} …")
    started, cpu, workers = time.perf_counter(), time.process_time(), _children_cpu()
    # the documents a step issues have their PDFs built by a forked worker meanwhile (recorded before it commits)
    with transaction.atomic(), documents.deferred():
        step(ctx)
    # wall and this process's CPU (the machine may be shared: CPU is the figure that compares), and the CPU of the
    # worker processes it forked (the documents' PDFs, the 国保税 assessment's), on the other core
    workers = _children_cpu() - workers
    beside = f"、別プロセス {workers:.1f} 秒" if workers >= 0.05 else ""
    ctx.say(f"デモデータ: {key} {time.perf_counter() - started:.1f} 秒（CPU {time.process_time() - cpu:.1f} 秒"
            f"{beside}）")


def _children_cpu() -> float:
    """User + system CPU of this process's reaped children (forked workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
