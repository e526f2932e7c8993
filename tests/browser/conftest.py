"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is /usr/bin/chromium. Accessibility is checked with
axe-core, vendored in vendor/ (see vendor/README.md); the site's Content-Security-Policy forbids
inline scripts, so axe is evaluated through the DevTools protocol, which the policy does not govern.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TIMEOUT_MS = 10_000
# WCAG 1.4.10 reflow width: the page must not scroll sideways; wide tables scroll inside a focusable region.
NARROW = {"width": 320, "height": 640}

DEMO_PASSWORD = "lgcloud-demo-2026"
INA_CODE = "113018"  # 埼玉県伊奈町
CLERK = f"{INA_CODE}-clerk"
SECRETARIAT = "secretariat"

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio loop marked running in this thread while it is
    started, which makes Django refuse ORM calls; allow them only while the browser runs, and
    stop Playwright at the end of the module so later (non-browser) tests keep Django's guard.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser: Browser, live_server: Any, transactional_db: Any) -> Iterator[Callable[[], Page]]:
    """Open a page in a fresh browser context (own cookies): a second person at another desk."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo")
        context.set_default_timeout(TIMEOUT_MS)
        # The site has no favicon; answer Chromium's automatic request here rather than log a 404 per test.
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


@pytest.fixture
def demo(live_server: Any, transactional_db: Any) -> Any:
    """The demo group (18 members) with its staff, in the live server's test database."""
    from lgcloud.platform.demo.loader import load_foundation

    return load_foundation()


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v.get('impact')}] {v['help']} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", []):
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe_check(axe_source: str) -> Callable[[Page], None]:
    """Run axe-core on the page as it is now; fail listing every violation (id, impact, help, targets)."""

    def check(page: Page) -> None:
        if not page.evaluate("typeof window.axe === 'object'"):
            # add_script_tag would insert an inline <script>, which script-src 'self' blocks.
            page.evaluate(axe_source)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (
            f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size} (WCAG 1.4.10 reflow)"
        )
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        violations = result["violations"]
        if violations:
            size = page.viewport_size or {}
            pytest.fail(
                f"axe-core found accessibility violations on {page.url} "
                f"(viewport {size.get('width')}x{size.get('height')}):\n{format_violations(violations)}"
            )

    return check


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


def complete_totp_setup(page: Page) -> str:
    """On the two-factor setup page: read the key shown, enter the current code; returns the key."""
    expect(page).to_have_url(_path_re("/two-factor/setup/"))
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("確認コード").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="設定を完了する").click()
    page.wait_for_load_state()
    return secret


def _path_re(path: str) -> re.Pattern[str]:
    """The page's URL is exactly this path on the live server (any query string)."""
    return re.compile(r"^https?://[^/]+" + re.escape(path) + r"(\?.*)?$")


@pytest.fixture
def url_re() -> Callable[[str], re.Pattern[str]]:
    return _path_re


@pytest.fixture
def secretariat_page(page: Page, demo: Any) -> Page:
    """A page logged in as the demo secretariat, past first-time two-factor setup."""
    log_in(page, SECRETARIAT)
    complete_totp_setup(page)
    expect(page).to_have_url(_path_re("/"))
    return page
