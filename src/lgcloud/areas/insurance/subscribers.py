"""The register's 異動 propose 国保 changes; each lands in the insurance clerk's 処理待ち一覧.

転入 → a 加入 to confirm (once the person shows they have left 社会保険); 出生 into a household with insured
members → 加入 from the birth; 転出 → 喪失 on the day of the move; 死亡 → 喪失 the day after.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lgcloud.areas.insurance.models import Coverage
from lgcloud.areas.insurance.services import open_coverage
from lgcloud.areas.registry import public
from lgcloud.platform import worklists
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.events import subscriber

ENROLMENT = "insurance.enrolment"
WITHDRAWAL = "insurance.withdrawal"


def _raise(queue: str, event: Any, person_no: int, title: str, reason: str, action: str,
           payload: dict[str, Any]) -> None:
    worklists.raise_item(
        queue, subject_ref=f"registry.person:{person_no}", title=title, reason=reason, proposed_action=action,
        payload={"person_no": person_no, **payload}, capability=Cap.INSURANCE,
        dedupe_key=f"{event.payload.get('event_id', event.pk)}:{person_no}", link=f"/insurance/persons/{person_no}/",
    )


@subscriber("insurance.coverage", kinds={"registry.birth", "registry.move_in", "registry.move_out",
                                         "registry.death"})
def on_registry(event: Any) -> None:
    payload = event.payload
    kind = payload.get("kind") or event.kind.split(".", 1)[1]
    on = dt.date.fromisoformat(str(payload["effective_on"]))
    when = format_wareki(on)
    for p in public.persons_concerned(payload):
        no = int(p["person_no"])
        if kind == "move_in" and open_coverage(no) is None:
            _raise(ENROLMENT, event, no, "国保加入の確認（転入）", f"{when} 転入",
                   f"{when}から国保に加入させる（社会保険の資格喪失を確認のうえ）",
                   {"coverage_start": on.isoformat(), "reason": "move_in"})
        elif kind == "birth":
            household_no = p.get("household_no")
            insured = household_no is not None and Coverage.objects.filter(
                household__household_no=household_no, coverage_end__isnull=True).exists()
            if insured:
                _raise(ENROLMENT, event, no, "国保加入（出生）", f"{when} 出生（国保世帯）",
                       f"{when}（出生日）から国保に加入させる", {"coverage_start": on.isoformat(), "reason": "birth"})
        elif kind in ("move_out", "death") and open_coverage(no) is not None:
            end = on if kind == "move_out" else on + dt.timedelta(days=1)
            label = "転出" if kind == "move_out" else "死亡"
            _raise(WITHDRAWAL, event, no, f"国保喪失（{label}）", f"{when} {label}",
                   f"{format_wareki(end)}で国保の資格を喪失させる", {"coverage_end": end.isoformat(), "reason": kind})


def propose_age_changes(month: dt.date) -> int:
    """The 75th birthdays in `month` among the insured: 後期高齢者医療 from the birthday itself (国保 ends that
    day, the person stays in the household as 特定同一世帯所属者). Raised in the clerk's list; returns how many.
    (介護分 from the 40th and to the 65th birthday needs no proposal: the assessment counts those months.)"""
    from lgcloud.areas.registry import public

    first = month.replace(day=1)
    raised = 0
    for c in Coverage.objects.filter(coverage_end__isnull=True).only("person_no"):
        person = public.person(c.person_no)
        if person is None or person.birth_date is None:
            continue
        b = person.birth_date
        try:
            birthday = b.replace(year=b.year + 75)
        except ValueError:
            birthday = dt.date(b.year + 75, 3, 1)
        if birthday.replace(day=1) != first:
            continue
        worklists.raise_item(
            WITHDRAWAL, subject_ref=f"registry.person:{c.person_no}", title="国保喪失（75歳到達・後期高齢者医療へ移行）",
            reason=f"{format_wareki(birthday)} 75歳の誕生日", proposed_action=(
                f"{format_wareki(birthday)}で国保の資格を喪失させ、特定同一世帯所属者とする"),
            payload={"person_no": c.person_no, "coverage_end": birthday.isoformat(), "reason": "late_elderly"},
            capability=Cap.INSURANCE, dedupe_key=f"age75:{c.person_no}", link=f"/insurance/persons/{c.person_no}/",
        )
        raised += 1
    return raised
