"""国保の画面 (/insurance/)."""

from django.urls import path

from lgcloud.areas.insurance import views

app_name = "insurance"

urlpatterns = [
    path("", views.index, name="index"),
    path("persons/<int:person_no>/", views.person, name="person"),
    path("persons/<int:person_no>/eligibility/", views.eligibility, name="eligibility"),
    path("households/<int:household_no>/", views.household, name="household"),
    path("households/<int:household_no>/notice/<int:fiscal_year>/", views.notice, name="notice"),
]
