"""Public verification of issued certificates (証明書の照合): no login, nothing personal."""

from django.urls import path

from lgcloud.areas.registry import verify_views

app_name = "verify"

urlpatterns = [
    path("", verify_views.lookup, name="lookup"),
    path("<str:code>/", verify_views.certificate, name="certificate"),
]
