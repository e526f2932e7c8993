from django.urls import include, path

urlpatterns = [
    path("testapp/", include("tests.testapp.urls")),
    path("", include("lgcloud.urls")),
]
handler400 = "lgcloud.platform.web.views.error_400"
handler403 = "lgcloud.platform.web.views.error_403"
handler404 = "lgcloud.platform.web.views.error_404"
handler500 = "lgcloud.platform.web.views.error_500"
