"""Web shell: login, two-factor, home per role, secretariat and administrator pages.

Views parse input, call one service and render; the work is in the services.
"""

from __future__ import annotations

import io
import sys

import qrcode
import qrcode.image.svg
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lgcloud.platform.accounts import services as accounts
from lgcloud.platform.accounts.middleware import SESSION_KEY
from lgcloud.platform.accounts.roles import BUSINESS_AREAS, Cap
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.audit.services import chain_of
from lgcloud.platform.audit.verifying import verify_chain
from lgcloud.platform.common.errors import LgcloudError, PermissionDenied
from lgcloud.platform.common.wareki import fiscal_year_of, format_fiscal_year, format_wareki
from lgcloud.platform.params import services as params
from lgcloud.platform.params.models import Override, Parameter
from lgcloud.platform.tenancy.models import Group, Municipality
from lgcloud.platform.tenancy.services import join_member
from lgcloud.platform.web.decorators import require_cap, staff
from lgcloud.platform.web.forms import JoinMemberForm, LoginForm, OverrideForm, TotpForm
from lgcloud.platform.web.middleware import database_unavailable


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            staff = accounts.check_password_login(form.cleaned_data["username"], form.cleaned_data["password"],
                                                  address=request.META.get("REMOTE_ADDR", ""))
        except LgcloudError as e:
            error = e.message
        else:
            login(request, staff, backend="lgcloud.platform.accounts.backends.StaffBackend")
            request.session[SESSION_KEY] = not staff.needs_two_factor
            return redirect("home")
    status = 401 if error else 200
    return render(request, "web/login.html", {"form": form, "error": error}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if staff(request).totp_enabled:
        return redirect("two_factor_verify")
    uri = accounts.start_totp_enrolment(staff(request))
    return _two_factor(request, "web/two_factor_setup.html", {"uri": uri, "secret": staff(request).totp_secret})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if not staff(request).totp_enabled:
        return redirect("two_factor_setup")
    return _two_factor(request, "web/two_factor_verify.html", {})


def _two_factor(request: HttpRequest, template: str, extra: dict) -> HttpResponse:
    form = TotpForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            accounts.verify_totp(staff(request), form.cleaned_data["code"])
        except LgcloudError as e:
            error = e.message
        else:
            request.session.cycle_key()
            request.session[SESSION_KEY] = True
            return redirect("home")
    return render(request, template, {"form": form, "error": error, **extra}, status=400 if error else 200)


@login_required
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    if staff(request).totp_enabled:
        return HttpResponse(status=404)
    uri = accounts.start_totp_enrolment(staff(request))
    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    today = timezone.localdate()
    return render(
        request,
        "web/home.html",
        {
            "areas": BUSINESS_AREAS.get(user.role, []),
            "today_wareki": format_wareki(today),
            "fiscal_year_label": format_fiscal_year(fiscal_year_of(today)),
        },
    )


def _secretariat_group(request: HttpRequest) -> Group:
    group = staff(request).group
    if group is None:
        raise PermissionDenied("グループに所属していないため、この画面は利用できません。")
    return group


def _own_municipality(request: HttpRequest) -> Municipality:
    municipality = staff(request).municipality
    if municipality is None:
        raise PermissionDenied("団体に所属していないため、この画面は利用できません。")
    return municipality


@require_cap(Cap.GROUP_MANAGE)
def group_members(request: HttpRequest) -> HttpResponse:
    group = _secretariat_group(request)
    memberships = group.memberships.select_related("municipality").order_by("municipality__code")
    rows = [
        {
            "m": ms.municipality,
            "joined": format_wareki(ms.joined_on),
            "left": format_wareki(ms.left_on),
            "active": ms.left_on is None or ms.left_on > timezone.localdate(),
            "later": ms.is_later_member,
        }
        for ms in memberships
    ]
    total = sum((ms.municipality.population or 0) for ms, r in zip(memberships, rows, strict=True) if r["active"])
    return render(request, "web/group_members.html", {"group": group, "rows": rows, "total_population": total})


@require_cap(Cap.GROUP_MANAGE)
@require_http_methods(["GET", "POST"])
def join_member_view(request: HttpRequest) -> HttpResponse:
    group = _secretariat_group(request)
    form = JoinMemberForm(request.POST or None)
    result = None
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            result = join_member(
                group, form.cleaned_data["code"], joined_on=form.cleaned_data["joined_on"],
                population=form.cleaned_data.get("population"),
            )
        except LgcloudError as e:
            error = e.message
            form.add_error("code" if e.field == "municipality_code" else None, e.message)
    status = 400 if (request.method == "POST" and result is None) else 200
    return render(request, "web/join_member.html", {"group": group, "form": form, "result": result, "error": error},
                  status=status)


def _fiscal_year(request: HttpRequest) -> int:
    raw = request.GET.get("fy", "")
    if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return fiscal_year_of(timezone.localdate())


@require_cap(Cap.GROUP_REPORTS)
def deviation_report(request: HttpRequest) -> HttpResponse:
    fy = _fiscal_year(request)
    show_all = request.GET.get("all") == "1"
    report = params.deviation_report(_secretariat_group(request), fy, all_parameters=show_all)
    years = list(range(fy - 2, fy + 2))
    return render(
        request,
        "web/deviation_report.html",
        {"report": report, "fy": fy, "fy_label": format_fiscal_year(fy), "show_all": show_all,
         "years": [(y, format_fiscal_year(y)) for y in years]},
    )


@require_cap(Cap.PARAMS_OVERRIDE)
@require_http_methods(["GET", "POST"])
def municipality_parameters(request: HttpRequest) -> HttpResponse:
    municipality = _own_municipality(request)
    fy = _fiscal_year(request)
    error_for: dict[str, str] = {}
    if request.method == "POST":
        form = OverrideForm(request.POST)
        if form.is_valid():
            fy = form.cleaned_data["fiscal_year"]
            try:
                if request.POST.get("remove"):
                    params.remove_override(municipality, form.cleaned_data["name"], fy)
                else:
                    params.set_override(municipality, form.cleaned_data["name"], fy, form.cleaned_data["value"],
                                        form.cleaned_data.get("reason") or "")
            except LgcloudError as e:
                error_for[form.cleaned_data["name"]] = e.message
            else:
                return redirect(f"{request.path}?fy={fy}")
        else:
            error_for[request.POST.get("name", "")] = "設定値を入力してください。"
    overrides = {o.parameter_id: o for o in Override.objects.filter(municipality=municipality, fiscal_year=fy)}
    rows = []
    for param in Parameter.objects.all():
        o = overrides.get(param.pk)
        try:
            std = params.standard_raw(param, fy)
            rows.append({
                "p": param, "standard": params.format_value(param, std),
                "override": params.format_value(param, o.value) if o else None, "raw": o.value if o else std,
                "error": error_for.get(param.name),
            })
        except (LgcloudError, ArithmeticError, ValueError) as e:  # listed with what is wrong, never left out
            problem = e.message if isinstance(e, LgcloudError) else f"値を表示できません（{e}）"
            rows.append({"p": param, "standard": f"（{problem}）", "raw": o.value if o else "",
                         "override": o.value if o else None, "error": error_for.get(param.name)})
    return render(request, "web/municipality_parameters.html",
                  {"rows": rows, "fy": fy, "fy_label": format_fiscal_year(fy)}, status=400 if error_for else 200)


@require_cap(Cap.AUDIT_VIEW)
def municipality_audit(request: HttpRequest) -> HttpResponse:
    municipality = _own_municipality(request)
    chain = chain_of(municipality)
    records = AuditRecord.objects.filter(chain=chain).order_by("-id")[:100]
    verification = verify_chain(chain) if request.GET.get("verify") == "1" else None
    return render(request, "web/audit.html", {"records": records, "verification": verification})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"title": "ページが見つかりません",
                  "message": "お探しのページは見つかりませんでした。URLをご確認ください。"}, status=404)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"title": "アクセスできません",
                  "message": "この操作を行う権限がありません。"}, status=403)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"title": "リクエストが正しくありません",
                  "message": "入力内容をご確認ください。"}, status=400)


def error_500(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # The database failed in a middleware (session, login) before any view ran.
        return database_unavailable(request)
    return render(request, "web/error.html", {"title": "システムエラー",
                  "message": "処理中にエラーが発生しました。時間をおいて再度お試しください。"}, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "web/error.html", {"title": "画面の有効期限が切れました",
                  "message": "もう一度画面を開き直してから操作してください。"}, status=403)
