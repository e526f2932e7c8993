"""The register's 異動 propose 児童手当 changes in the welfare clerk's 処理待ち一覧: a birth in a recipient's
household → a 額改定 to claim; the recipient's 転出 or death → 消滅."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lgcloud.areas.registry import public
from lgcloud.areas.welfare.models import AllowanceClaim, ClaimStatus
from lgcloud.platform import worklists
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.events import subscriber

REVISION = "welfare.amount_revision"
TERMINATION = "welfare.termination"


@subscriber("welfare.child_allowance", kinds={"registry.birth", "registry.move_out", "registry.death"})
def on_registry(event: Any) -> None:
    payload = event.payload
    kind = payload.get("kind") or event.kind.split(".", 1)[1]
    on = dt.date.fromisoformat(str(payload["effective_on"]))
    when = format_wareki(on)
    event_id = payload.get("event_id", event.pk)
    for p in public.persons_concerned(payload):
        no = int(p["person_no"])
        if kind == "birth" and p.get("household_no") is not None:
            members = [m.person_no for m in public.household_members(int(p["household_no"]))]
            for c in AllowanceClaim.objects.filter(recipient_person_no__in=members, status=ClaimStatus.ACTIVE):
                worklists.raise_item(
                    REVISION, subject_ref=f"welfare.claim:{c.pk}", title="児童手当 額改定（出生）",
                    reason=f"{when} 受給者の世帯に出生", proposed_action="出生した児童を加えて額を改定する（15日特例）",
                    payload={"claim_id": c.pk, "person_no": no, "birth_date": p.get("birth_date") or on.isoformat(),
                             "event_on": on.isoformat()},
                    capability=Cap.WELFARE, dedupe_key=f"{event_id}:{c.pk}:{no}", link="/welfare/",
                )
        elif kind in ("move_out", "death"):
            for c in AllowanceClaim.objects.filter(recipient_person_no=no, status=ClaimStatus.ACTIVE):
                label = "転出" if kind == "move_out" else "死亡"
                worklists.raise_item(
                    TERMINATION, subject_ref=f"welfare.claim:{c.pk}", title=f"児童手当 消滅（受給者の{label}）",
                    reason=f"{when} {label}", proposed_action=f"{on.year}年{on.month}月分までで支給を終える",
                    payload={"claim_id": c.pk, "last_month": on.replace(day=1).isoformat(), "reason": label},
                    capability=Cap.WELFARE, dedupe_key=f"{event_id}:{c.pk}", link="/welfare/",
                )
