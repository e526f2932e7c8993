from django.urls import include, path

urlpatterns = [
    path("testapp/", include("tests.testapp.urls")),
    path("", include("lgcloud.urls")),
]
handler400 = "lgcloud.web.views.error_400"
handler403 = "lgcloud.web.views.error_403"
handler404 = "lgcloud.web.views.error_404"
handler500 = "lgcloud.web.views.error_500"
