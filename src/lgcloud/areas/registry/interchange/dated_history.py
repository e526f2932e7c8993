"""The history of files that carry none (another system's, or the standard layout without 異動履歴),
standing on the files' own dates: a person is resident from their 住民となった年月日 and a 除票 removed on
its 消除日, so as-of reads answer for the past as the old system would have. The kind of each 異動 is the
row's 異動事由 where the vendor file has one (mapped to an EventKind), else 「データ移行による記載」.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lgcloud.areas.registry.models import EventKind, Status

# 異動事由 that make a person resident, that end the residence, and those that neither (they need a 異動日).
ENTRY_KINDS = frozenset({EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD, EventKind.RE_MOVE_IN, EventKind.BIRTH,
                         EventKind.EX_OFFICIO_ENTRY})
REMOVAL_KINDS = frozenset({EventKind.MOVE_OUT, EventKind.MOVE_OUT_CONFIRMED, EventKind.DEATH, EventKind.DISAPPEARANCE,
                           EventKind.EX_OFFICIO_REMOVAL})
# A 除票 without a 異動事由: its kind from its 消除事由.
REMOVAL_BY_REASON = {"転出": EventKind.MOVE_OUT, "死亡": EventKind.DEATH, "失踪": EventKind.DISAPPEARANCE,
                     "失踪宣告": EventKind.DISAPPEARANCE, "職権消除": EventKind.EX_OFFICIO_REMOVAL}


def check_last_event(kind: str, on: dt.date | None, rec: dict[str, Any]) -> str | None:
    """Why a row's 異動事由 (its last 異動) cannot stand, or None."""
    if kind not in EventKind.values:
        return f"異動事由「{kind}」は lgcloud の異動の種類にありません（対応定義の対応表で変換してください）"
    if kind == EventKind.CANCELLATION:
        return "異動の取消しは移行する異動事由にできません"
    removed = rec.get("status") == Status.REMOVED
    label = EventKind(kind).label
    if kind in REMOVAL_KINDS and not removed:
        return f"住民の異動事由が消除の異動（{label}）です"
    if kind in ENTRY_KINDS and removed:
        return f"除票の異動事由が記載の異動（{label}）です"
    if kind not in ENTRY_KINDS | REMOVAL_KINDS | {EventKind.MIGRATION}:
        if on is None:
            return f"異動事由「{label}」には異動日が必要です"
        began = rec.get("became_resident_on")
        began = began[0] if isinstance(began, tuple) else began
        if isinstance(began, dt.date) and on < began:
            return f"異動日（{on:%Y-%m-%d}）が住民となった年月日より前です"
    return None
