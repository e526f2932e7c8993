"""Roles and what each may do. A view, API route or service asks for a capability, never a role."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    COUNTER_CLERK = "counter_clerk", "窓口職員"
    COUNTER_CONTRACTOR = "counter_contractor", "窓口業務受託者"
    TAX = "tax", "税務担当"
    COLLECTION = "collection", "収納・滞納担当"
    INSURANCE = "insurance", "国民健康保険担当"
    PENSION = "pension", "国民年金担当"
    WELFARE = "welfare", "福祉担当"
    MUNICIPAL_ADMIN = "municipal_admin", "団体管理者"
    GROUP_SECRETARIAT = "group_secretariat", "協議会事務局"
    OPERATOR = "operator", "運用者"


MUNICIPAL_ROLES = frozenset(
    {
        Role.COUNTER_CLERK,
        Role.COUNTER_CONTRACTOR,
        Role.TAX,
        Role.COLLECTION,
        Role.INSURANCE,
        Role.PENSION,
        Role.WELFARE,
        Role.MUNICIPAL_ADMIN,
    }
)
TWO_FACTOR_ROLES = frozenset({Role.MUNICIPAL_ADMIN, Role.GROUP_SECRETARIAT, Role.OPERATOR})


class Cap:
    """Capabilities. `personal_data` gates every route that can show a resident."""

    PERSONAL_DATA = "personal_data"
    REGISTRY_VIEW = "registry.view"
    REGISTRY_CHANGE = "registry.change"
    REGISTRY_PREPARE = "registry.prepare"
    REGISTRY_APPROVE = "registry.approve"
    CERTIFICATE_ISSUE = "registry.issue"
    RESTRICTION_SET = "registry.restriction.set"
    RESTRICTION_LIFT = "registry.restriction.lift"
    RESTRICTION_TEMP_LIFT = "registry.restriction.temp_lift"
    SUPPORT_MEASURE = "registry.support_measure"
    TAXATION = "taxation"  # assess, correct, enter income and property, issue tax documents
    TAXATION_VIEW = "taxation.view"  # read tax data (the tax role and administrators)
    REVENUE_VIEW = "revenue.view"  # the ledger: accounts, payments, arrears (read)
    REVENUE_CHANGE = "revenue.change"  # post payments, import files, reminders, plans, refunds, write-offs
    INSURANCE = "insurance"
    PENSION = "pension"
    WELFARE = "welfare"
    MUNICIPALITY_ADMIN = "municipality.admin"
    PARAMS_OVERRIDE = "params.override"
    AUDIT_VIEW = "audit.view"
    GROUP_MANAGE = "group.manage"
    GROUP_REPORTS = "group.reports"
    PLATFORM_OPERATE = "platform.operate"


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTER_CLERK: frozenset(
        {Cap.PERSONAL_DATA, Cap.REGISTRY_VIEW, Cap.REGISTRY_CHANGE, Cap.REGISTRY_APPROVE, Cap.CERTIFICATE_ISSUE,
         Cap.RESTRICTION_TEMP_LIFT, Cap.SUPPORT_MEASURE}
    ),
    # 窓口業務の民間委託: prepares entries; a municipal clerk decides.
    Role.COUNTER_CONTRACTOR: frozenset({Cap.PERSONAL_DATA, Cap.REGISTRY_VIEW, Cap.REGISTRY_PREPARE}),
    Role.TAX: frozenset({Cap.PERSONAL_DATA, Cap.REGISTRY_VIEW, Cap.TAXATION, Cap.TAXATION_VIEW, Cap.REVENUE_VIEW}),
    Role.COLLECTION: frozenset({Cap.PERSONAL_DATA, Cap.REGISTRY_VIEW, Cap.REVENUE_VIEW, Cap.REVENUE_CHANGE}),
    Role.INSURANCE: frozenset({Cap.PERSONAL_DATA, Cap.REGISTRY_VIEW, Cap.INSURANCE}),
    Role.PENSION: frozenset({Cap.PERSONAL_DATA, Cap.REGISTRY_VIEW, Cap.PENSION}),
    Role.WELFARE: frozenset({Cap.PERSONAL_DATA, Cap.REGISTRY_VIEW, Cap.WELFARE}),
    Role.MUNICIPAL_ADMIN: frozenset(
        {Cap.PERSONAL_DATA, Cap.MUNICIPALITY_ADMIN, Cap.PARAMS_OVERRIDE, Cap.AUDIT_VIEW, Cap.REGISTRY_VIEW,
         Cap.RESTRICTION_SET, Cap.RESTRICTION_LIFT, Cap.RESTRICTION_TEMP_LIFT, Cap.SUPPORT_MEASURE,
         Cap.TAXATION_VIEW}
    ),
    # Secretariat and operator never see personal data: aggregates only.
    Role.GROUP_SECRETARIAT: frozenset({Cap.GROUP_MANAGE, Cap.GROUP_REPORTS}),
    Role.OPERATOR: frozenset({Cap.PLATFORM_OPERATE}),
}

# The business areas shown on each role's home page.
BUSINESS_AREAS: dict[str, list[tuple[str, str]]] = {
    Role.COUNTER_CLERK: [("住民記録", "異動届の受付、証明書の交付、住民の検索")],
    Role.COUNTER_CONTRACTOR: [("住民記録（受付）", "異動届・証明書交付申請の入力（職員の承認で確定）")],
    Role.TAX: [("税務", "個人住民税・固定資産税の賦課、収納、滞納")],
    Role.COLLECTION: [("収納・滞納", "納税者ごとの収納状況（名寄せ）、収納の消込、督促、分納誓約")],
    Role.INSURANCE: [("国民健康保険", "資格管理、国保税の賦課と軽減")],
    Role.PENSION: [("国民年金", "第1号被保険者の資格異動")],
    Role.WELFARE: [("福祉", "児童手当の認定と支払")],
    Role.MUNICIPAL_ADMIN: [
        ("職員・権限", "職員アカウントと役割の管理"),
        ("パラメータ", "自団体のパラメータ設定（標準値との差分）"),
        ("アクセスログ", "監査ログの閲覧と改ざん検証"),
    ],
    Role.GROUP_SECRETARIAT: [
        ("構成団体", "構成団体の一覧、後発団体の加入"),
        ("パラメータ差分", "構成団体ごとのカスタマイズ比較一覧表"),
    ],
    Role.OPERATOR: [("運用", "バックアップ、災害対策訓練、稼働状況")],
}


def capabilities(role: str) -> frozenset[str]:
    return ROLE_CAPABILITIES.get(role, frozenset())
