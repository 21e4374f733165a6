"""The reader in English in a real browser (issue 14): a browser set to English gets English on its
first visit; a reader who picks French keeps it after closing the browser (session cookie gone)."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright")
from tests.test_browser import browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_an_english_browser_lands_on_english_and_a_french_choice_is_kept(live_server, browser):  # noqa: F811
    base_url, _app = live_server
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Français").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    kept = [c for c in context.cookies() if c["name"] != "session"]  # closing the browser ends the session
    context.close()

    reopened = browser.new_context(locale="en-GB")
    reopened.add_cookies(kept)
    page = reopened.new_page()
    page.goto(base_url + "/methodologie")
    assert page.locator("html").get_attribute("lang") == "fr"
    reopened.close()
