"""Cost screens (費用の見える化): dashboard, shares, what-if, formula, records, import, own costs,
fiscal support. Views parse input, call one service and render; tables are built once
(costs.exports) so each downloads as CSV or Excel exactly as shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from lgcloud.group.costs import charts, exports, figures, funding, importing, sharing, whatif
from lgcloud.group.costs import records as cost_data
from lgcloud.group.costs import savings as saving
from lgcloud.group.costs.exports import Table
from lgcloud.group.costs.forms import (
    CostRecordForm,
    FiscalSupportForm,
    FiscalYearForm,
    FormulaForm,
    ImportForm,
    PeriodForm,
    WhatIfForm,
    add_service_error,
)
from lgcloud.group.costs.models import SharingFormula
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError, NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of, format_fiscal_year
from lgcloud.platform.tenancy.models import Group, Municipality
from lgcloud.platform.web.decorators import require_cap, staff

IMPORT_SESSION_KEY = "costs_import"
DEFAULT_PERIOD = {"start": "2014", "end": "2018"}

SECRETARIAT_NAV = [
    ("costs_dashboard", "ダッシュボード"),
    ("costs_shares", "負担額"),
    ("costs_what_if", "加入・脱退の試算"),
    ("costs_formula", "負担割合の算定式"),
    ("costs_records", "費用の記録"),
    ("costs_import", "費用の取込"),
    ("costs_fiscal_support", "財政措置"),
]
ADMIN_NAV = [("costs_mine", "自団体の費用"), ("costs_fiscal_support", "財政措置")]


# --- access --------------------------------------------------------------------------------------


def _group(request: HttpRequest) -> Group:
    group = staff(request).group
    if group is None:
        raise PermissionDenied("グループに所属していないため、この画面は利用できません。")
    return group


def _own(request: HttpRequest) -> tuple[Group, Municipality]:
    municipality = staff(request).municipality
    if municipality is None:
        raise PermissionDenied("団体に所属していないため、この画面は利用できません。")
    try:
        return cost_data.group_of(municipality), municipality
    except NotFound as e:
        raise PermissionDenied(e.message) from None


def require_any_cap(*caps: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(staff(request).has_cap(c) for c in caps):
                raise PermissionDenied("この画面を利用する権限がありません。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


# --- rendering -----------------------------------------------------------------------------------


def _current_fy() -> int:
    return fiscal_year_of(timezone.localdate())


def _query(request: HttpRequest, *names: str) -> dict[str, str] | None:
    """The GET parameters of a form, or None when the form was not submitted (first visit, or a
    download of the default view)."""
    data = {n: request.GET[n] for n in names if n in request.GET}
    return data or None


def _page(request: HttpRequest, template: str, context: dict[str, Any], tables: Sequence[Table] = (),
          basename: str = "costs", status: int = 200) -> HttpResponse:
    if exports.wants_export(request):
        return exports.export(request, tables, basename)
    exports.attach_links(request, tables)
    user = staff(request)
    nav = SECRETARIAT_NAV if user.has_cap(Cap.GROUP_REPORTS) else ADMIN_NAV
    return render(request, template, {"costs_nav": nav, "tables": {t.key: t for t in tables}, **context},
                  status=status)


# --- secretariat ---------------------------------------------------------------------------------


@require_cap(Cap.GROUP_REPORTS)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    group = _group(request)
    form = PeriodForm(_query(request, "start", "end") or DEFAULT_PERIOD)
    illustrative = cost_data.is_illustrative(group)
    context: dict[str, Any] = {"group": group, "form": form, "illustrative": illustrative}
    if not form.is_valid():
        return _page(request, "costs/dashboard.html", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        s = saving.savings(group, start, end)
    except LgcloudError as e:
        add_service_error(form, e)
        return _page(request, "costs/dashboard.html", context, status=e.status_code)
    tables = exports.savings_tables(s, illustrative)
    context.update({
        "s": s,
        "period": f"{format_fiscal_year(start)}〜{format_fiscal_year(end)}",
        "reduction": figures.percent(s.reduction),
        "goal": exports.plain(figures.percent(s.goal)),
        "gap": None if s.reduction is None else figures.percent(abs(s.reduction - s.goal)),
        "baseline_total": s.baseline_per_year * s.years,
        "saved": s.baseline_per_year * s.years - s.actual_total,
        "charts": charts.dashboard(s, illustrative=illustrative),
    })
    return _page(request, "costs/dashboard.html", context, tables, f"costs-{start}-{end}")


@require_cap(Cap.GROUP_REPORTS)
@require_GET
def shares(request: HttpRequest) -> HttpResponse:
    group = _group(request)
    form = FiscalYearForm(_query(request, "fy") or {"fy": str(_current_fy())})
    context: dict[str, Any] = {"group": group, "form": form, "illustrative": cost_data.is_illustrative(group)}
    if not form.is_valid():
        return _page(request, "costs/shares.html", context, status=400)
    fy = form.cleaned_data["fy"]
    context["fy_label"] = format_fiscal_year(fy)
    try:
        data = sharing.shares_as_dict(sharing.compute_shares(group, fy))
    except LgcloudError as e:
        context["error"] = e.message
        return _page(request, "costs/shares.html", context, status=200 if isinstance(e, NotFound) else e.status_code)
    f = data["formula"]
    parts = [("均等割", f["equal"]), ("人口割", f["population"]),
             *[(sharing.part_label(f"usage:{k}"), v) for k, v in sorted(f["usage"].items())]]
    context.update({"data": data, "kinds": cost_data.group_of_kind_totals(group, fy),
                    "balanced": data["sum_of_shares"] == data["total"],
                    "formula_parts": [(label, exports.plain(Decimal(w))) for label, w in parts],
                    "exponent": exports.plain(Decimal(f["population_exponent"]))})
    return _page(request, "costs/shares.html", context, exports.shares_tables(data, context["illustrative"]),
                 f"costs-shares-{fy}")


@require_cap(Cap.GROUP_REPORTS)
@require_GET
def what_if(request: HttpRequest) -> HttpResponse:
    group = _group(request)
    fy = _current_fy()
    members = list(group.members_on(cost_data.fiscal_year_start(fy)).order_by("code"))
    query = _query(request, "fiscal_year", "join", "population", "leave")
    form = WhatIfForm(query or None, initial={"fiscal_year": fy}, members=members)
    illustrative = cost_data.is_illustrative(group)
    context: dict[str, Any] = {"group": group, "form": form, "illustrative": illustrative}
    if query is None:
        return _page(request, "costs/what_if.html", context)
    if not form.is_valid():
        return _page(request, "costs/what_if.html", context, status=400)
    try:
        comparison = whatif.what_if(group, form.cleaned_data["fiscal_year"], form.what_if())
    except LgcloudError as e:
        add_service_error(form, e)
        return _page(request, "costs/what_if.html", context, status=e.status_code)
    context.update({"c": comparison, "fy_label": format_fiscal_year(comparison.current.fiscal_year),
                    "joining": [r for r in comparison.rows if r.hypothetical],
                    "leaving": [r for r in comparison.rows if r.changed is None]})
    return _page(request, "costs/what_if.html", context, [exports.what_if_table(comparison, illustrative)],
                 f"costs-what-if-{comparison.current.fiscal_year}")


@require_cap(Cap.GROUP_REPORTS)
@require_http_methods(["GET", "POST"])
def formula(request: HttpRequest) -> HttpResponse:
    group = _group(request)
    formulas = list(SharingFormula.objects.filter(group=group).order_by("fiscal_year"))
    can_set = staff(request).has_cap(Cap.GROUP_MANAGE)
    status = 200
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied("負担割合の算定式を設定する権限がありません。")
        form = FormulaForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                saved = sharing.set_formula(
                    group, d["fiscal_year"], equal=d["equal"], population=d["population"], usage=dict(form.usage()),
                    population_exponent=d["population_exponent"], population_source=d["population_source"],
                    note=d.get("note") or "",
                )
            except LgcloudError as e:
                add_service_error(form, e)
            else:
                return redirect(f"{request.path}?saved={saved.fiscal_year}")
        status = 400
    else:
        form = FormulaForm(initial=_formula_initial(formulas[-1] if formulas else None))
    saved_raw = request.GET.get("saved", "")
    saved_label = format_fiscal_year(int(saved_raw)) if saved_raw.isascii() and saved_raw.isdigit() and \
        2000 <= int(saved_raw) <= 2100 else None
    context = {"group": group, "form": form, "can_set": can_set, "saved_label": saved_label,
               "current": formulas[-1] if formulas else None}
    return _page(request, "costs/formula.html", context, [exports.formulas_table(formulas)], "costs-formula",
                 status=status)


def _formula_initial(f: SharingFormula | None) -> dict[str, Any]:
    if f is None:
        return {"fiscal_year": _current_fy(), "population_exponent": "1"}
    initial: dict[str, Any] = {
        "fiscal_year": _current_fy(), "equal": _plain(f.equal_weight), "population": _plain(f.population_weight),
        "population_exponent": _plain(f.population_exponent), "population_source": f.population_source,
        "note": f.note,
    }
    for meter, weight in f.usage_weights.items():
        initial[f"usage_{meter}"] = weight
    return initial


def _plain(value: Any) -> str:
    return exports.plain(Decimal(value))


@require_cap(Cap.GROUP_REPORTS)
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    group = _group(request)
    totals = cost_data.year_totals(group)
    years = [t.fiscal_year for t in totals]
    form = FiscalYearForm(_query(request, "fy") or ({"fy": str(years[-1])} if years else None))
    fy = form.cleaned_data["fy"] if form.is_bound and form.is_valid() else None
    tables = [exports.year_totals_table(totals, with_shared=True)]
    if fy is not None:
        label = format_fiscal_year(fy)
        tables += [exports.records_table(list(cost_data.cost_records(group, fiscal_year=fy)),
                                         f"{label}の構成団体の費用"),
                   exports.shared_costs_table(list(cost_data.shared_costs(group, fy)), f"{label}の共同費用")]
    context = {"group": group, "form": form, "fy": fy, "fy_label": format_fiscal_year(fy) if fy else None,
               "years": [(y, format_fiscal_year(y)) for y in years], "illustrative": cost_data.is_illustrative(group)}
    status = 400 if form.is_bound and not form.is_valid() else 200
    return _page(request, "costs/records.html", context, tables, f"costs-records-{fy or 'all'}", status=status)


@require_cap(Cap.GROUP_MANAGE)
@require_http_methods(["GET", "POST"])
def import_costs(request: HttpRequest) -> HttpResponse:
    group = _group(request)
    pending = request.session.get(IMPORT_SESSION_KEY)
    context: dict[str, Any] = {"group": group, "columns": importing.COLUMNS}
    if request.method == "GET":
        done = request.GET.get("done", "")
        context.update({"form": ImportForm(), "done": int(done) if done.isascii() and done.isdigit() else None})
        errors = exports.import_errors_table([importing.RowError(*e) for e in pending["errors"]]) \
            if pending and pending.get("errors") else None
        return _page(request, "costs/import.html", context, [errors] if errors else [], "costs-import")
    if "commit" in request.POST:
        if not pending or pending.get("errors") or request.POST.get("token") != pending.get("token"):
            raise ValidationFailed("確認済みの取込データがありません。ファイルをもう一度選んで確認してください。",
                                   field="file")
        result = importing.import_costs(group, pending["rows"], entered_by=staff(request).username)
        if not result.ok:  # the data changed since the check (e.g. a member left): show why
            pending["errors"] = [[e.line, e.column, e.value, e.reason] for e in result.errors]
            request.session[IMPORT_SESSION_KEY] = pending
            context.update({"form": ImportForm(), "result": result, "filename": pending.get("filename")})
            table = exports.import_errors_table(result.errors)
            return _page(request, "costs/import.html", context, [table], "costs-import", status=400)
        del request.session[IMPORT_SESSION_KEY]
        return redirect(f"{request.path}?done={result.rows}")
    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return _page(request, "costs/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        rows = importing.read_table(upload.name, upload.read())
    except LgcloudError as e:
        add_service_error(form, e)
        return _page(request, "costs/import.html", context, status=e.status_code)
    result = importing.import_costs(group, rows, dry_run=True)
    token = uuid.uuid4().hex
    request.session[IMPORT_SESSION_KEY] = {
        "token": token, "filename": upload.name, "rows": rows if result.ok else [],
        "errors": [[e.line, e.column, e.value, e.reason] for e in result.errors],
    }
    context.update({"result": result, "token": token, "filename": upload.name, "form": ImportForm()})
    tables = [exports.import_errors_table(result.errors)] if result.errors else []
    return _page(request, "costs/import.html", context, tables, "costs-import", status=200 if result.ok else 400)


# --- municipal administrator ---------------------------------------------------------------------


@require_cap(Cap.MUNICIPALITY_ADMIN)
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    group, municipality = _own(request)
    status = 200
    if request.method == "POST":
        form = CostRecordForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                cost_data.set_cost_record(
                    group, municipality, d["fiscal_year"], phase=d["phase"], kind=d["kind"], category=d["category"],
                    amount=d["amount"], note=d.get("note") or "", entered_by=staff(request).username,
                )
            except LgcloudError as e:
                add_service_error(form, e)
            else:
                return redirect(f"{request.path}?saved=1")
        status = 400
    else:
        form = CostRecordForm(initial={"fiscal_year": _current_fy(), "phase": "actual", "kind": "running"})
    tables = [
        exports.year_totals_table(cost_data.year_totals(group, municipality), with_shared=False),
        exports.records_table(list(cost_data.cost_records(group, municipality)), f"{municipality.name}の費用の記録"),
    ]
    context = {"group": group, "municipality": municipality, "form": form, "saved": request.GET.get("saved") == "1",
               "illustrative": cost_data.is_illustrative(group, municipality)}
    return _page(request, "costs/mine.html", context, tables, f"costs-{municipality.code}", status=status)


# --- both ----------------------------------------------------------------------------------------


@require_any_cap(Cap.GROUP_REPORTS, Cap.MUNICIPALITY_ADMIN)
@require_GET
def fiscal_support(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    fy = _current_fy()
    if user.has_cap(Cap.GROUP_REPORTS):
        members: list[Municipality] | None = list(_group(request).members_on().order_by("code"))
        own = None
    else:
        members = None
        _group_of_own, own = _own(request)
    keys = ["municipality", "fiscal_year", *(k for k, _ in funding.SPECIAL_ALLOCATION_ITEMS)]
    query = _query(request, *keys)
    form = FiscalSupportForm(query, initial={"fiscal_year": fy}, members=members)
    tables = [exports.top_runner_table(funding.top_runner())]
    context: dict[str, Any] = {"form": form, "own": own}
    status = 200
    if query is not None:
        if form.is_valid():
            municipality = own or next(m for m in members or [] if m.code == form.cleaned_data["municipality"])
            try:
                estimate = funding.special_allocation(municipality, form.cleaned_data["fiscal_year"],
                                                       form.surveyed())
            except LgcloudError as e:
                add_service_error(form, e)
                status = e.status_code
            else:
                context["estimate"] = estimate
                tables.insert(0, exports.special_allocation_table(estimate))
        else:
            status = 400
    return _page(request, "costs/fiscal_support.html", context, tables, "costs-fiscal-support", status=status)
