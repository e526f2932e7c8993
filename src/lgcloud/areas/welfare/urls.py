"""児童手当の画面 (/welfare/)."""

from django.urls import path

from lgcloud.areas.welfare import views

app_name = "welfare"

urlpatterns = [
    path("", views.index, name="index"),
    path("claims/<int:claim_id>/", views.claim, name="claim"),
    path("runs/<int:run_id>/", views.run, name="run"),
    path("runs/<int:run_id>/transfer-file/", views.transfer_file, name="transfer_file"),
    path("runs/<int:run_id>/notices/<int:claim_id>/", views.payment_notice, name="payment_notice"),
]
