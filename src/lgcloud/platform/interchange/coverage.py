"""Personal-data models of the platform's own apps that no standard layout carries, and why.

A business area lists its own models in its adapter (`Adapter.covered` / `Adapter.excluded`);
tests/test_interchange_completeness.py fails when a model holding personal data (a ScopedModel) is in
no layout and excluded nowhere.
"""

from __future__ import annotations

EXCLUDED: dict[str, str] = {
    "documents.IssuedDocument": "交付した文書の控え（番号・照合コード・内容のハッシュ）。交付した団体で保存する",
    "documents.DocumentCounter": "文書の発行番号の採番。移行先で新たに始める",
    "events.DomainEvent": "他業務への異動の通知（送信箱）。正本は異動履歴で、移行前にすべて配信しておく",
    "events.SubscriberCursor": "購読者ごとの配信位置と失敗の記録。移行先では新たに始める",
    "worklists.WorkItem": "処理待ちの提案と処理の記録。移行前に処理し、記録は移行元で保存する",
}
