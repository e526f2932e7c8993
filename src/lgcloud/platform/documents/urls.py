"""Public verification of issued documents (文書の照合): no login, nothing personal."""

from django.urls import path

from lgcloud.platform.documents import views

app_name = "verify"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<str:code>/", views.document, name="document"),
]
