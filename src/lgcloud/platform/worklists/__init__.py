"""処理待ち一覧 (worklists): a clerk's inbox of proposals raised by events or files.

    from lgcloud.platform import worklists

    worklists.raise_item("insurance.enrolment", subject_ref="registry.person:123", title="国保加入の確認",
                         reason="転入（令和8年4月1日）", proposed_action="国保に加入させる",
                         payload={...}, capability=Cap.INSURANCE, dedupe_key="move_in:42")

    @worklists.handler("insurance.enrolment", label="国保加入の確認")   # in the app's worklist_handlers.py
    def enrol(item): ...                                              # runs on accept, in the decision's transaction

    worklists.decide(item_id, accept=True, note="")

Screens at /worklists/, API at /api/v1/worklists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lgcloud.platform.worklists.catalog import handler, register_queue

if TYPE_CHECKING:
    from lgcloud.platform.worklists.models import WorkItem

__all__ = ["WorkItem", "decide", "handler", "raise_item", "raise_items", "register_queue", "resolve"]


def __getattr__(name: str) -> Any:
    if name == "WorkItem":  # the model, once the apps are loaded
        from lgcloud.platform.worklists.models import WorkItem

        return WorkItem
    raise AttributeError(name)


def raise_item(queue: str, **kwargs: Any) -> WorkItem:
    from lgcloud.platform.worklists.services import raise_item as _raise

    return _raise(queue, **kwargs)


def raise_items(queue: str, items: list[dict[str, Any]]) -> int:
    from lgcloud.platform.worklists.services import raise_items as _raise_items

    return _raise_items(queue, items)


def decide(item_id: int, accept: bool, note: str = "") -> WorkItem:
    from lgcloud.platform.worklists.services import decide as _decide

    return _decide(item_id, accept, note)


def resolve(queue: str, dedupe_key: str, **kwargs: Any) -> WorkItem | None:
    from lgcloud.platform.worklists.services import resolve as _resolve

    return _resolve(queue, dedupe_key, **kwargs)
