from django.urls import path

from lgcloud.group.costs import views

urlpatterns = [
    path("", views.dashboard, name="costs_dashboard"),
    path("shares/", views.shares, name="costs_shares"),
    path("what-if/", views.what_if, name="costs_what_if"),
    path("formula/", views.formula, name="costs_formula"),
    path("records/", views.records, name="costs_records"),
    path("import/", views.import_costs, name="costs_import"),
    path("mine/", views.mine, name="costs_mine"),
    path("fiscal-support/", views.fiscal_support, name="costs_fiscal_support"),
]
