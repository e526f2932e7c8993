"""住民記録の画面: the inbox of moves between members (and the 転入 from a 転出証明書 CSV), and the approval
queue of the counter contractor's entries."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lgcloud.areas.registry import approvals, crypto, display, reading, transfer
from lgcloud.areas.registry.forms import (
    RejectForm,
)
from lgcloud.areas.registry.models import (
    Certificate,
)
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.areas.registry.views import require_any
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError, ValidationFailed
from lgcloud.platform.web.decorators import staff


@require_any(Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    certificates, notices = transfer.inbox()
    rows = []
    for m in certificates:
        persons = [{"name": display.name_text(p), "kana": display.kana_text(p), "birth": display.birth_text(p),
                    "sex": display.value_text("sex", p), "relationship": p.get("relationship", "")}
                   for p in m.payload.get("persons", [])]
        rows.append({"m": m, "persons": persons, "planned_on": display.wareki(reading.parse_date(
            m.payload.get("planned_on"))), "destination": m.payload.get("destination", "")})
    return render(request, "registry/inbox.html", {
        "rows": rows, "notices": notices, "can_process": staff(request).has_cap(Cap.REGISTRY_CHANGE),
        "notice_alerts": request.session.pop("registry_notice_alerts", None) if notices else None,
    })


@require_any(Cap.REGISTRY_CHANGE)
@require_POST
def process_notices(request: HttpRequest) -> HttpResponse:
    try:
        count = transfer.process_move_in_notices(acknowledge_alerts=request.POST.get("acknowledge_alerts") == "1")
    except RestrictionAlert as e:  # a warning 抑止 or a 支援措置: the clerk acknowledges it here and goes on
        request.session["registry_notice_alerts"] = e.alerts
        messages.warning(request, "転入通知の処理の前に確認が必要です。内容を確認して、確認済みとして処理してください。")
    except LgcloudError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"転入通知を処理し、{count}人の転出を確定しました。" if count
                         else "処理する転入通知はありませんでした。")
    return redirect("registry:inbox")



PAYLOAD_LABELS = {
    "persons": "転入する人", "address": "住所", "effective_on": "異動日", "notified_on": "届出日",
    "previous_address": "転入前住所", "household_no": "世帯番号", "kind": "種別", "reason": "事由・備考",
    "person_nos": "対象者（宛名番号）", "person_no": "宛名番号", "destination": "転出先", "destination_code": "転出先団体コード",
    "new_head_person_no": "新しい世帯主", "relationships": "続柄", "remaining_head_person_no": "残る世帯の世帯主",
    "remaining_relationships": "残る世帯員の続柄", "from_household_no": "合併元の世帯番号",
    "into_household_no": "合併先の世帯番号", "child": "出生した子", "mother_person_no": "母", "death_date": "死亡日",
    "death_date_precision": "死亡日の精度", "message_id": "転出証明書情報", "re_move_in": "再転入する人",
    "family_name": "氏", "given_name": "名", "family_name_kana": "氏（フリガナ）", "given_name_kana": "名（フリガナ）",
    "birth_date": "生年月日", "sex": "性別", "relationship": "続柄", "address_extra": "方書", "members": "世帯員",
    "layout": "様式", "options": "記載事項", "requester": "請求者", "purpose": "使用目的", "name": "氏名",
    "as_of": "基準日", "individual_number": "個人番号", "registered_domicile": "本籍", "domicile_head": "筆頭者",
}


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A prepared entry's payload as (item, value) lines for the approving clerk."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            label = PAYLOAD_LABELS.get(str(k), str(k))
            out += _flatten(v, f"{prefix} {label}".strip())
        return out
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return [(prefix, "、".join(str(v) for v in value))]
        out = []
        for i, v in enumerate(value, start=1):
            out += _flatten(v, f"{prefix} {i}人目".strip())
        return out
    if value in (None, "", {}):
        return []
    if str(prefix).endswith("個人番号"):
        value = crypto.mask(str(value))
    return [(prefix, str(value))]


def _approvals_page(request: HttpRequest, *, status: int = 200, focus: int | None = None, alerts: list[str] | None = None,
                    error: str = "", reject_form: RejectForm | None = None) -> HttpResponse:
    user = staff(request)
    pending = approvals.pending_shown()
    rows = [{"r": r, "label": approvals.operation_label(r.operation), "lines": _flatten(r.payload),
             "alerts": alerts if r.pk == focus else None, "error": error if r.pk == focus else "",
             "reject_form": reject_form if (reject_form is not None and r.pk == focus) else RejectForm(prefix=f"r{r.pk}")}
            for r in pending]
    shown = any(r.pk == focus for r in pending)
    return render(request, "registry/approvals.html", {
        "rows": rows, "can_approve": user.has_cap(Cap.REGISTRY_APPROVE), "error": "" if shown else error,
    }, status=status)


@require_any(Cap.REGISTRY_APPROVE, Cap.REGISTRY_PREPARE)
@require_safe
def approval_list(request: HttpRequest) -> HttpResponse:
    return _approvals_page(request)


@require_any(Cap.REGISTRY_APPROVE)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        result = approvals.approve(pk, acknowledge_alerts=request.POST.get("acknowledge_alerts") == "1")
    except RestrictionAlert as e:
        return _approvals_page(request, status=409, focus=pk, alerts=e.alerts)
    except LgcloudError as e:
        return _approvals_page(request, status=e.status_code, focus=pk, error=e.message)
    if isinstance(result, tuple) and result and isinstance(result[0], Certificate):
        certificate = result[0]
        request.session.setdefault("registry_just_issued", [])
        request.session["registry_just_issued"] = [*request.session["registry_just_issued"][-9:], certificate.issue_no]
        messages.success(request, f"受付番号 {pk} を承認し、証明書を交付しました（発行番号 {certificate.issue_no}）。")
        return redirect("registry:certificate", issue_no=certificate.issue_no)
    numbers = "、".join(str(p.person_no) for p in getattr(result, "persons", []))
    messages.success(request, f"受付番号 {pk} を承認し、記録しました（宛名番号 {numbers}）。")
    return redirect("registry:approvals")


@require_any(Cap.REGISTRY_APPROVE)
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST, prefix=f"r{pk}")
    try:
        approvals.reject(pk, form.raw("reason"))
    except LgcloudError as e:
        if e.field == "reason":
            form.show_error("reason", e.message)
            return _approvals_page(request, status=e.status_code, focus=pk, reject_form=form)
        return _approvals_page(request, status=e.status_code, focus=pk, error=e.message, reject_form=form)
    messages.success(request, f"受付番号 {pk} を却下しました。")
    return redirect("registry:approvals")



@require_any(Cap.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def move_in_csv(request: HttpRequest) -> HttpResponse:
    """転入 from outside the group with the 転出証明書 data from a CSV file."""
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None or (upload.size or 0) > 1024 * 1024:
                raise ValidationFailed("転出証明書のCSVファイル（1MBまで）を選択してください。", field="file")
            result = transfer.move_in_from_certificate_csv(
                content=upload.read(),
                address={"address": request.POST.get("address", ""), "address_extra": request.POST.get("address_extra", "")},
                effective_on=request.POST.get("effective_on", ""), notified_on=request.POST.get("notified_on", ""),
                previous_address=request.POST.get("previous_address", ""),
                acknowledge_alerts=bool(request.POST.get("acknowledge_alerts")))
        except LgcloudError as e:
            error = e.message
        else:
            return redirect("registry:household", household_no=result.households[0].household_no)
    columns = "、".join(transfer.CSV_COLUMNS)
    return render(request, "registry/move_in_csv.html", {"error": error, "columns": columns},
                  status=400 if error else 200)
