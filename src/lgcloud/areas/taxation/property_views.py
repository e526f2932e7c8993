"""固定資産税の画面 (read: Cap.TAXATION_VIEW; issue and change: Cap.TAXATION): owners, the 名寄帳 with the
assessment and its breakdown, and at the counter the 評価証明書 and 名寄帳の写し."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lgcloud.areas.registry import public
from lgcloud.areas.taxation import certificates, property_certificates
from lgcloud.areas.taxation.views import _fiscal_year, pdf_response, requester_of
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError, NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.web.decorators import require_cap, staff


@require_cap(Cap.TAXATION_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    fy = _fiscal_year(request)
    q = request.GET.get("q", "")
    rows, error = [], ""
    if q:
        try:
            rows = property_certificates.find_owners(q)
        except LgcloudError as e:
            error = e.message
    return render(request, "taxation/property_home.html", {"fy": fy, "q": q, "rows": rows, "error": error})


def _owner_page(request: HttpRequest, owner_id: int, *, alerts: list[str] | None = None, which: str = "",
                status: int = 200) -> HttpResponse:
    fy = _fiscal_year(request)
    file = property_certificates.open_owner(owner_id, fy)
    return render(request, "taxation/property_owner.html", {
        "file": file, "fy": fy, "can_change": staff(request).has_cap(Cap.TAXATION), "alerts": alerts or [],
        "alert_which": which, "cert": request.POST if alerts else {}, "relationships": certificates.RELATIONSHIPS,
        "certificates": [(k, v[1]) for k, v in property_certificates.CERTIFICATES.items()]}, status=status)


@require_cap(Cap.TAXATION_VIEW)
def owner(request: HttpRequest, owner_id: int) -> HttpResponse:
    return _owner_page(request, owner_id)


@require_POST
@require_cap(Cap.TAXATION)
def owner_certificate(request: HttpRequest, owner_id: int, which: str) -> HttpResponse:
    if which not in property_certificates.CERTIFICATES:
        raise NotFound("その証明書はありません。")
    fy = _fiscal_year(request)
    try:
        document, data = property_certificates.issue(which, fy, owner_id, **requester_of(request))
    except public.RestrictionAlert as e:
        return _owner_page(request, owner_id, alerts=e.alerts, which=which, status=409)
    except (ValidationFailed, PermissionDenied, NotFound) as e:
        messages.error(request, e.message)
        return HttpResponseRedirect(reverse("taxation:property_owner", kwargs={"owner_id": owner_id}) + f"?fy={fy}")
    return pdf_response(data, f"{which}-certificate-{document.number}")
