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
