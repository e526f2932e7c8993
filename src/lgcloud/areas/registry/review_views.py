"""住民記録の画面: a requester who matches the protected-from person only partly waits here for a second clerk
with the lift permission (offender.decide)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from lgcloud.areas.registry import offender
from lgcloud.areas.registry.views import require_any
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError


@require_any(Cap.RESTRICTION_LIFT)
@require_safe
def review_list(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/offender_reviews.html", {"reviews": offender.pending_reviews()})


@require_any(Cap.RESTRICTION_LIFT)
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    is_offender = request.POST.get("decision") == "offender"
    try:
        offender.decide(pk, offender=is_offender, note=request.POST.get("note", ""))
    except LgcloudError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "加害者とされる者と判断しました（交付・回答しません）。" if is_offender
                         else "加害者ではないと判断しました。同じ請求を受付の職員がもう一度行えます。")
    return redirect("registry:offender_reviews")
