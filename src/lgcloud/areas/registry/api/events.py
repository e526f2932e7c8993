"""異動 routes, one per catalogue entry: POST /events/<slug> with the entry's request body. A clerk's call goes to the
service (201), a counter contractor's into the approval queue (202) when the entry allows it."""

from __future__ import annotations

import inspect
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from lgcloud.areas.registry import catalogue
from lgcloud.areas.registry.api.common import EVENT_RESPONSES, need, record
from lgcloud.areas.registry.catalogue import Operation
from lgcloud.areas.registry.schemas import Body

router = Router()


def _route(op: Operation) -> None:
    def view(request: HttpRequest, payload: Body) -> Status[dict[str, Any]]:
        need(request, *op.capabilities)
        return record(request, op, payload)

    # ninja reads the body's schema from the signature: the entry's own.
    view.__signature__ = inspect.signature(view).replace(  # type: ignore[attr-defined]
        parameters=[inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpRequest),
                    inspect.Parameter("payload", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=op.schema)],
        return_annotation=Status[dict[str, Any]])
    view.__name__ = view.__qualname__ = op.slug
    router.post(f"/events/{op.slug}", response=EVENT_RESPONSES, summary=op.summary or op.label,
                operation_id=f"lgcloud_areas_registry_api_{op.slug}")(view)


for _op in catalogue.OPERATIONS.values():
    _route(_op)
