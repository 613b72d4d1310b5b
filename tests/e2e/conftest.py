"""End-to-end fixtures: the real application served over HTTP from a thread, and real
Chromium driven through Playwright.

Tests that use ``live_server`` must be marked ``live`` (their data is committed for real,
because the server answers from other threads, and every row is deleted afterwards) and
``browser`` when they drive Chromium. Create their data with :func:`committed`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from server.extensions import db

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TRANSLATIONS = Path(__file__).resolve().parents[2] / "server" / "translations"


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The application on a free loopback port; yields its base URL, e.g. http://127.0.0.1:PORT."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def committed(request) -> Callable:
    """``committed(build)`` runs ``build()`` (which uses the factories), commits, and returns
    what it returned, which should be plain values: ORM objects expire on commit, and
    reloading them would open a transaction that holds SQLite's write lock while the
    server thread needs it.
    """
    if not request.node.get_closest_marker("live"):
        raise RuntimeError("committed() data needs @pytest.mark.live: it is really committed")

    def run(build):
        try:
            result = build()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
        return result

    return run


@pytest.fixture(scope="session")
def _playwright():
    if not CHROMIUM.exists():
        message = f"Chromium not installed: apt-get install chromium (looked for {CHROMIUM})"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    """Headless Chromium from the system (never a downloaded one)."""
    browser = _playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                          args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile (no cookies) speaking English, desktop-sized."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
