from django.urls import path

from lgcloud.platform.interchange import views

urlpatterns = [
    path("export/", views.export_view, name="interchange_export"),
    path("dry-run/", views.dry_run_view, name="interchange_dry_run"),
    path("dry-run/report/<str:token>.csv", views.dry_run_report, name="interchange_dry_run_report"),
]
