"""Login through the real form, in Chromium: a counter clerk of 伊奈町, a wrong password, keyboard only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CLERK, DEMO_PASSWORD, NARROW, log_in

pytestmark = pytest.mark.browser

BAD_CREDENTIALS = "ユーザー名またはパスワードが正しくありません。"


def test_counter_clerk_of_ina_logs_in_and_lands_on_home(
    page: Page, demo: Any, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    page.goto("/")
    expect(page).to_have_url(url_re("/login/"))  # anonymous: sent to the login page
    expect(page).to_have_title("ログイン｜自治体クラウド lgcloud")
    axe_check(page)

    log_in(page, CLERK)

    expect(page).to_have_url(url_re("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("埼玉県伊奈町")
    expect(page.locator(".site-user__who")).to_contain_text("（窓口職員）")
    expect(page.locator(".lead")).to_contain_text("窓口職員")
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    axe_check(page)
    page.set_viewport_size(NARROW)
    axe_check(page)


def test_wrong_password_shows_japanese_error(
    page: Page, demo: Any, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    log_in(page, CLERK, "not-the-password")

    expect(page).to_have_url(url_re("/login/"))
    expect(page.get_by_role("alert")).to_have_text(BAD_CREDENTIALS)
    expect(page.get_by_role("button", name="ログアウト")).to_have_count(0)
    # The username typed is kept, the password is not sent back.
    expect(page.get_by_label("ユーザー名")).to_have_value(CLERK)
    expect(page.get_by_label("パスワード")).to_have_value("")
    axe_check(page)

    # Still not logged in: the home page sends us back to the login form.
    page.goto("/")
    expect(page).to_have_url(url_re("/login/"))


def test_empty_login_form_marks_each_field(
    page: Page, demo: Any, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    page.goto("/login/")
    page.get_by_role("button", name="ログイン").click()

    expect(page).to_have_url(url_re("/login/"))
    for label in ("ユーザー名", "パスワード"):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description("このフィールドは必須です。")
    axe_check(page)


def _focused(page: Page) -> dict[str, Any]:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName, id: e.id, text: e.textContent.trim(), href: e.getAttribute('href')}; }"
    )


def test_login_form_by_keyboard_only(page: Page, demo: Any, url_re: Callable[[str], Any]) -> None:
    page.goto("/login/")
    # Reach the username field with Tab only (the form autofocuses it; a few presses at most otherwise).
    for _ in range(5):
        if _focused(page)["id"] == "id_username":
            break
        page.keyboard.press("Tab")
    assert _focused(page)["id"] == "id_username", "Tab never reached the username field"

    page.keyboard.type(CLERK)
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "id_password", f"Tab from username went to {_focused(page)}"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(url_re("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("埼玉県伊奈町")


def test_skip_link_is_first_focusable_and_moves_to_main(page: Page, demo: Any, url_re: Callable[[str], Any]) -> None:
    log_in(page, CLERK)
    expect(page).to_have_url(url_re("/"))
    skip = page.get_by_role("link", name="本文へ移動")
    expect(skip).not_to_be_in_viewport()  # hidden until focused

    page.keyboard.press("Tab")
    assert _focused(page) == {"tag": "A", "id": "", "text": "本文へ移動", "href": "#main"}
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # visible while focused

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
