"""カスタマイズ要望 screens: a member's administrator files and follows; the secretariat compares and decides.

Views parse input, call one service and render; rules and permissions are in services.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from lgcloud.group.customization import services
from lgcloud.group.customization.forms import CommentForm, FileRequestForm, show_errors
from lgcloud.group.customization.models import DECISIONS, CustomizationRequest, Status
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.web.decorators import require_cap, staff


@require_cap(Cap.MUNICIPALITY_ADMIN)
def request_list(request: HttpRequest) -> HttpResponse:
    requests = services.visible_requests(staff(request)).order_by("-filed_at", "-pk")
    return render(request, "customization/request_list.html", {"requests": requests})


@require_cap(Cap.MUNICIPALITY_ADMIN)
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    form = FileRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        form.is_valid()  # binds the values for re-display; the service checks them
        try:
            filed = services.file_request(user, request.POST)
        except services.RequestInvalid as e:
            show_errors(form, e.errors)
            status = e.status_code
        except LgcloudError as e:
            show_errors(form, {e.field or "__all__": e.message})
            status = e.status_code
        else:
            return redirect(reverse("customization_request", args=[filed.pk]) + "?filed=1")
    topics = services.group_topics(user.municipality) if user.municipality else []
    return render(request, "customization/request_new.html", {"form": form, "topics": topics}, status=status)


def _detail(request: HttpRequest, req: CustomizationRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = staff(request)
    context = {
        "r": req,
        "comments": req.comments.all(),
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        "can_decide": user.has_cap(Cap.GROUP_MANAGE) and req.is_open,
        "parameters": services.parameter_choices(),
        "decisions": [(d, Status(d).label) for d in DECISIONS],
        "filed": request.GET.get("filed") == "1",
        "decided": request.GET.get("decided") == "1",
        **extra,
    }
    return render(request, "customization/request_detail.html", context, status=status)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, services.get_request(staff(request), pk))


@login_required
@require_POST
def request_comment(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    req = services.get_request(user, pk)
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        services.comment(req, request.POST.get("body"), by=user)
    except LgcloudError as e:
        show_errors(form, {e.field or "__all__": e.message})
        return _detail(request, req, e.status_code, comment_form=form)
    return redirect(reverse("customization_request", args=[pk]) + "#discussion")


@require_cap(Cap.GROUP_MANAGE)
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    req = services.get_request(user, pk)
    try:
        services.decide(
            req, request.POST.get("decision"), request.POST.get("note", ""), request.POST.get("standard_parameter"),
            by=user,
        )
    except LgcloudError as e:
        req.refresh_from_db()
        return _detail(request, req, e.status_code, decide_error=e.message, decide_error_field=e.field,
                       posted=request.POST)
    if request.POST.get("back") == "comparison":
        return redirect(reverse("customization_comparison") + f"?decided={pk}#req-{pk}")
    return redirect(reverse("customization_request", args=[pk]) + "?decided=1")


@require_cap(Cap.GROUP_MANAGE)
def comparison(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    table = services.comparison_for(staff(request), all_members=show_all)
    decided = request.GET.get("decided", "")
    just_decided = None
    if decided.isascii() and decided.isdigit():
        just_decided = next((r for row in table.rows for r in row.requests if r.pk == int(decided)), None)
    return render(request, "customization/comparison.html", {
        "table": table, "show_all": show_all, "parameters": services.parameter_choices(),
        "decisions": [(d, Status(d).label) for d in DECISIONS], "just_decided": just_decided,
        "columns": len(table.members) + 3,
    })


@require_cap(Cap.GROUP_REPORTS)
def statistics(request: HttpRequest) -> HttpResponse:
    stats = services.statistics_for(staff(request))
    return render(request, "customization/statistics.html", {"s": stats, "reference": services.reference_case()})
