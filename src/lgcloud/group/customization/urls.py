from django.urls import path

from lgcloud.group.customization import views

urlpatterns = [
    path("requests/", views.request_list, name="customization_requests"),
    path("requests/new/", views.request_new, name="customization_request_new"),
    path("requests/<int:pk>/", views.request_detail, name="customization_request"),
    path("requests/<int:pk>/comments/", views.request_comment, name="customization_comment"),
    path("requests/<int:pk>/decide/", views.request_decide, name="customization_decide"),
    path("comparison/", views.comparison, name="customization_comparison"),
    path("statistics/", views.statistics, name="customization_statistics"),
]
