"""The technician app tells a disabled account and a throttled sign-in apart from a wrong
password, in real Chromium, against the real server's answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.pwa_helpers import phone_context_fixture  # noqa: F401  (fixture)

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _try(page, base, email, password):
    page.goto(f"{base}/app/")
    page.get_by_role("button", name="English").click()
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form button[type=submit]").click()


@pytest.fixture
def throttled(app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_THROTTLE", True)
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ACCOUNT", "2/15 minutes")
    app.extensions.pop("doorstep_throttle", None)
    yield
    app.extensions.pop("doorstep_throttle", None)


def test_a_throttled_sign_in_says_to_wait(live_server, phone_context, committed, throttled):
    email = committed(lambda: factories.make_technician().user.email)
    page = phone_context.new_page()
    for _ in range(2):
        _try(page, live_server, email, "wrong-guess")
        expect(page.get_by_text("Wrong e-mail or password.")).to_be_visible()
    _try(page, live_server, email, factories.PASSWORD)
    expect(page.get_by_text("Too many failed sign-ins")).to_be_visible()


def test_a_disabled_account_is_told_so(live_server, phone_context, committed):
    def build():
        user = factories.make_technician().user
        user.active = False
        return user.email

    email = committed(build)
    page = phone_context.new_page()
    _try(page, live_server, email, factories.PASSWORD)
    expect(page.get_by_text("Your account is disabled; call the office.")).to_be_visible()
