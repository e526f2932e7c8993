"""住民統計: /registry/statistics/ (figures as of a date and movements in a period) and CSV downloads."""

from django.urls import path

from lgcloud.areas.registry import statistics_views

urlpatterns = [
    path("", statistics_views.index, name="registry_statistics"),
    path("<slug:table>.csv", statistics_views.csv_download, name="registry_statistics_csv"),
]
