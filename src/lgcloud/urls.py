from django.urls import include, path

from lgcloud.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("open-data/", include("lgcloud.nationwide.urls")),
    path("customization/", include("lgcloud.customization.urls")),
    path("costs/", include("lgcloud.costs.urls")),
    path("verify/", include("lgcloud.registry.verify_urls")),
    path("registry/statistics/", include("lgcloud.registry.statistics_urls")),
    path("registry/", include("lgcloud.registry.urls")),
    path("interchange/", include("lgcloud.interchange.urls")),
    path("", include("lgcloud.web.urls")),
]

handler400 = "lgcloud.web.views.error_400"
handler403 = "lgcloud.web.views.error_403"
handler404 = "lgcloud.web.views.error_404"
handler500 = "lgcloud.web.views.error_500"
