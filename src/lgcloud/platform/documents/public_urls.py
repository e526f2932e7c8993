"""The verification pages (文書の照合) at their public place: the site's URLconf includes this, and
`codes.verification_url` reverses against it alone — documents are issued by batch commands too (a 督促状 batch),
which need not import every view of the site to print one URL."""

from django.urls import include, path

urlpatterns = [path("verify/", include("lgcloud.platform.documents.urls"))]
