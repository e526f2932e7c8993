"""固定資産税の画面 (read: Cap.TAXATION_VIEW; issue and change: Cap.TAXATION): owners, the 名寄帳 with the
assessment and its breakdown, and at the counter the 評価証明書 and 名寄帳の写し."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lgcloud.areas.registry import public
from lgcloud.areas.taxation import certificates, property_certificates, property_entry, property_ledger
from lgcloud.areas.taxation.property_models import Building, LandParcel, ResidentialKind
from lgcloud.areas.taxation.views import _fiscal_year, pdf_response, requester_of
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
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
        "certificates": [(k, v[1]) for k, v in property_certificates.CERTIFICATES.items()],
        "residential_kinds": ResidentialKind.choices}, status=status)


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


WHAT = {"land": "土地", "building": "家屋"}


@require_POST
@require_cap(Cap.TAXATION)
def property_add(request: HttpRequest, owner_id: int, what: str) -> HttpResponse:
    if what not in WHAT:
        raise NotFound("その種類はありません。")
    fy = _fiscal_year(request)
    back = reverse("taxation:property_owner", kwargs={"owner_id": owner_id}) + f"?fy={fy}"
    try:
        property_entry.add(what, fy, owner_id, request.POST)
    except ValidationFailed as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"{WHAT[what]}を登録し、固定資産税を再計算しました。")
    return HttpResponseRedirect(back)


@require_cap(Cap.TAXATION_VIEW)
def property_object(request: HttpRequest, what: str, object_id: int) -> HttpResponse:
    if what not in WHAT:
        raise NotFound("その種類はありません。")
    model = LandParcel if what == "land" else Building
    obj = model.objects.filter(pk=object_id).first()
    if obj is None:
        raise NotFound(f"{WHAT[what]}が見つかりません。")
    error, status = "", 200
    if request.method == "POST":
        if not staff(request).has_cap(Cap.TAXATION):
            raise PermissionDenied("この操作を行う権限がありません。")
        try:
            property_entry.change(what, object_id, request.POST)
        except ValidationFailed as e:
            error, status = e.message, 400
        else:
            messages.success(request, f"{WHAT[what]}を変更し、固定資産税を再計算しました。")
            return HttpResponseRedirect(reverse("taxation:property_object", kwargs={"what": what,
                                                                                    "object_id": object_id}))
        obj.refresh_from_db()
    audit.record("taxation.property_read", obj=obj, purpose="固定資産課税台帳の照会")
    owners = [(o.owner, o.share_numerator, o.share_denominator) for o in obj.ownerships.select_related("owner")]
    return render(request, "taxation/property_object.html", {
        "what": what, "label": WHAT[what], "obj": obj, "owners": owners, "history": property_ledger.history(obj),
        "can_change": staff(request).has_cap(Cap.TAXATION), "error": error,
        "residential_kinds": ResidentialKind.choices}, status=status)
