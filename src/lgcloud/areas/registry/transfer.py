"""Moves between members of the group, by message: A's 転出 sends the 転出証明書情報 into B's inbox;
B's 転入 consumes it and sends the 転入通知 into A's inbox; A's inbox turns 転出予定 into 転出確定.
Neither municipality reads the other's register; each message is written into the recipient's scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import crypto, protection
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import confirm_move_out
from lgcloud.areas.registry.engine import EventResult
from lgcloud.areas.registry.models import Person, TransferKind, TransferMessage
from lgcloud.areas.registry.restrictions import refusals_recorded
from lgcloud.areas.registry.transfer_messages import (
    CERTIFICATE_ITEMS,
    CERTIFICATE_QUEUE,
    NOTICE_QUEUE,
    deliver,
    raise_work_item,
)
from lgcloud.platform import worklists
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.tenancy.context import require_municipality
from lgcloud.platform.tenancy.models import Municipality


def pending(kind: str) -> list[TransferMessage]:
    return list(TransferMessage.objects.filter(kind=kind, status="pending").select_related("sender"))


def inbox(purpose: str = "転出証明書情報の確認") -> tuple[list[TransferMessage], list[TransferMessage]]:
    """The pending 転出証明書情報 and 転入通知, audited as a read (the persons' names and birth dates)."""
    with transaction.atomic():
        certificates = pending(TransferKind.MOVE_OUT_CERTIFICATE)
        notices = pending(TransferKind.MOVE_IN_NOTICE)
        if certificates or notices:
            audit.record("registry.inbox_viewed", object_type="TransferMessage",
                         object_id=",".join(str(m.pk) for m in [*certificates, *notices]), purpose=purpose)
    return certificates, notices


def _message(message_id: int, kind: str) -> TransferMessage:
    msg = TransferMessage.objects.select_for_update().filter(pk=message_id, kind=kind).first()
    if msg is None:
        raise NotFound("指定した転出証明書情報はありません。")
    if msg.status != "pending":
        raise ValidationFailed("この転出証明書情報は既に転入処理に使われています。", field="message_id")
    return msg


def move_in_from_certificate(*, message_id: int, address: dict[str, Any], effective_on: Any, notified_on: Any,
                             household_no: int | None = None, relationships: dict[int, str] | None = None,
                             acknowledge_alerts: bool = False) -> EventResult:
    """B's 転入 from A's 転出証明書情報; sends the 転入通知 back to A. A refusal is recorded after the rollback."""
    with refusals_recorded():
        return _move_in_from_certificate(message_id=message_id, address=address, effective_on=effective_on,
                                         notified_on=notified_on, household_no=household_no,
                                         relationships=relationships, acknowledge_alerts=acknowledge_alerts)


@transaction.atomic
def _move_in_from_certificate(*, message_id: int, address: dict[str, Any], effective_on: Any, notified_on: Any,
                              household_no: int | None, relationships: dict[int, str] | None,
                              acknowledge_alerts: bool) -> EventResult:
    msg = _message(message_id, TransferKind.MOVE_OUT_CERTIFICATE)
    me = require_municipality()
    persons: list[Mapping[str, Any]] = []
    for item in msg.payload["persons"]:
        data = {k: v for k, v in item.items() if k in CERTIFICATE_ITEMS and v not in (None, "")}
        data.pop("resident_code", None)  # 住民票コード is re-issued by the new municipality's system
        rel = (relationships or {}).get(item["sender_person_no"]) or (relationships or {}).get(
            str(item["sender_person_no"]))  # type: ignore[call-overload]
        if rel:
            data["relationship"] = rel
        if item.get("individual_number_enc"):
            data["individual_number"] = crypto.decrypt(me.code, item["individual_number_enc"])
        persons.append(data)
    result = move_in(persons=persons, address=address, effective_on=effective_on,
                              notified_on=notified_on, previous_address=msg.payload["persons"][0]["address_before"],
                              household_no=household_no, reason=f"転出証明書情報（{msg.payload['from_name']}）",
                              acknowledge_alerts=acknowledge_alerts)
    msg.status, msg.consumed_at = "consumed", timezone.now()
    msg.save(update_fields=["status", "consumed_at"])
    worklists.resolve(CERTIFICATE_QUEUE, f"message:{msg.pk}", outcome=f"転入を記録しました（異動 {result.event.pk}）")
    moved_in_on = result.event.effective_on
    # The new records in the order of the message (new 宛名番号 are given in that order).
    arrived = sorted(result.persons, key=lambda p: p.person_no)
    numbers: dict[str, int] = {}
    measures: dict[str, list[dict[str, Any]]] = {}
    for item, person in zip(msg.payload["persons"], arrived, strict=False):
        protection.link(person, msg.sender, int(item["sender_person_no"]), "in")
        protection.receive(person, item.get("support_measures") or [], msg.sender)
        numbers[str(item["sender_person_no"])] = person.person_no
        measures[str(item["sender_person_no"])] = protection.payload_for(person)
    notice = {"sender_person_nos": [i["sender_person_no"] for i in msg.payload["persons"]],
              "moved_in_on": moved_in_on.isoformat(), "new_address": address.get("address", ""),
              "to_name": str(me), "person_nos": numbers, "support_measures": measures}
    deliver(msg.sender, TransferKind.MOVE_IN_NOTICE, notice)
    return result


def process_move_in_notices(*, acknowledge_alerts: bool = False) -> int:
    """A's side: every pending 転入通知 confirms the 転出 (転出予定 → 転出確定). Returns persons confirmed. A refusal
    rolls the batch back, and its audit record is written after the rollback."""
    with refusals_recorded():
        return _process_move_in_notices(acknowledge_alerts)


@transaction.atomic
def _process_move_in_notices(acknowledge_alerts: bool) -> int:
    count = 0
    for msg in TransferMessage.objects.select_for_update().filter(kind=TransferKind.MOVE_IN_NOTICE, status="pending"):
        confirmed = _confirm(msg, acknowledge_alerts)
        count += confirmed
        raise_work_item(msg)  # a message received before the 処理待ち一覧 gets its item, to close it
        worklists.resolve(NOTICE_QUEUE, f"message:{msg.pk}", outcome=f"{confirmed}人の転出を確定しました（受信箱から）")
    return count


def confirm_from_notice(message_id: int) -> int:
    """The 転入通知's item in the 処理待ち一覧 was accepted: confirm the 転出 of everyone it names."""
    msg = TransferMessage.objects.select_for_update().filter(pk=message_id, kind=TransferKind.MOVE_IN_NOTICE).first()
    if msg is None:
        raise NotFound("指定した転入通知はありません。")
    if msg.status != "pending":
        raise ValidationFailed("この転入通知は既に処理されています。", field="message_id")
    return _confirm(msg, acknowledge_alerts=False)


def _confirm(msg: TransferMessage, acknowledge_alerts: bool) -> int:
    for number in msg.payload["sender_person_nos"]:
        _link_back(msg, number)
        confirm_move_out(person_no=number, moved_in_on=msg.payload["moved_in_on"],
                         destination=destination_text(msg.sender, msg.payload["new_address"]),
                         reason=f"転入通知（{msg.payload['to_name']}）", acknowledge_alerts=acknowledge_alerts)
    msg.status, msg.consumed_at = "consumed", timezone.now()
    msg.save(update_fields=["status", "consumed_at"])
    return len(msg.payload["sender_person_nos"])


def destination_text(to: Municipality, new_address: str) -> str:
    """The 転出先 as written on the 除票: the new address, with the municipality only where it does not say it
    already (「埼玉県入間郡越生町越生900番地」, not 「埼玉県越生町埼玉県入間郡越生町越生900番地」)."""
    new = str(new_address or "").strip()
    if not new:
        return str(to)
    if new.startswith(to.prefecture):
        return new
    if to.name in new:
        return f"{to.prefecture}{new}"
    return f"{to}{new}"


def _link_back(msg: TransferMessage, number: int) -> None:
    """A's record learns B's 宛名番号 and any 支援措置 B holds, before the destination is written into it."""
    person = Person.objects.filter(person_no=number).first()
    theirs = (msg.payload.get("person_nos") or {}).get(str(number))
    if person is None or theirs is None:
        return
    protection.link(person, msg.sender, int(theirs), "out")
    protection.receive(person, (msg.payload.get("support_measures") or {}).get(str(number)) or [], msg.sender)


# --- from outside the group: the 転出証明書 as a CSV ------------------------------------------------

CSV_COLUMNS = {
    "氏": "family_name", "名": "given_name", "氏フリガナ": "family_name_kana", "名フリガナ": "given_name_kana",
    "氏名（アルファベット）": "alphabet_name", "生年月日": "birth_date", "性別": "sex", "続柄": "relationship",
    "本籍": "registered_domicile", "筆頭者": "domicile_head", "個人番号": "individual_number",
    "住民種別": "resident_type", "国籍・地域": "nationality", "在留資格": "residence_status",
    "在留期間": "period_of_stay", "在留期間満了日": "stay_expires_on", "在留カード等番号": "residence_card_number",
}
_SEX = {"男": "male", "女": "female", "1": "male", "2": "female"}
_TYPE = {"日本人": "japanese", "外国人": "foreign", "": "japanese"}


def persons_from_certificate_csv(content: bytes) -> list[dict[str, Any]]:
    """The persons of a 転出証明書 from another system's CSV (UTF-8 or CP932; 和暦 or 西暦 dates). Every row is
    checked; the errors name the line and the column."""
    import csv
    import io

    from lgcloud.platform.common.wareki import parse_japanese_date

    text = None
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise ValidationFailed("CSVの文字コードを判別できません（UTF-8 または Shift_JIS）。", field="file")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("氏", "生年月日", "性別", "続柄") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(f"転出証明書のCSVに必要な列がありません: {'、'.join(missing)}", field="file")
    persons = []
    for row in reader:
        line = reader.line_num
        data: dict[str, Any] = {}
        for column, item in CSV_COLUMNS.items():
            value = (row.get(column) or "").strip()
            if not value:
                continue
            if item in ("birth_date", "stay_expires_on"):
                try:
                    value = parse_japanese_date(value).isoformat()
                except ValueError as e:
                    raise ValidationFailed(f"{line}行目 {column}: {e}", field=item) from None
            elif item == "sex":
                if value not in _SEX:
                    raise ValidationFailed(f"{line}行目 性別「{value}」は 男・女 で入力してください。", field="sex")
                value = _SEX[value]
            elif item == "resident_type":
                if value not in _TYPE:
                    raise ValidationFailed(f"{line}行目 住民種別「{value}」は 日本人・外国人 で入力してください。",
                                           field="resident_type")
                value = _TYPE[value]
            data[item] = value
        if data.get("resident_type") == "foreign":
            data.setdefault("foreign_category", "mid_long_term")
        persons.append(data)
    if not persons:
        raise ValidationFailed("CSVに転入する人の行がありません。", field="file")
    return persons


def move_in_from_certificate_csv(*, content: bytes, address: dict[str, Any], effective_on: Any, notified_on: Any,
                                 previous_address: str, acknowledge_alerts: bool = False) -> EventResult:
    """転入 from outside the group, the 転出証明書 data read from a CSV; the same validation as by hand."""
    persons = persons_from_certificate_csv(content)
    return move_in(persons=persons, address=address, effective_on=effective_on, notified_on=notified_on,
                            previous_address=previous_address, reason="転出証明書（CSV）",
                            acknowledge_alerts=acknowledge_alerts)
