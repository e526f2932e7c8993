"""全国状況: public pages and downloads of the nationwide 自治体クラウド data. No login, no personal data."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lgcloud.group.nationwide import data

CSV_HEADER = ("都道府県", "グループ名", "開始年度", "構成団体コード", "構成団体数", "人口（2015年1月1日）")
DOWNLOAD_NAME = "lgcloud-cloud-groups-2016"


def _common() -> dict[str, Any]:
    computed, published = data.totals(), data.published_totals()
    return {"totals": computed, "published": published, "source": data.source(),
            "population_date": data.POPULATION_DATE,
            "population_disagrees": computed.population != published.population,
            "population_gap": computed.population - published.population}


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    adoption = data.adoption()
    first, last = adoption.points[0], adoption.points[-1]
    return render(request, "nationwide/index.html", {
        **_common(), "adoption": adoption,
        "cloudified_increase": last.cloudified - first.cloudified,
        "planned_increase": last.cloudified_or_planned - first.cloudified_or_planned,
        "cases": data.case_studies(),
    })


@require_safe
def group_list(request: HttpRequest) -> HttpResponse:
    return render(request, "nationwide/groups.html", {**_common(), "groups": data.groups()})


@require_safe
def prefecture_list(request: HttpRequest) -> HttpResponse:
    return render(request, "nationwide/prefectures.html", {
        **_common(), "rows": data.counts_by_prefecture(), "member_rows": data.members_by_prefecture(),
        "spanning": [g for g in data.groups() if g.spans_prefectures],
    })


@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    return render(request, "nationwide/cases.html", {"source": data.source(), "cases": data.case_studies(),
                                                     "population_date": data.POPULATION_DATE})


def export_rows() -> list[dict[str, Any]]:
    """One object per group, as published in groups.json (blank group names stay blank)."""
    return [
        {"prefecture": g.prefecture, "name": g.name, "start_fiscal_year": g.start_fiscal_year,
         "member_codes": g.member_codes, "member_count": g.member_count, "population": g.population}
        for g in data.groups()
    ]


@require_safe
def groups_csv(request: HttpRequest) -> HttpResponse:
    buf = io.StringIO()
    buf.write("\ufeff")  # BOM: Excel reads UTF-8 without mojibake only with it
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER)
    for r in export_rows():
        writer.writerow([r["prefecture"], r["name"], r["start_fiscal_year"], ";".join(r["member_codes"]),
                         r["member_count"], r["population"]])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{DOWNLOAD_NAME}.csv"'
    return response


@require_safe
def groups_json(request: HttpRequest) -> HttpResponse:
    body = json.dumps(export_rows(), ensure_ascii=False)
    return HttpResponse(body, content_type="application/json; charset=utf-8")
