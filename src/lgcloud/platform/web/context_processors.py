from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lgcloud.platform.accounts.roles import Cap


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    nav = [("home", "ホーム")]
    if user.has_cap(Cap.REGISTRY_VIEW):
        nav += [("registry:index", "住民記録"), ("registry:search", "住民検索"), ("registry_statistics", "住民統計")]
    if user.has_cap(Cap.REGISTRY_CHANGE) or user.has_cap(Cap.REGISTRY_PREPARE):
        nav += [("registry:events", "異動届")]
    if user.has_cap(Cap.REGISTRY_APPROVE):
        nav += [("registry:approvals", "受付承認")]
    if user.has_cap(Cap.INSURANCE):
        nav += [("insurance:index", "国民健康保険")]
    if user.has_cap(Cap.PENSION):
        nav += [("pension:index", "国民年金")]
    if user.has_cap(Cap.WELFARE):
        nav += [("welfare:index", "児童手当")]
    if user.has_cap(Cap.REVENUE_VIEW):
        nav += [("revenue:home", "収納・滞納")]
    if user.has_cap(Cap.PERSONAL_DATA):
        nav += [("worklists:list", "処理待ち一覧")]
    if user.has_cap(Cap.GROUP_MANAGE):
        nav += [("group_members", "構成団体"), ("deviation_report", "パラメータ差分")]
        nav += [("customization_comparison", "カスタマイズ要望")]
    if user.has_cap(Cap.PARAMS_OVERRIDE):
        nav += [("municipality_parameters", "パラメータ設定")]
    if user.has_cap(Cap.AUDIT_VIEW):
        nav += [("municipality_audit", "アクセスログ")]
    if user.has_cap(Cap.MUNICIPALITY_ADMIN):
        nav += [("staff_accounts", "職員・トークン"), ("interchange_export", "データ出力")]
    if user.has_cap(Cap.MUNICIPALITY_ADMIN):
        nav += [("customization_requests", "カスタマイズ要望")]
    if user.has_cap(Cap.GROUP_REPORTS):
        nav += [("costs_dashboard", "費用・負担"), ("revenue:group_rates", "収納率の比較")]
    elif user.has_cap(Cap.MUNICIPALITY_ADMIN):
        nav += [("costs_mine", "費用")]
    nav += [("password_change", "パスワード変更")]
    where = user.municipality or user.group
    return {"nav": nav, "where": str(where) if where else "プラットフォーム運用"}
