"""A technician completes a whole job with no network, in real Chromium on a phone-sized
screen: the app comes from the service worker's cache, every step is stored on the phone,
and when the network returns the server gets every change exactly once — photos with
matching hashes, the customer's signature and the hash of what they signed.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.accounts.models import Device
from server.extensions import db
from server.feedback.models import Survey
from server.media.models import Blob, Photo, Report, Signature
from server.reports.content import content_hash, signed_content
from server.workorders.models import PartUsage, TimeLog, WorkOrder, WorkOrderEvent, WorkOrderNote
from sync.models import RejectedMutation
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    photos_fixture,
    read,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]


def server_view(order_id: str) -> dict:
    """What the server holds for the order, as plain values."""
    oid = uuid.UUID(order_id)

    def query():
        s = db.session
        order = s.get(WorkOrder, oid)
        transitions = [e.to_status for e in s.scalars(
            select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == oid,
                                         WorkOrderEvent.kind == "transition")
            .order_by(WorkOrderEvent.seq))]
        photos = s.scalars(select(Photo).where(Photo.work_order_id == oid)).all()
        signature = s.scalar(select(Signature).where(Signature.work_order_id == oid))
        return {
            "status": order.status, "diagnosis": order.diagnosis,
            "resolution": order.resolution, "root_cause": order.root_cause,
            "transitions": transitions,
            "notes": [n.body for n in s.scalars(select(WorkOrderNote).where(
                WorkOrderNote.work_order_id == oid))],
            "parts": sorted((str(u.part_id), u.quantity) for u in s.scalars(
                select(PartUsage).where(PartUsage.work_order_id == oid))),
            "photos": sorted((p.kind, p.sha256, p.status) for p in photos),
            "blobs": {p.sha256: s.get(Blob, p.sha256) is not None for p in photos},
            "time_logs": sorted(t.kind for t in s.scalars(select(TimeLog).where(
                TimeLog.work_order_id == oid))),
            "signature": signature and {
                "signer": signature.signer_name, "hash": signature.content_hash,
                "image": s.get(Blob, signature.image_sha256) is not None,
                "lat": signature.latitude},
            "expected_hash": content_hash(signed_content(order)),
            "reports": [(r.status, r.content_hash) for r in s.scalars(
                select(Report).where(Report.work_order_id == oid))],
            "content_language": signed_content(order)["language"],
            "surveys": [(v.rating, v.comment) for v in s.scalars(
                select(Survey).where(Survey.work_order_id == oid))],
            "rejected": s.scalar(select(func.count()).select_from(RejectedMutation)),
            "devices": [d.last_mutation_id for d in s.scalars(select(Device))],
            "located": [(e.to_status, e.latitude is not None) for e in s.scalars(
                select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == oid,
                                             WorkOrderEvent.kind == "transition",
                                             WorkOrderEvent.device_id.is_not(None)))],
        }

    return read(query)


def test_a_whole_job_done_offline_reaches_the_server_exactly_once(
        live_server, phone_context, committed, photos):
    job = committed(build_job)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)

    app.sign_in(job.email)
    expect(page.locator(".job-list")).to_contain_text(job.customer)
    app.screenshot("jobs-en")

    # No network from here on; the app must come from the service worker's cache.
    phone_context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(app.pill).to_contain_text("Offline")
    app.open_job(job.number)
    app.screenshot("job-overview-en")

    app.step("Start travel")
    app.status_is("En route")
    app.step("Arrived")
    app.status_is("On site")

    app.tab("Work")
    app.fill_field("Arrival notes", "Customer home; dog in the garden")
    app.fill_field("Diagnosis", "Run capacitor swollen; fan motor bearings worn")
    page.get_by_label("Root cause").select_option("wear_and_tear")
    page.get_by_label("New note").fill("Advised the customer to clean the filter monthly.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("ol.notes li")).to_have_count(1)
    app.fill_field("Resolution", "Replaced the run capacitor and the indoor fan motor; tested 30 min")
    app.screenshot("job-work-en")

    # Out of warranty: the customer approves the quote before any part is fitted.
    app.take_quote(parts=("capacitor", "fan motor"))
    app.screenshot("job-quote-en")

    app.tab("Parts")
    app.use_part("capacitor", quantity=2)
    app.use_part("fan motor")
    used = page.get_by_test_id("parts-used").locator("li")
    expect(used).to_have_count(2)
    expect(page.get_by_test_id("charges")).to_contain_text("Total")
    app.screenshot("job-parts-en")

    app.tab("Photos")
    app.add_photos("before", photos[:2])
    app.add_photos("after", photos[2:])
    expect(page.locator(".photo-tile[data-state=pending]")).to_have_count(4)
    app.screenshot("job-photos-en")

    app.step("Complete job")
    app.status_is("Completed")
    page.locator(".stepbar").get_by_role("link", name="Customer sign-off").click()
    preview = page.get_by_test_id("report-preview")
    expect(preview).to_contain_text("Service report")
    expect(preview).to_contain_text("Replaced the run capacitor")
    expect(preview.locator(".photo-grid img")).to_have_count(4)
    app.screenshot("job-sign-en")
    app.draw_signature()
    page.get_by_label("Name of the person signing").fill("Alice Smith")
    page.locator(".star").nth(3).click()
    page.get_by_label("Comment (optional)").fill("Quick and tidy.")
    page.get_by_role("button", name="Confirm and sign").click()
    expect(page.get_by_test_id("signed")).to_contain_text("Alice Smith")
    app.status_is("Signed")
    app.screenshot("job-signed-en")

    # Everything is on the phone, nothing on the server yet.
    waiting = app.pending()
    assert waiting >= 16, waiting
    expect(app.pill).to_contain_text("Offline")
    assert server_view(job.order_id)["transitions"] == ["scheduled"]
    device_hashes = sorted(app.local_photo_hashes(job.order_id))
    assert len(device_hashes) == 4

    phone_context.set_offline(False)
    app.wait_synced(timeout=60_000)
    expect(app.pill).to_contain_text("Synced")
    # The server built the same content: its report is not refused as a mismatch.
    expect(page.get_by_test_id("report-status")).to_be_visible()
    expect(page.get_by_test_id("report-status")).not_to_contain_text("differs")
    app.screenshot("job-signed-synced-en")

    server = server_view(job.order_id)
    assert server["transitions"] == ["scheduled", "en_route", "on_site", "completed", "signed"]
    assert all(located for _, located in server["located"])
    assert server["status"] == "signed"
    assert server["diagnosis"] == "Run capacitor swollen; fan motor bearings worn"
    assert server["resolution"].startswith("Replaced the run capacitor")
    assert server["root_cause"] == "wear_and_tear"
    assert server["notes"] == ["Advised the customer to clean the filter monthly."]
    assert server["parts"] == sorted([(job.parts["CAP-35"], 2), (job.parts["FAN-IN"], 1)])
    assert sorted(sha for _, sha, _ in server["photos"]) == device_hashes
    assert [kind for kind, _, _ in server["photos"]] == ["after", "after", "before", "before"]
    assert all(status == "ready" for _, _, status in server["photos"]), server["photos"]
    assert all(server["blobs"].values())
    assert server["time_logs"] == ["travel", "work"]
    assert server["signature"]["signer"] == "Alice Smith"
    assert server["signature"]["image"]
    assert server["signature"]["hash"] == server["expected_hash"]
    # The server's report accepted the phone's hash (it renders only on a match).
    assert [status for status, _ in server["reports"]] in (
        ["rendering"], ["ready"], ["failed"]), server["reports"]
    assert server["content_language"] == "en"
    assert server["surveys"] == [(4, "Quick and tidy.")]
    assert server["rejected"] == 0
    # Exactly once: the device's acknowledged id is the number of changes it made.
    assert server["devices"] == [waiting]
    assert not app.errors

    # Another sync sends nothing again and changes nothing.
    page.get_by_role("link", name=re.compile("Sync")).first.click()
    page.get_by_test_id("sync-now").click()
    app.wait_synced()
    again = server_view(job.order_id)
    assert again["devices"] == [waiting] and again["notes"] == server["notes"]
    assert again["parts"] == server["parts"] and len(again["photos"]) == 4
