"""証明書の交付の画面: choose kind, members, layout and items, requester and purpose → preview → issue →
download. The checks (抑止・支援措置, the protected-from requester) are certificates.issue_certificate's."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_safe

from lgcloud.areas.registry import approvals, certificates, display, reading
from lgcloud.areas.registry.forms import CertificateForm, RedownloadForm
from lgcloud.areas.registry.models import Certificate, ResidentType
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.areas.registry.views import require_any
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, NotFound, ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.context import require_municipality
from lgcloud.platform.web.decorators import staff

PREVIEW_SESSION = "registry_certificate_preview"
ISSUED_SESSION = "registry_just_issued"
FIRST_OUTPUT = "交付時の出力"
# The service's field names → this form's.
FIELD_NAMES = {
    "requester.name": "requester_name", "requester.relationship": "requester_relationship",
    "requester.birth_date": "requester_birth_date", "requester.principal": "principal_name",
    "requester.principal.birth_date": "principal_birth_date", "household_no": "members",
}


def _target(request: HttpRequest) -> tuple[int | None, int | None]:
    source = request.POST if request.method == "POST" else request.GET
    found = []
    for name, label in (("person_no", "宛名番号"), ("household_no", "世帯番号")):
        raw = str(source.get(name) or "").strip()
        if raw and not raw.isdigit():
            raise ValidationFailed(f"{label}は数字で入力してください。", field=f"ctx_{name}")
        found.append(int(raw) if raw else None)
    if found[0] is None and found[1] is None:
        raise ValidationFailed("証明する人の宛名番号か世帯番号を入力してください。", field="ctx_person_no")
    return found[0], found[1]


def _kwargs(form: CertificateForm, person_no: int | None, household_no: int | None) -> dict[str, Any]:
    def iso(name: str, label: str) -> str | None:
        day = reading.parse_date(form.raw(name), name, label)
        return day.isoformat() if day else None

    requester: dict[str, Any] = {
        "name": form.raw("requester_name"), "kana": form.raw("requester_kana"),
        "birth_date": iso("requester_birth_date", "請求者の生年月日"), "person_no": form.raw("requester_person_no") or None,
        "relationship": form.raw("requester_relationship"),
    }
    if form.raw("principal_name"):
        requester["principal"] = {"name": form.raw("principal_name"),
                                  "birth_date": iso("principal_birth_date", "委任者の生年月日")}
    if requester["person_no"] is not None and not str(requester["person_no"]).isdigit():
        raise ValidationFailed("請求者の宛名番号は数字で入力してください。", field="requester_person_no")
    return {
        "kind": form.raw("kind"), "layout": form.raw("layout"),
        "person_nos": [person_no] if household_no is None else None, "household_no": household_no,
        "members": [int(n) for n in form.raw_list("members") if n.isdigit()] if household_no is not None else None,
        "options": {key: form.flag(f"option_{key}") for key in certificates.OPTION_LABELS},
        "requester": requester, "purpose": form.raw("purpose"), "as_of": iso("as_of", "記載内容の基準日"),
    }


def _fee() -> int:
    today = timezone.localdate()
    return int(params.value(certificates.FEE_PARAMETER, fiscal_year_of(today), require_municipality()))


def _remember_issued(request: HttpRequest, issue_no: int) -> None:
    request.session[ISSUED_SESSION] = [*request.session.get(ISSUED_SESSION, [])[-9:], issue_no]


@require_any(Cap.CERTIFICATE_ISSUE, Cap.REGISTRY_PREPARE)
@require_http_methods(["GET", "POST"])
def certificate_new(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    try:
        person_no, household_no = _target(request)
    except ValidationFailed as e:
        quiet = request.method == "GET" and not request.GET
        return render(request, "registry/certificate_lookup.html", {"error": "" if quiet else e.message},
                      status=200 if quiet else 400)
    purpose = "証明書の交付"
    members: list[tuple[int, str]] = []
    foreign = False
    subject = ""
    if household_no is not None:
        hh = reading.open_household(household_no, acknowledge_alerts=True, purpose=purpose)
        members = [(m["person_no"], f"{display.name_text(m)}（{m['relationship']}・宛名番号 {m['person_no']}）")
                   for m in hh.members]
        foreign = any(m["resident_type"] == ResidentType.FOREIGN for m in hh.members)
        subject, alerts = f"世帯番号 {household_no}（{len(members)}人）", hh.alerts
    else:
        pf = reading.open_person(person_no or 0, acknowledge_alerts=True, purpose=purpose)
        foreign = pf.person.resident_type == ResidentType.FOREIGN
        subject, alerts = f"{display.name_text(reading.current_state(pf.person))}（宛名番号 {person_no}）", pf.alerts
    data = request.POST if request.method == "POST" else None
    initial = {"layout": "household" if household_no is not None else "single"}
    form = CertificateForm(data, members=members, foreign=foreign, initial=initial)
    can_issue = user.has_cap(Cap.CERTIFICATE_ISSUE)
    status, error, alerts_now, preview = 200, "", [], ""
    action = request.POST.get("action") or ("issue" if can_issue else "prepare")
    acknowledged = request.POST.get("acknowledge_alerts") == "1" or action.endswith("_ack")
    action = action.removesuffix("_ack")
    if request.method == "POST":
        try:
            kwargs = _kwargs(form, person_no, household_no)
            if not can_issue or action == "prepare":
                prepared = approvals.prepare("issue_certificate", kwargs)
                messages.success(request, f"証明書の交付を受付しました（受付番号 {prepared.pk}）。職員の承認で交付されます。")
                return redirect("registry:approvals")
            if action == "preview":
                pdf = certificates.preview_certificate(**kwargs, acknowledge_alerts=acknowledged)
                preview = secrets.token_urlsafe(16)
                request.session[PREVIEW_SESSION] = {"token": preview, "pdf": base64.b64encode(pdf).decode()}
            else:
                certificate, _pdf = certificates.issue_certificate(**kwargs, acknowledge_alerts=acknowledged)
                _remember_issued(request, certificate.issue_no)
                messages.success(request, f"{certificate.get_kind_display()}を交付しました（発行番号 {certificate.issue_no}）。")
                return redirect("registry:certificate", issue_no=certificate.issue_no)
        except RestrictionAlert as e:
            status, alerts_now = 409, e.alerts
        except LgcloudError as e:
            status = e.status_code
            if not form.show_error(FIELD_NAMES.get(e.field or "", e.field), e.message):
                error = e.message
    return render(request, "registry/certificate_new.html", {
        "form": form, "subject": subject, "person_no": person_no, "household_no": household_no,
        "members": members, "foreign": foreign, "fee": _fee(), "context_alerts": alerts, "alerts": alerts_now,
        "acknowledged": acknowledged and not alerts_now, "error": error, "preview": preview, "can_issue": can_issue,
        "can_prepare": user.has_cap(Cap.REGISTRY_PREPARE), "action": action,
    }, status=status)


@require_any(Cap.CERTIFICATE_ISSUE)
@require_safe
@xframe_options_sameorigin
def certificate_preview(request: HttpRequest, token: str) -> HttpResponse:
    stored = request.session.get(PREVIEW_SESSION) or {}
    if not token or stored.get("token") != token:
        raise Http404
    response = HttpResponse(base64.b64decode(stored["pdf"]), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="preview.pdf"'
    # Framed by our own page only (the site's policy forbids any framing).
    response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response


def _certificate(issue_no: int) -> Certificate:
    certificate = Certificate.objects.filter(issue_no=issue_no).first()
    if certificate is None:
        raise NotFound(f"発行番号 {issue_no} の証明書はありません。")
    return certificate


@require_any(Cap.CERTIFICATE_ISSUE)
@require_safe
def certificate_detail(request: HttpRequest, issue_no: int) -> HttpResponse:
    with transaction.atomic():
        certificate = _certificate(issue_no)
        audit.record("registry.certificate_viewed", obj=certificate, purpose="交付記録の確認",
                     detail={"issue_no": issue_no})
    code = certificate.verification_code
    return render(request, "registry/certificate.html", {
        "c": certificate, "code": certificates.format_code(code), "verify_path": reverse("verify:document", args=[code]),
        "verify_url": certificates.verification_url(code),
        "just_issued": issue_no in request.session.get(ISSUED_SESSION, []),
        "options": [certificates.OPTION_LABELS[k] for k, v in certificate.options.items() if v],
    })


@require_any(Cap.CERTIFICATE_ISSUE)
@require_http_methods(["GET", "POST"])
def certificate_download(request: HttpRequest, issue_no: int) -> HttpResponse:
    """The issued PDF: right after issuing it, once; later only with a reason (再出力)."""
    just_issued = issue_no in request.session.get(ISSUED_SESSION, [])
    if request.method == "GET" and not just_issued:
        _certificate(issue_no)
        return render(request, "registry/certificate_redownload.html", {"form": RedownloadForm(), "issue_no": issue_no})
    form = RedownloadForm(request.POST or None)
    try:
        purpose = FIRST_OUTPUT if request.method == "GET" else form.raw("purpose")
        certificate, pdf = certificates.certificate_pdf(issue_no, purpose=purpose)
    except ValidationFailed as e:
        form.show_error(e.field, e.message)
        return render(request, "registry/certificate_redownload.html", {"form": form, "issue_no": issue_no},
                      status=400)
    if request.method == "GET":
        request.session[ISSUED_SESSION] = [n for n in request.session.get(ISSUED_SESSION, []) if n != issue_no]
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.issue_no}.pdf"'
    return response
