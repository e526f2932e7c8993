from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
        if isinstance(exception, LgcloudError):
            exception.settle()
            return render(
                request, "web/error.html", {"title": "処理できませんでした", "message": exception.message},
                status=exception.status_code,
            )
        return None
