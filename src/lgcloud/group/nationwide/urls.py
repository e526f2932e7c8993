from django.urls import path

from lgcloud.group.nationwide import views

app_name = "nationwide"

urlpatterns = [
    path("", views.index, name="index"),
    path("groups/", views.group_list, name="groups"),
    path("prefectures/", views.prefecture_list, name="prefectures"),
    path("cases/", views.case_list, name="cases"),
    path("groups.csv", views.groups_csv, name="groups_csv"),
    path("groups.json", views.groups_json, name="groups_json"),
]
