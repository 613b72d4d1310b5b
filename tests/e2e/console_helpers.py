"""Helpers for browser tests of the office console."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_working_day() -> date:
    """Tomorrow or the first weekday after it, in the test company's time zone.

    A test that books "today" fails once the day's last free slot has passed (CI runs at
    any hour); the next working day always has a whole day free.
    """
    day = datetime.now(SHANGHAI).date() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def wait_for_htmx(page: Page) -> None:
    """Wait until htmx has wired the page (console.js marks <html>).

    Until then a search box's keystrokes send nothing and a button that swaps content
    does nothing; a test that types first fails only on a loaded machine.
    """
    page.wait_for_selector("html[data-htmx-ready]", state="attached")
