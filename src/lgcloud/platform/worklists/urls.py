from django.urls import path

from lgcloud.platform.worklists import views

app_name = "worklists"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("<int:pk>/", views.item_detail, name="detail"),
    path("<int:pk>/decide/", views.item_decide, name="decide"),
]
