"""The office changes things while the phone is offline: nothing the technician did is
lost, the phone follows the server afterwards, and the dispatcher sees the conflict.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.accounts.models import User
from server.accounts.service import issue_device_token
from server.extensions import db
from server.workorders import service as orders
from server.workorders.models import PartUsage, WorkOrder, WorkOrderNote
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    read,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_a_job_reassigned_while_offline_keeps_the_work_and_leaves_the_list(
        live_server, phone_context, committed):
    job = committed(build_job)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email)

    phone_context.set_offline(True)
    app.open_job(job.number)
    app.step("Start travel")
    app.step("Arrived")
    app.tab("Work")
    app.fill_field("Diagnosis", "Compressor relay stuck")
    page.get_by_label("New note").fill("Relay clicks but the compressor does not start.")
    page.get_by_role("button", name="Add note").click()
    app.take_quote(parts=("capacitor",))
    app.tab("Parts")
    app.use_part("capacitor")
    expect(app.pill).to_contain_text("Offline")
    assert app.pending() >= 6

    # Meanwhile the dispatcher gives the job to someone else and asks who saw what.
    def reassign():
        dispatcher = db.session.get(User, uuid.UUID(job.dispatcher_id))
        order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
        orders.update_order(dispatcher, order,
                            {"assignee_id": uuid.UUID(job.other_technician_id)})
        return issue_device_token(dispatcher, "desk", timedelta(hours=1))[1]

    office_token = committed(reassign)

    phone_context.set_offline(False)
    app.wait_synced(timeout=45_000)
    page.goto(f"{live_server}/app/#/jobs")
    expect(page.locator(f".job-link[data-number='{job.number}']")).to_have_count(0)
    expect(page.get_by_text("No jobs for today")).to_be_visible()

    # Nothing the technician did is lost.
    def kept():
        oid = uuid.UUID(job.order_id)
        order = db.session.get(WorkOrder, oid)
        return {
            "assignee": str(order.assignee_id), "diagnosis": order.diagnosis,
            "notes": [n.body for n in db.session.scalars(
                select(WorkOrderNote).where(WorkOrderNote.work_order_id == oid))],
            "parts": [(str(p.part_id), p.quantity) for p in db.session.scalars(
                select(PartUsage).where(PartUsage.work_order_id == oid))],
        }

    server = read(kept)
    assert server["assignee"] == job.other_technician_id
    assert server["diagnosis"] == "Compressor relay stuck"
    assert server["notes"] == ["Relay clicks but the compressor does not start."]
    assert server["parts"] == [(job.parts["CAP-35"], 1)]

    # The dispatcher sees what arrived after the reassignment.
    response = page.request.get(f"{live_server}/api/v1/sync/conflicts",
                                params={"work_order_id": job.order_id},
                                headers={"Authorization": f"Bearer {office_token}"})
    assert response.ok, response.text()
    kinds = {conflict["kind"] for conflict in response.json()}
    assert "after_reassignment" in kinds, kinds

    # The phone tells the technician too, with what to do.
    page.goto(f"{live_server}/app/#/sync")
    notices = page.get_by_test_id("notices")
    expect(notices).to_contain_text("Sent after the job was reassigned")
    expect(notices).to_contain_text("your work was kept")
    app.screenshot("sync-conflict-en")
    assert not app.errors


def test_a_revoked_phone_keeps_its_outbox_and_sends_it_after_signing_in_again(
        live_server, phone_context, committed):
    job = committed(build_job)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email)

    phone_context.set_offline(True)
    app.open_job(job.number)
    app.step("Start travel")
    app.tab("Work")
    page.get_by_label("New note").fill("Stuck in traffic on Yan'an Road.")
    page.get_by_role("button", name="Add note").click()

    def revoke():
        from server.accounts.models import Device
        from server.accounts.service import revoke_device

        user_id = uuid.UUID(job.technician_user_id)
        for device in db.session.scalars(select(Device).where(Device.user_id == user_id)):
            revoke_device(device.id)

    committed(revoke)
    phone_context.set_offline(False)
    banner = page.get_by_role("alert").filter(has_text="signed out by the office")
    expect(banner).to_be_visible(timeout=20_000)
    expect(banner).to_contain_text("2 unsynced changes are kept")
    assert app.pending() == 2
    app.screenshot("signed-out-en")

    banner.get_by_role("button", name="Sign in again").click()
    page.locator("#password").fill("correct horse battery")
    page.locator("form button[type=submit]").click()
    app.wait_synced(timeout=30_000)

    def notes():
        return [n.body for n in db.session.scalars(select(WorkOrderNote).where(
            WorkOrderNote.work_order_id == uuid.UUID(job.order_id)))]

    assert read(notes) == ["Stuck in traffic on Yan'an Road."]
    assert read(lambda: db.session.get(WorkOrder, uuid.UUID(job.order_id)).status) == "en_route"
    assert not app.errors
