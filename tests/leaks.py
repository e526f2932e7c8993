"""Seeders for the isolation test: each puts personal data into a municipality and
returns the marker strings that must never appear in another municipality's
responses, plus ids to put into URL parameters. A business area adds its own
seeder here (residents, certificates …) and every route is probed against it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from lgcloud.accounts.models import Staff
from lgcloud.accounts.roles import Role
from lgcloud.audit import services as audit
from lgcloud.tenancy.context import Actor, municipality_scope
from lgcloud.tenancy.models import Municipality
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


SEEDERS: list[Callable[[Municipality], Seeded]] = [seed_notes, seed_staff_and_audit]


def seed_all(m: Municipality) -> Seeded:
    total = Seeded()
    for seeder in SEEDERS:
        total.merge(seeder(m))
    return total
