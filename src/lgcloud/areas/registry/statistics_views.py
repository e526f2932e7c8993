"""住民統計 pages: the resident-register figures as of a date and the movements in a period, each table
downloadable as CSV. Aggregates only (no names); reading them is audited as registry.statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from lgcloud.areas.registry import statistics
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.web.decorators import require_cap

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"invalid": "日付は YYYY-MM-DD の形式で入力してください。"})


class StatisticsForm(forms.Form):
    on = _date_field("基準日")
    start = _date_field("期間の初日")
    end = _date_field("期間の末日")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        data["on"] = data.get("on") or today
        data["end"] = data.get("end") or today
        data["start"] = data.get("start") or data["end"].replace(month=1, day=1)
        for name, label in (("on", "基準日"), ("start", "期間の初日"), ("end", "期間の末日")):
            if not EARLIEST <= data[name] <= LATEST:
                self.add_error(name, f"{label}は{format_wareki(EARLIEST)}から{format_wareki(LATEST)}までの日付にしてください。")
        if data["start"] > data["end"]:
            self.add_error("start", "期間の初日は末日以前の日付にしてください。")
        return data


def _read(request: HttpRequest, only: str | None = None) -> tuple[StatisticsForm, list[statistics.Table]]:
    form = StatisticsForm(request.GET)
    if not form.is_valid():
        return form, []
    d = form.cleaned_data
    with transaction.atomic():
        tables = statistics.tables(d["on"], d["start"], d["end"], only=only)
        audit.record("registry.statistics", object_type="統計", object_id=only or "all", purpose="住民統計の閲覧",
                     detail={"tables": [t.key for t in tables], "on": d["on"].isoformat(),
                             "start": d["start"].isoformat(), "end": d["end"].isoformat(),
                             "format": "csv" if only else "html"})
    return form, tables


def _cells(rows: list[list[statistics.Cell]]) -> list[tuple[str, list[str]]]:
    return [(str(r[0]), [f"{v:,}" if isinstance(v, int) else str(v) for v in r[1:]]) for r in rows]


def _query(form: StatisticsForm) -> str:
    d = form.cleaned_data
    return urlencode({k: d[k].isoformat() for k in ("on", "start", "end")})


@require_cap(Cap.REGISTRY_VIEW)
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    form, tables = _read(request)
    query = _query(form) if not form.errors else ""
    shown = [{"t": t, "body": _cells(t.rows), "foot": _cells(t.foot),
              "csv_url": f"{reverse('registry_statistics_csv', args=[t.key])}?{query}"} for t in tables]
    context: dict[str, Any] = {"form": form, "tables": shown}
    if not form.errors:
        d = form.cleaned_data
        context.update(on=format_wareki(d["on"]), start=format_wareki(d["start"]), end=format_wareki(d["end"]))
    return render(request, "registry/statistics.html", context, status=400 if form.errors else 200)


@require_cap(Cap.REGISTRY_VIEW)
@require_safe
def csv_download(request: HttpRequest, table: str) -> HttpResponse:
    if table not in statistics.TABLE_KEYS:
        raise Http404
    form, tables = _read(request, only=table)
    if form.errors:
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    t = tables[0]
    d = form.cleaned_data
    stamp = d["on"] if table != "movements" else d["end"]
    filename = f"{t.key}_{stamp:%Y%m%d}.csv"
    label = f"{t.caption}.csv".replace("/", "・")
    response = HttpResponse(t.csv_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(label)}"
    return response
