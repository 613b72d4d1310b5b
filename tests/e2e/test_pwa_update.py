"""A new version of the app is deployed while the phone holds unsynced work: the update is
offered, never forced; it waits for open input; and after it nothing is lost.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.pwa_host import routes as pwa_host
from server.workorders.models import WorkOrder, WorkOrderNote
from sync import push as sync_push
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    read,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_an_update_while_changes_are_pending_loses_nothing(
        live_server, phone_context, committed, monkeypatch):
    job = committed(build_job)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email)
    old_build = page.evaluate("caches.keys()")

    phone_context.set_offline(True)
    app.open_job(job.number)
    app.step("Start travel")
    app.tab("Work")
    page.get_by_label("New note").fill("Gate code 4711.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("ol.notes li")).to_have_count(1)
    pending = app.pending()
    assert pending == 2

    # A new release goes out, and the server cannot take pushes for a while.
    monkeypatch.setattr(pwa_host, "build_id", lambda: "release-2")

    def broken(*args, **kwargs):
        raise RuntimeError("push is down for maintenance")

    original_push = sync_push.push
    monkeypatch.setattr(sync_push, "push", broken)
    phone_context.set_offline(False)

    banner = page.get_by_role("status").filter(has_text="A new version of the app is ready")
    expect(banner).to_be_visible(timeout=20_000)
    expect(banner).to_contain_text("Your 2 unsynced changes stay on this phone")
    app.screenshot("update-offered-en")

    # Half-typed input holds the update back instead of being reloaded away.
    page.get_by_label("New note").fill("Customer asks for a callback")
    page.get_by_test_id("apply-update").click()
    expect(page.get_by_text("Finish or clear “New note” first")).to_be_visible()
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("ol.notes li")).to_have_count(2)

    with page.expect_navigation(timeout=30_000):
        page.get_by_test_id("apply-update").click()
    expect(page.locator(".topbar-title")).to_have_text(job.number)
    assert page.evaluate("caches.keys()") == ["doorstep-shell-release-2"]
    assert old_build != ["doorstep-shell-release-2"]
    expect(app.pill).to_have_attribute("data-pending", str(pending + 1))
    expect(page.locator("ol.notes li")).to_have_count(2)

    # The server is back: everything arrives, once.
    monkeypatch.setattr(sync_push, "push", original_push)
    page.goto(f"{live_server}/app/#/sync")
    page.get_by_test_id("sync-now").click()
    app.wait_synced(timeout=30_000)

    def server():
        oid = uuid.UUID(job.order_id)
        return (db.session.get(WorkOrder, oid).status,
                sorted(n.body for n in db.session.scalars(
                    select(WorkOrderNote).where(WorkOrderNote.work_order_id == oid))))

    assert read(server) == ("en_route", ["Customer asks for a callback", "Gate code 4711."])
    page.goto(f"{live_server}/app/#/settings")
    expect(page.get_by_test_id("build")).to_have_text("release-2")
    assert not app.errors


def test_a_page_the_worker_did_not_claim_asks_it_to_and_works_offline(
        live_server, phone_context, committed):
    """Activation claims the pages open at that moment, but not one still loading then, nor
    one opened with a hard reload. Such a page fetched past the offline shell until the
    app's next start; now it asks the active worker to take it over."""
    job = committed(build_job)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email)

    # A hard reload (Shift+Reload) leaves the page with no controlling worker.
    cdp = phone_context.new_cdp_session(page)
    with page.expect_navigation():
        cdp.send("Page.reload", {"ignoreCache": True})
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=10_000)
    page.goto(f"{live_server}/app/#/settings")
    expect(page.get_by_test_id("build")).not_to_have_text("—")

    phone_context.set_offline(True)
    status = page.evaluate(
        "() => fetch('/app/js/main.js').then((r) => r.status, () => 'failed')")
    assert status == 200
    assert not app.errors
