"""Messages between members of the group: the 転出証明書情報 and the 転入通知 travel as TransferMessage rows
written into the recipient's scope. Neither municipality reads the other's register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lgcloud.areas.registry import crypto, protection
from lgcloud.areas.registry.engine import to_json
from lgcloud.areas.registry.models import Person, TransferKind, TransferMessage
from lgcloud.platform import worklists
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.tenancy.context import current_actor, municipality_scope, require_municipality
from lgcloud.platform.tenancy.models import Municipality

# The items a 転出証明書 carries to the new municipality.
CERTIFICATE_ITEMS = (
    "resident_type", "family_name", "given_name", "family_name_kana", "given_name_kana", "kana_certified",
    "former_family_name", "former_family_name_kana", "alphabet_name", "alias", "alias_kana", "birth_date",
    "birth_date_precision", "sex", "registered_domicile", "domicile_head", "nationality", "foreign_category",
    "residence_status", "period_of_stay", "stay_expires_on", "residence_card_number", "became_foreign_resident_on",
    "relationship", "resident_code", "electoral_registered",
)


def group_member(code: str) -> Municipality | None:
    """The municipality with this code if it is a current member of the sender's group."""
    sender = require_municipality()
    membership = sender.current_membership()
    if membership is None:
        return None
    return membership.group.members_on().filter(code=code).exclude(pk=sender.pk).first()


def deliver(recipient: Municipality, kind: str, payload: dict[str, Any]) -> None:
    sender = require_municipality()
    actor = current_actor()
    with municipality_scope(recipient, actor):
        msg = TransferMessage.objects.create(kind=kind, sender=sender, payload=payload)
        audit.record(f"registry.{kind}_received", obj=msg, detail={"from": sender.code})
        raise_work_item(msg)
    audit.record(f"registry.{kind}_sent", object_type="TransferMessage", object_id=msg.pk,
                 detail={"to": recipient.code})


# Each message arrives as an item of the recipient's 処理待ち一覧 (worklist_handlers.py carries them out).
NOTICE_QUEUE = "registry.move_in_notice"
CERTIFICATE_QUEUE = "registry.move_out_certificate"


def raise_work_item(msg: TransferMessage) -> None:
    """In the recipient's scope: the message's item on its queue (once per message)."""
    from django.urls import reverse

    key = f"message:{msg.pk}"
    if msg.kind == TransferKind.MOVE_IN_NOTICE:
        p = msg.payload
        worklists.raise_item(
            NOTICE_QUEUE, subject_ref=f"registry.TransferMessage:{msg.pk}", dedupe_key=key,
            title=f"転入通知（{p.get('to_name', '')}）: {len(p.get('sender_person_nos', []))}人",
            reason=f"{p.get('to_name', '')}への転入（異動日 {p.get('moved_in_on', '')}）の通知が届きました。",
            proposed_action="該当する人の転出予定を転出確定にする", payload={"message_id": msg.pk},
            capability=Cap.REGISTRY_CHANGE, link=reverse("registry:inbox"))
    else:
        p = msg.payload
        worklists.raise_item(
            CERTIFICATE_QUEUE, subject_ref=f"registry.TransferMessage:{msg.pk}", dedupe_key=key,
            title=f"転出証明書情報（{p.get('from_name', '')}）: {len(p.get('persons', []))}人",
            reason=f"転出予定日 {p.get('planned_on', '')}。転入の届出を待っています。",
            proposed_action="転入の届出を受けて、この転出証明書情報から転入を記録する",
            payload={"message_id": msg.pk}, capability=Cap.REGISTRY_CHANGE,
            link=reverse("registry:event_move_in_from_certificate") + f"?message_id={msg.pk}")


def send_move_out_certificate(persons: list[Person], recipient: Municipality, *, planned_on: dt.date,
                              destination: str) -> None:
    """Called by the 転出 service inside its transaction."""
    sender = require_municipality()
    people = []
    for p in persons:
        item = {k: to_json(getattr(p, k)) for k in CERTIFICATE_ITEMS}
        item["sender_person_no"] = p.person_no
        item["address_before"] = f"{p.address}{p.address_extra}"
        item["support_measures"] = protection.payload_for(p)  # the protection travels with the person
        if p.individual_number_enc:
            number = crypto.decrypt(sender.code, p.individual_number_enc)
            item["individual_number_enc"] = crypto.encrypt(recipient.code, number)  # re-keyed for the recipient
        people.append(item)
    payload = {"persons": people, "planned_on": planned_on.isoformat(), "destination": destination,
               "from_name": str(sender)}
    deliver(recipient, TransferKind.MOVE_OUT_CERTIFICATE, payload)
