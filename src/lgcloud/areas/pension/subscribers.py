"""The register's 異動 propose 国民年金 第1号 changes in the pension clerk's 処理待ち一覧: a 転入 of a person
aged 20–59 → 資格の確認 (from abroad or 第2号/第3号 elsewhere: the clerk decides); 死亡 → 喪失 the day after;
転出 → the qualification moves with the person (喪失 here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lgcloud.areas.pension.rules.national_pension import qualification_end_by_age, qualification_start_by_age
from lgcloud.areas.pension.services import open_qualification
from lgcloud.areas.registry import public
from lgcloud.platform import worklists
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.events import subscriber

ACQUISITION = "pension.acquisition"
LOSS = "pension.loss"


@subscriber("pension.category1", kinds={"registry.move_in", "registry.move_out", "registry.death"})
def on_registry(event: Any) -> None:
    payload = event.payload
    kind = payload.get("kind") or event.kind.split(".", 1)[1]
    on = dt.date.fromisoformat(str(payload["effective_on"]))
    event_id = payload.get("event_id", event.pk)
    for p in public.persons_concerned(payload):
        no = int(p["person_no"])
        birth = dt.date.fromisoformat(p["birth_date"]) if p.get("birth_date") else None
        if kind == "move_in" and birth is not None:
            if qualification_start_by_age(birth) <= on < qualification_end_by_age(birth):
                worklists.raise_item(
                    ACQUISITION, subject_ref=f"registry.person:{no}", title="国民年金 第1号被保険者の確認（転入）",
                    reason=f"{format_wareki(on)} 転入（20歳以上60歳未満）",
                    proposed_action="第1号被保険者として資格を記録する（海外からの転入等）",
                    payload={"person_no": no, "start": on.isoformat(), "reason": "move_in_from_abroad"},
                    capability=Cap.PENSION, dedupe_key=f"{event_id}:{no}", link="/pension/",
                )
        elif kind in ("death", "move_out") and open_qualification(no) is not None:
            end = on + dt.timedelta(days=1) if kind == "death" else on
            worklists.raise_item(
                LOSS, subject_ref=f"registry.person:{no}", title="国民年金 第1号被保険者の喪失",
                reason=f"{format_wareki(on)} {'死亡' if kind == 'death' else '転出'}",
                proposed_action=f"{format_wareki(end)}で資格を喪失させる",
                payload={"person_no": no, "end": end.isoformat(), "reason": "death" if kind == "death" else "other"},
                capability=Cap.PENSION, dedupe_key=f"{event_id}:{no}", link="/pension/",
            )


def propose_age_changes(month: dt.date) -> int:
    """Residents reaching 20 in `month` (資格取得 on the day before the 20th birthday, unless already insured) and
    第1号 members reaching 60 (喪失 on the day before the 60th birthday) go to the pension clerk's list."""
    from lgcloud.areas.pension.services import reaching_age

    first = month.replace(day=1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    raised = 0
    for r in reaching_age(first, last, 20):
        if r.birth_date is None or open_qualification(r.person_no) is not None:
            continue
        start = qualification_start_by_age(r.birth_date)
        worklists.raise_item(
            ACQUISITION, subject_ref=f"registry.person:{r.person_no}", title="国民年金 第1号被保険者の資格取得（20歳到達）",
            reason=f"{format_wareki(start)} 20歳到達", proposed_action="第1号被保険者として資格を記録する（厚生年金加入者等を除く）",
            payload={"person_no": r.person_no, "start": start.isoformat(), "reason": "age_20"},
            capability=Cap.PENSION, dedupe_key=f"age20:{r.person_no}", link=f"/pension/persons/{r.person_no}/",
        )
        raised += 1
    for r in reaching_age(first, last, 60):
        if r.birth_date is None or open_qualification(r.person_no) is None:
            continue
        end = qualification_end_by_age(r.birth_date)
        worklists.raise_item(
            LOSS, subject_ref=f"registry.person:{r.person_no}", title="国民年金 第1号被保険者の資格喪失（60歳到達）",
            reason=f"{format_wareki(end)} 60歳到達", proposed_action=f"{format_wareki(end)}で資格を喪失させる",
            payload={"person_no": r.person_no, "end": end.isoformat(), "reason": "age_60"},
            capability=Cap.PENSION, dedupe_key=f"age60:{r.person_no}", link=f"/pension/persons/{r.person_no}/",
        )
        raised += 1
    return raised
