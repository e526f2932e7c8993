"""児童手当の画面 (/welfare/): recipients (認定), payment runs with their list, the 全銀協 file and 支払通知書.
Cap.WELFARE only; every read of personal data audited."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from lgcloud.areas.registry import public
from lgcloud.areas.welfare import services
from lgcloud.areas.welfare.models import AllowanceClaim, ClaimStatus, PaymentRun
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.web.decorators import require_cap

PAGE = 100


@require_safe
@require_cap(Cap.WELFARE)
def index(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        claims = list(AllowanceClaim.objects.filter(status=ClaimStatus.ACTIVE).order_by("recipient_person_no")[:PAGE])
        names = {c.recipient_person_no: public.person(c.recipient_person_no) for c in claims}
        if claims:
            audit.record("welfare.claims_listed", object_type="AllowanceClaim",
                         object_id=",".join(str(c.pk) for c in claims), purpose="児童手当受給者の一覧")
    month = timezone.localdate().replace(day=1)
    return render(request, "welfare/index.html", {
        "claims": [(c, names.get(c.recipient_person_no)) for c in claims],
        "total": AllowanceClaim.objects.filter(status=ClaimStatus.ACTIVE).count(),
        "runs": PaymentRun.objects.all()[:12], "month": month,
    })


@require_safe
@require_cap(Cap.WELFARE)
def claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    c = AllowanceClaim.objects.filter(pk=claim_id).first()
    if c is None:
        raise Http404("この認定はありません。")
    today = timezone.localdate()
    with transaction.atomic():
        recipient = public.person(c.recipient_person_no)
        kids = list(c.children.all())
        amount = services.month_amount(c, kids, today.replace(day=1), services.allowance_parameters(today))
        audit.record("welfare.claim_viewed", obj=c, purpose="児童手当の照会")
    return render(request, "welfare/claim.html", {"c": c, "recipient": recipient, "kids": kids, "amount": amount,
                                                   "payments": c.payments.select_related("run")})


@require_safe
@require_cap(Cap.WELFARE)
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    r = PaymentRun.objects.filter(pk=run_id).first()
    if r is None:
        raise Http404("この支払処理はありません。")
    with transaction.atomic():
        rows = services.payment_list(r)
    return render(request, "welfare/run.html", {"r": r, "rows": rows})


@require_safe
@require_cap(Cap.WELFARE)
def transfer_file(request: HttpRequest, run_id: int) -> HttpResponse:
    r = PaymentRun.objects.filter(pk=run_id).first()
    if r is None:
        raise Http404("この支払処理はありません。")
    with transaction.atomic():
        audit.record("welfare.transfer_file_read", obj=r, purpose="総合振込ファイルの出力")
    response = HttpResponse(bytes(r.transfer_file), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="zengin-{r.payment_month:%Y%m}.txt"'
    return response


@require_POST
@require_cap(Cap.WELFARE)
def payment_notice(request: HttpRequest, run_id: int, claim_id: int) -> HttpResponse:
    from lgcloud.areas.welfare import documents

    try:
        data, number = documents.payment_notice(run_id, claim_id)
    except LgcloudError as e:
        messages.error(request, e.message)
        return redirect("welfare:index")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="child-allowance-notice-{number}.pdf"'
    return response
