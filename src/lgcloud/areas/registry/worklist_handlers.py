"""The registry's queues in the 処理待ち一覧: messages from the other members of the group."""

from __future__ import annotations

from typing import Any

from lgcloud.areas.registry import transfer
from lgcloud.areas.registry.transfer_messages import CERTIFICATE_QUEUE, NOTICE_QUEUE
from lgcloud.platform import worklists
from lgcloud.platform.common.errors import ValidationFailed


@worklists.handler(NOTICE_QUEUE, label="転入通知（転出確定）")
def confirm_move_out(item: Any) -> str:
    return f"{transfer.confirm_from_notice(item.payload['message_id'])}人の転出を確定しました"


@worklists.handler(CERTIFICATE_QUEUE, label="転出証明書情報（転入待ち）")
def move_in_needs_the_form(item: Any) -> str:
    raise ValidationFailed("転入は届出の内容（住所・異動日）が必要です。「この項目を処理する画面を開く」から"
                           "転入（転出証明書情報）を記録してください。記録すると、この項目は自動で承認済みになります。",
                           field="decision")
