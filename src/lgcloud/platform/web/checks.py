"""Start-up checks of the deployment settings (run by `lgcloud migrate`, `lgcloud check`)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def public_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """LGCLOUD_PUBLIC_URL is printed on every certificate as the base of its verification link: a wrong
    one makes every issued document unverifiable, so it must be an absolute URL, https in production."""
    url = str(getattr(settings, "LGCLOUD_PUBLIC_URL", ""))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return [checks.Error(
            f"LGCLOUD_PUBLIC_URL「{url}」は http(s)://ホスト名[/パス] の形で指定してください（証明書の照合用 URL の基点）。",
            id="web.E001")]
    production = getattr(settings, "SECURE_COOKIES", False)
    if production and parts.scheme != "https":
        return [checks.Error(
            f"本番設定（LGCLOUD_SECURE_COOKIES=1）では LGCLOUD_PUBLIC_URL を https で指定してください（現在: {url}）。",
            id="web.E002")]
    if production and "LGCLOUD_PUBLIC_URL" not in os.environ:
        return [checks.Error("本番設定では LGCLOUD_PUBLIC_URL を必ず指定してください（証明書の照合用 URL の基点）。",
                             id="web.E003")]
    return []
