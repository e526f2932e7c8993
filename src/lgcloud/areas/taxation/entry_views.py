"""税務の入力画面 (Cap.TAXATION): an income record one by one, a 家屋敷 taxpayer."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lgcloud.areas.taxation import entry
from lgcloud.areas.taxation.models import IncomeKind
from lgcloud.areas.taxation.views import _fiscal_year
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.web.decorators import require_cap


@require_cap(Cap.TAXATION)
def income_new(request: HttpRequest) -> HttpResponse:
    fy = _fiscal_year(request)
    error, status = "", 200
    if request.method == "POST":
        try:
            record, out = entry.enter_income(fy, request.POST)
        except ValidationFailed as e:
            error, status = e.message, 400
        else:
            if out is None:
                messages.success(request, "所得データを登録しました。住民と照合できないため処理待ち一覧に載せました"
                                 if record.person_no is None else "所得データを登録しました（1月1日の納税義務者ではありません）。")
                return redirect(f"/tax/?fy={fy}")
            messages.success(request, f"所得データを登録し、賦課しました（第{out.assessment.version}版、"
                                      f"年税額 {out.assessment.total:,}円）。")
            return redirect("taxation:taxpayer", fy=fy, person_no=out.assessment.person_no)
    return render(request, "taxation/income_new.html", {
        "fy": fy, "kinds": IncomeKind.choices, "amounts": entry.AMOUNTS, "error": error,
        "form": request.POST if request.method == "POST" else {}}, status=status)


@require_cap(Cap.TAXATION)
def residence_only_new(request: HttpRequest) -> HttpResponse:
    fy = _fiscal_year(request)
    error, status = "", 200
    if request.method == "POST":
        try:
            _taxpayer, out = entry.enter_residence_only(fy, request.POST)
        except ValidationFailed as e:
            error, status = e.message, 400
        else:
            messages.success(request, f"家屋敷の納税義務者を登録し、均等割を賦課しました（年税額 {out.assessment.total:,}円）。")
            return redirect("taxation:taxpayer", fy=fy, person_no=out.assessment.person_no)
    return render(request, "taxation/residence_only_new.html", {
        "fy": fy, "error": error, "form": request.POST if request.method == "POST" else {}}, status=status)
