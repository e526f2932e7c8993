"""処理待ち一覧の画面: the list (filters by queue and status), an item, and its decision with a note."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.web.decorators import require_cap
from lgcloud.platform.worklists import catalog, services
from lgcloud.platform.worklists.models import ItemStatus

STATUS_CHOICES = [("open", "未処理"), ("accepted", "承認済み"), ("rejected", "却下済み"), ("", "すべて")]


@require_cap(Cap.PERSONAL_DATA)
def item_list(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue", "")
    status = request.GET.get("status", ItemStatus.OPEN)
    error = ""
    try:
        listing = services.list_items(queue=queue, status=status)
    except LgcloudError as e:
        listing, error = services.Listing([], False), e.message
    counts = services.counts()
    queues = sorted(set(counts) | ({queue} if queue else set()))
    return render(request, "worklists/list.html", {
        "listing": listing, "error": error, "queue": queue, "status": status,
        "queues": [(q, catalog.label(q), counts.get(q, 0)) for q in queues],
        "status_choices": STATUS_CHOICES, "labels": {q: catalog.label(q) for q in queues},
    })


@require_cap(Cap.PERSONAL_DATA)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = services.get_item(pk)
    return render(request, "worklists/detail.html", {"item": item, "queue_label": catalog.label(item.queue)})


@require_POST
@require_cap(Cap.PERSONAL_DATA)
def item_decide(request: HttpRequest, pk: int) -> HttpResponse:
    accept = request.POST.get("decision") == "accept"
    try:
        item = services.decide(pk, accept, request.POST.get("note", ""))
    except LgcloudError as e:
        e.settle()
        if e.status_code in (403, 404):
            raise
        messages.error(request, e.message)
        return redirect("worklists:detail", pk=pk)
    verb = "承認しました" if accept else "却下しました"
    messages.success(request, f"「{item.title}」を{verb}。{item.outcome}")
    return redirect("worklists:list")
