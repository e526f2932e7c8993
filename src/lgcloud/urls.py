from django.urls import include, path

from lgcloud.platform.api.api import api
from lgcloud.platform.observability.metrics import metrics_view

urlpatterns = [
    path("api/v1/", api.urls),
    path("metrics", metrics_view, name="metrics"),
    path("health/", include("lgcloud.platform.health")),
    path("open-data/", include("lgcloud.group.nationwide.urls")),
    path("customization/", include("lgcloud.group.customization.urls")),
    path("costs/", include("lgcloud.group.costs.urls")),
    path("", include("lgcloud.platform.documents.public_urls")),  # verify/
    path("registry/statistics/", include("lgcloud.areas.registry.statistics_urls")),
    path("registry/", include("lgcloud.areas.registry.urls")),
    path("tax/", include("lgcloud.areas.taxation.urls")),
    path("insurance/", include("lgcloud.areas.insurance.urls")),
    path("pension/", include("lgcloud.areas.pension.urls")),
    path("welfare/", include("lgcloud.areas.welfare.urls")),
    path("worklists/", include("lgcloud.platform.worklists.urls")),
    path("revenue/", include("lgcloud.areas.revenue.urls")),
    path("interchange/", include("lgcloud.platform.interchange.urls")),
    path("", include("lgcloud.platform.web.urls")),
]

handler400 = "lgcloud.platform.web.views.error_400"
handler403 = "lgcloud.platform.web.views.error_403"
handler404 = "lgcloud.platform.web.views.error_404"
handler500 = "lgcloud.platform.web.views.error_500"
