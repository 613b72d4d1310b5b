"""A phone revoked after a push response was lost (issue 10, item 3): once the technician
signs in again, the app asks what became of its old ids (POST /sync/adopt) instead of
sending them again under the new device's ids — so the office's later value stands.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.models import Device, User
from server.accounts.service import revoke_device
from server.extensions import db
from server.workorders import service as orders
from server.workorders.models import WorkOrder, WorkOrderEvent
from tests.factories import PASSWORD
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    read,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_an_edit_whose_answer_was_lost_before_a_revocation_is_not_applied_twice(
        live_server, phone_context, committed):
    job = committed(build_job)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email)
    app.open_job(job.number)

    # The server applies the push, the phone never hears back (every retry too).
    delivered = []

    def lose_the_answer(route):
        route.fetch()
        delivered.append(1)
        route.abort()

    phone_context.route("**/api/v1/sync/push", lose_the_answer)
    app.tab("Work")
    app.fill_field("Diagnosis", "Compressor seized")
    for _ in range(60):
        if delivered:
            break
        page.wait_for_timeout(500)
    assert delivered, "the push never left the phone"
    assert app.pending() == 1

    def office_corrects_and_revokes():
        order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
        office = db.session.get(User, uuid.UUID(job.dispatcher_id))
        orders.update_order(office, order, {"diagnosis": "Capacitor, not the compressor"})
        user_id = uuid.UUID(job.technician_user_id)
        for device in db.session.scalars(select(Device).where(Device.user_id == user_id)):
            revoke_device(device.id)

    committed(office_corrects_and_revokes)
    phone_context.unroute("**/api/v1/sync/push")
    page.evaluate("async () => { const m = await import('/app/js/sync.js'); m.syncNow(); }")
    banner = page.get_by_role("alert").filter(has_text="signed out by the office")
    expect(banner).to_be_visible(timeout=30_000)
    banner.get_by_role("button", name="Sign in again").click()
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    app.wait_synced(timeout=30_000)

    assert app.pending() == 0
    order_id = uuid.UUID(job.order_id)
    assert read(lambda: db.session.get(WorkOrder, order_id).diagnosis) == \
        "Capacitor, not the compressor"
    written = read(lambda: [e.data.get("to") for e in db.session.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order_id,
                                     WorkOrderEvent.kind == "field_changed")
        .order_by(WorkOrderEvent.seq))
        if e.data.get("field") == "diagnosis"])
    assert written == ["Compressor seized", "Capacitor, not the compressor"]
    assert not app.errors
