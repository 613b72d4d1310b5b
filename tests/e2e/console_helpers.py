"""Helpers for browser tests of the office console."""
from __future__ import annotations

from playwright.sync_api import Page


def wait_for_htmx(page: Page) -> None:
    """Wait until htmx has wired the page (console.js marks <html>).

    Until then a search box's keystrokes send nothing and a button that swaps content
    does nothing; a test that types first fails only on a loaded machine.
    """
    page.wait_for_selector("html[data-htmx-ready]", state="attached")
