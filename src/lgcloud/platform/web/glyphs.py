"""Screens never show a private-use code point (外字): an HTML page that would carry one (a record stored before
the checks, e.g. by an old import) shows 〓 in its place and a warning at the top of the page. The stored
record is unchanged; the API returns it as stored."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lgcloud.platform.common.glyphs import PLACEHOLDER, code_point

_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_MAIN = re.compile(r"<main\b[^>]*>")


def warning(codes: list[str]) -> str:
    return ('<div class="notice notice--warning" role="alert"><p>この画面の記録に外字（私用領域の文字 '
            f'{"、".join(codes)}）が含まれているため、「{PLACEHOLDER}」で表示しています。外字対応表で標準の文字に'
            "置き換えて記録を訂正してください。</p></div>")


def clean_html(html: str) -> str:
    found = list(dict.fromkeys(code_point(m.group()) for m in _PRIVATE_USE.finditer(html)))
    if not found:
        return html
    html = _PRIVATE_USE.sub(PLACEHOLDER, html)
    return _MAIN.sub(lambda m: m.group() + warning(found), html, count=1)


class PrivateUseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            text = response.content.decode(response.charset or "utf-8")
            cleaned = clean_html(text)
            if cleaned is not text:
                response.content = cleaned.encode(response.charset or "utf-8")
        return response
