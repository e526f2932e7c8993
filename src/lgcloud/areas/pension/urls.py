"""国民年金の画面 (/pension/)."""

from django.urls import path

from lgcloud.areas.pension import views

app_name = "pension"

urlpatterns = [
    path("", views.index, name="index"),
    path("persons/<int:person_no>/", views.person, name="person"),
    path("report/", views.report, name="report"),
]
