"""A first sync shows the jobs before the catalogue (docs/sync-protocol.md §7d), in real
Chromium: the technician signs in, the job list appears while the parts catalogue and the
articles have not arrived, the network drops, and the job still opens and takes a step;
when the network returns the step reaches the server and the catalogue arrives."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from server.workorders.models import WorkOrder
from tests import factories
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    read,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]

# The pulls after the jobs page: they carry jobs_upto until the cursor passes it.
AFTER_THE_JOBS = re.compile(r".*/api/v1/sync/pull\?.*jobs_upto=\d+.*")

STORED = """async () => {
    const { db, getMeta } = await import('/app/js/db.js');
    return { orders: await db.work_order.count(), parts: await db.part.count(),
             articles: await db.article.count(), outbox: await db.outbox.count(),
             jobsUpto: await getMeta('jobsUpto', 0), cursor: await getMeta('cursor', 0) };
}"""


def test_a_job_opens_and_takes_a_step_offline_before_the_catalogue_has_arrived(
        live_server, phone_context, committed):
    job = committed(lambda: build_job(in_warranty=True))  # parts need no quote first
    page = phone_context.new_page()
    app = TechnicianApp(page, live_server)
    held = []
    page.route(AFTER_THE_JOBS, lambda route: held.append(route))  # the catalogue waits

    page.goto(f"{live_server}/app/")
    page.get_by_role("button", name="English").click()
    page.locator("#email").fill(job.email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator(".job-list")).to_contain_text(job.customer)
    for _ in range(200):  # until the app asks for the rest of its first sync
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the app never asked for the catalogue after its jobs"
    stored = page.evaluate(STORED)
    assert stored["orders"] == 1 and stored["parts"] == 0 and stored["articles"] == 0
    assert stored["cursor"] == 0 and stored["jobsUpto"] > 0

    # The network drops before the catalogue arrives; the job is usable all the same.
    phone_context.set_offline(True)
    held[0].abort("internetdisconnected")
    app.open_job(job.number)
    expect(page.locator(".job-head")).to_contain_text(job.customer)
    app.step("Start travel")
    app.status_is("En route")
    assert page.evaluate(STORED)["outbox"] == 1
    assert page.evaluate(STORED)["parts"] == 0
    assert read(lambda: factories.db.session.get(
        WorkOrder, uuid.UUID(job.order_id)).status) == "scheduled"

    # Back online: the step goes up once, and the first sync finishes from where it was.
    page.unroute(AFTER_THE_JOBS)
    phone_context.set_offline(False)
    app.wait_synced()
    stored = page.evaluate(STORED)
    assert stored["parts"] == len(job.parts) and stored["articles"] == 1
    assert stored["outbox"] == 0 and stored["jobsUpto"] == 0 and stored["cursor"] > 0
    app.status_is("En route")
    assert read(lambda: factories.db.session.get(
        WorkOrder, uuid.UUID(job.order_id)).status) == "en_route"
    # The catalogue is there to use: on site, the parts tab finds a part by name.
    app.step("Arrived")
    app.status_is("On site")
    app.tab("Parts")
    page.locator("#part-search").fill("capacitor")
    expect(page.locator(".part-result").first).to_contain_text("Run capacitor 35 µF")
    assert app.errors == []
