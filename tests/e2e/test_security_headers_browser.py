"""The console under its Content-Security-Policy in real Chromium: nothing it needs is
blocked, and the board's day picker (once an inline onchange) still changes the day."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.console_helpers import wait_for_htmx

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_the_console_runs_under_its_policy_without_violations(live_server, page, committed):
    email = committed(lambda: factories.make_user("dispatcher").email)
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/orders"))

    page.goto(f"{live_server}/board?day=2030-01-07")
    page.locator("#board-day").fill("2030-01-08")
    expect(page).to_have_url(re.compile(r"day=2030-01-08"))
    # htmx is loaded and working (it polls the notification badge with its own requests).
    wait_for_htmx(page)  # htmx is a deferred script: the new page may not have run it yet
    assert page.evaluate("typeof window.htmx") == "object"
    assert violations == []
