"""References of the register's derived rows — search keys, event subjects and 履歴 snapshots — checked by
`registry verify` (and the continuity drills' integrity check), because the database does not check them.

An import writes these rows by the hundred thousand in one transaction; a database foreign key made PostgreSQL
look up (and lock, FOR KEY SHARE) the referenced person, event or household once per row at commit. They carry
none (`db_constraint=False`): the rows are written only by the register's own services and the import, next to
the rows they name, in the same transaction; Django's PROTECT/CASCADE still govern every delete through the ORM;
row-level security's WITH CHECK still refuses a row of another municipality. What a raw-SQL edit could still break
— a row naming a person, event or household that is gone or belongs to another member — is listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from lgcloud.areas.registry.models import EventSubject, Household, Person, PersonSnapshot, RegistryEvent, SearchKey

# (model, its label, the referencing column, what it references, that record's label)
CHECKS = (
    (SearchKey, "検索キー", "person_id", Person, "住民票"),
    (EventSubject, "異動の対象", "event_id", RegistryEvent, "異動"),
    (EventSubject, "異動の対象", "person_id", Person, "住民票"),
    (EventSubject, "異動の対象", "household_id", Household, "世帯"),
    (PersonSnapshot, "履歴", "person_id", Person, "住民票"),
    (PersonSnapshot, "履歴", "event_id", RegistryEvent, "異動"),
)


@dataclass(frozen=True)
class DanglingReference:
    table: str
    row_id: int
    target: str
    target_id: int

    @property
    def message(self) -> str:
        return f"{self.table}（id {self.row_id}）が、この団体にない{self.target}（id {self.target_id}）を指しています"


def verify_references(limit: int = 1000) -> list[DanglingReference]:
    """Derived rows of the member in context whose person, event or household is not a record of that member
    (missing, or another member's), at most `limit` per check; one anti-join per check."""
    found: list[DanglingReference] = []
    for model, label, column, target, target_label in CHECKS:
        rows = (model.objects.filter(**{f"{column}__isnull": False})
                .exclude(Exists(target.objects.filter(pk=OuterRef(column))))
                .order_by("pk").values_list("pk", column)[:limit])
        found.extend(DanglingReference(label, pk, target_label, ref) for pk, ref in rows)
    return found
