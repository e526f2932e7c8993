from django.urls import path

from lgcloud.areas.taxation import entry_views, property_views, views

app_name = "taxation"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:fy>/<int:person_no>/", views.taxpayer, name="taxpayer"),
    path("<int:fy>/<int:person_no>/v<int:version>/", views.taxpayer, name="taxpayer_version"),
    path("<int:fy>/<int:person_no>/certificate/", views.certificate, name="certificate"),
    path("income/<int:record_id>/correct/", views.correct, name="correct"),
    path("unmatched/<int:record_id>/", views.unmatched, name="unmatched"),
    path("income/new/", entry_views.income_new, name="income_new"),
    path("residence-only/new/", entry_views.residence_only_new, name="residence_only_new"),
    path("property/owners/<int:owner_id>/<str:what>/new/", property_views.property_add, name="property_add"),
    path("property/", property_views.home, name="property_home"),
    path("property/owners/<int:owner_id>/", property_views.owner, name="property_owner"),
    path("property/owners/<int:owner_id>/certificate/<str:which>/", property_views.owner_certificate,
         name="property_certificate"),
    path("property/<str:what>/<int:object_id>/", property_views.property_object, name="property_object"),
]
