"""The tax division's 処理待ち一覧: unmatched income records (accept = match to the proposed person)."""

from __future__ import annotations

from typing import Any

from lgcloud.platform import worklists
from lgcloud.platform.common.errors import ValidationFailed


@worklists.handler("taxation.unmatched_income", label="所得データの照合（税務）")
def match_income(item: Any) -> str:
    from lgcloud.areas.taxation.incomes import IncomeRecord
    from lgcloud.areas.taxation.models import MatchedBy
    from lgcloud.platform.audit import services as audit

    person_no = item.payload.get("person_no")
    if not person_no:
        raise ValidationFailed("照合先の候補がありません。税務の画面で宛名番号を指定してください。", field="person_no")
    record = IncomeRecord.objects.get(pk=item.payload["record_id"])
    record.person_no, record.matched_by = int(person_no), MatchedBy.MANUAL
    record.save(update_fields=["person_no", "matched_by"])
    audit.record("taxation.income_matched", obj=record, detail={"person_no": person_no, "work_item": item.pk})
    return f"宛名番号 {person_no} と照合しました"
