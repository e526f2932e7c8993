from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from lgcloud.platform.common.errors import LgcloudError


class ContentSecurityPolicyMiddleware:
    """Content-Security-Policy on every response, and Japanese error pages for service errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError | DataError):
            # A number beyond the database's range in a URL or form (e.g. /registry/persons/99999999999999999999/).
            return render(request, "web/error.html", {
                "title": "処理できませんでした",
                "message": "数値が大きすぎるか、範囲外の値があります。入力した番号・年度・金額を確かめてください。"},
                status=400)
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(request)
        if isinstance(exception, LgcloudError):
            exception.settle()
            return render(
                request, "web/error.html", {"title": "処理できませんでした", "message": exception.message},
                status=exception.status_code,
            )
        return None


DATABASE_UNAVAILABLE = ("データベースに接続できないため処理できませんでした。何も記録されていません。"
                        "しばらくしてから再度お試しください。")


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 when the database went away mid-request (failover, network): the service's transaction did not
    commit, so nothing was written; JSON under /api/, the Japanese page elsewhere."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503,
                                              json_dumps_params={"ensure_ascii": False})
    else:
        # Plain template context: the shell's context processor would read the database again.
        response = HttpResponse(render_to_string("web/unavailable.html", {"message": DATABASE_UNAVAILABLE}),
                                status=503)
    response["Retry-After"] = "5"
    return response
