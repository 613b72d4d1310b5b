"""When the phone's storage is full the technician is told, and nothing half-stored is
queued: the photo's mutation is not in the outbox without its bytes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    photos_fixture,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]

FILL_THE_DISK = """() => {
    for (const method of ['put', 'add']) {
        const original = IDBObjectStore.prototype[method];
        IDBObjectStore.prototype[method] = function (...args) {
            if (this.name === 'blobs') {
                throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
            }
            return original.apply(this, args);
        };
    }
}"""


def test_a_full_phone_says_so_and_queues_nothing_half_stored(
        live_server, phone_context, committed, photos):
    job = committed(build_job)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email)
    app.open_job(job.number)
    app.tab("Photos")
    before = app.pending()

    page.evaluate(FILL_THE_DISK)
    page.locator("input[data-kind=before][data-source=gallery]").set_input_files(str(photos[0]))
    expect(page.get_by_text("This phone's storage is full")).to_be_visible()
    expect(page.locator(".photo-tile")).to_have_count(0)
    assert app.pending() == before
    app.screenshot("storage-full-en")


def test_a_refused_upload_shows_why_and_can_be_retried(
        live_server, phone_context, committed, photos):
    job = committed(build_job)
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    app.sign_in(job.email)
    app.open_job(job.number)
    app.tab("Photos")

    refuse = {"code": 422, "message": "Unprocessable Entity", "reason": "not_an_image",
              "description": "These bytes are not a JPEG, PNG or WebP image.", "errors": {}}
    phone_context.route("**/api/v1/blobs/*", lambda route: route.fulfill(
        status=422, json=refuse))
    app.add_photos("before", photos[:1])
    tile = page.locator(".photo-tile").first
    expect(tile).to_have_attribute("data-state", "failed", timeout=20_000)
    expect(tile).to_contain_text("These bytes are not a JPEG, PNG or WebP image.")
    expect(app.pill).to_contain_text("1 problem")
    app.screenshot("upload-failed-en")

    phone_context.unroute("**/api/v1/blobs/*")
    tile.get_by_role("button", name="Retry").click()
    expect(tile).to_have_attribute("data-state", "uploaded", timeout=20_000)
    app.wait_synced()
