from django.urls import path

from lgcloud.platform.web import account_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/qr.svg", views.two_factor_qr, name="two_factor_qr"),
    path("group/members/", views.group_members, name="group_members"),
    path("group/members/join/", views.join_member_view, name="join_member"),
    path("group/deviations/", views.deviation_report, name="deviation_report"),
    path("municipality/parameters/", views.municipality_parameters, name="municipality_parameters"),
    path("municipality/audit/", views.municipality_audit, name="municipality_audit"),
    path("account/password/", account_views.password_change, name="password_change"),
    path("municipality/staff/", account_views.staff_accounts, name="staff_accounts"),
    path("municipality/staff/<str:username>/reset/", account_views.staff_password_reset, name="staff_password_reset"),
    path("municipality/tokens/", account_views.token_issue, name="token_issue"),
    path("municipality/tokens/<int:token_id>/revoke/", account_views.token_revoke, name="token_revoke"),
    path("healthz", views.healthz, name="healthz"),
]
