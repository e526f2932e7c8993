from django.urls import path

from lgcloud.areas.taxation import views

app_name = "taxation"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:fy>/<int:person_no>/", views.taxpayer, name="taxpayer"),
    path("<int:fy>/<int:person_no>/v<int:version>/", views.taxpayer, name="taxpayer_version"),
    path("<int:fy>/<int:person_no>/certificate/", views.certificate, name="certificate"),
    path("income/<int:record_id>/correct/", views.correct, name="correct"),
    path("unmatched/<int:record_id>/", views.unmatched, name="unmatched"),
]
