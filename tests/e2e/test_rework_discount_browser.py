"""Issue 12 in real Chromium: a discounted rework. The dispatcher gives the discount on the
order page; the phone's sign screen shows "Rework of WO-…" and the discount, and the hash it
signs is the server's (signed content version 2, built on both sides); the customer page
lists the plans and the board the plans coming up — in English and in Chinese."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.media.models import Signature
from server.reports.content import content_hash, signed_content
from server.workorders.models import WorkOrder
from tests import factories
from tests.e2e.console_helpers import wait_for_htmx
from tests.e2e.pwa_helpers import (  # noqa: F401  (fixtures)
    TechnicianApp,
    build_job,
    phone_context_fixture,
    read,
)

pytestmark = [pytest.mark.live, pytest.mark.browser]

WORDS = {
    "en": dict(app="English", sign_link="Customer sign-off",
               name="Name of the person signing", sign="Confirm and sign",
               rework="Rework of {}", discount="Discount (Complaint settled)",
               discount_line="10% off", plans="Planned calls and visits",
               visit="Maintenance visit", save="Save the discount", how="How",
               value="Percentage or amount", reason="Reason",
               summary="Waive or discount the charges", saved="Discount saved."),
    "zh": dict(app="中文", sign_link="客户签字确认", name="签字人姓名", sign="确认并签字",
               rework="返修单，原工单 {}", discount="优惠（投诉处理）", discount_line="优惠 10%",
               plans="计划中的回访和上门", visit="上门保养", save="保存优惠", how="方式",
               value="百分比或金额", reason="原因", summary="减免或优惠费用", saved="优惠已保存。"),
}


def _rework_job(language: str):
    """A job the phone holds, made a rework of the same appliance's earlier visit (decided
    as create_order decides it), completed and ready for the customer; plus a plan."""
    job = build_job(language=language)
    order = db.session.get(WorkOrder, uuid.UUID(job.order_id))
    from server.accounts.models import User

    dispatcher = db.session.get(User, uuid.UUID(job.dispatcher_id))
    first = factories.make_order(dispatcher, customer=order.customer, asset=order.asset,
                                 language=language, status="completed")
    order.repeat_of_id, order.rework_of = first.id, first.number
    order.labour_cents = order.travel_cents = 0
    for step in ("en_route", "on_site"):
        factories.orders.transition(dispatcher, order, step)
    order.diagnosis, order.resolution = "Capacitor", "Replaced"
    factories.orders.transition(dispatcher, order, "completed")
    from server.inventory.models import Part
    from server.workorders.models import PartUsage

    part = db.session.get(Part, uuid.UUID(job.parts["CAP-35"]))
    db.session.add(PartUsage(id=uuid.uuid4(), work_order_id=order.id, part_id=part.id,
                             quantity=1, unit_price_cents=part.price_cents))
    from server.plans import service as plans

    plan = plans.create(dispatcher, customer_id=order.customer_id, asset_id=order.asset_id,
                        kind="visit", interval_months=12,
                        first_due=date.today() + timedelta(days=9))
    db.session.flush()
    admin = factories.make_user("admin", locale=language)
    return {"job": job, "first": first.number, "order_id": str(order.id),
            "customer_id": str(order.customer_id), "plan_id": str(plan.id),
            "admin": admin.email}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_discounted_rework_is_shown_and_signed_alike_on_both_sides(
        app, live_server, browser, phone_context, committed, monkeypatch, language):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    w = WORDS[language]
    made = committed(lambda: _rework_job(language))
    job = made["job"]

    # The dispatcher gives 10 % off for a settled complaint on the order page.
    office = browser.new_page()
    office.goto(f"{live_server}/login?lang={language}")
    office.locator("input[name=email]").fill(made["admin"])
    office.locator("input[name=password]").fill(factories.PASSWORD)
    office.locator("form button.primary[type=submit]").click()
    expect(office.locator("body.page-login, form.login")).to_have_count(0)
    office.goto(f"{live_server}/orders/{made['order_id']}")
    wait_for_htmx(office)
    form = office.locator("details.discount")
    form.get_by_text(w["summary"]).click()
    form.get_by_label(w["how"]).select_option("percent")
    form.get_by_label(w["value"]).fill("10")
    form.get_by_label(w["reason"]).select_option("complaint_settled")
    form.get_by_role("button", name=w["save"]).click()
    expect(office.get_by_text(w["saved"])).to_be_visible()
    expect(office.locator("[data-charge=discount]")).to_contain_text(w["discount_line"])
    # The plan is on the customer's page and on the board.
    office.goto(f"{live_server}/customers/{made['customer_id']}")
    expect(office.locator(f"[data-plan='{made['plan_id']}']")).to_contain_text(w["visit"])
    office.goto(f"{live_server}/board")
    expect(office.locator("[data-board-plans]")).to_contain_text(w["plans"])
    expect(office.locator(f"[data-board-plans] [data-plan='{made['plan_id']}']")).to_be_visible()
    office.close()

    # The phone shows the same rework and discount, and signs it.
    page = phone_context.new_page()
    phone = TechnicianApp(page, live_server)
    phone.sign_in(job.email, language=w["app"])
    # A completed job is in the "done" list; go to it directly.
    page.evaluate("(id) => { location.hash = `#/job/${id}`; }", made["order_id"])
    expect(page.locator(".topbar-title")).to_have_text(job.number)
    page.locator(".stepbar").get_by_role("link", name=w["sign_link"]).click()
    preview = page.get_by_test_id("report-preview")
    expect(preview.get_by_test_id("rework-of")).to_have_text(w["rework"].format(made["first"]))
    expect(preview.get_by_test_id("discount")).to_contain_text(w["discount"])
    phone.screenshot(f"sign-rework-discount-{language}")
    phone.draw_signature()
    page.get_by_label(w["name"]).fill(job.customer)
    before = phone.last_sync()
    page.get_by_role("button", name=w["sign"]).click()
    expect(page.get_by_test_id("signed")).to_contain_text(job.customer)
    phone.wait_synced(timeout=60_000, since=before)  # a sync after the signature

    def server():
        order = db.session.get(WorkOrder, uuid.UUID(made["order_id"]))
        signature = db.session.scalar(select(Signature).where(
            Signature.work_order_id == order.id))
        content = signed_content(order)
        return {"status": order.status, "content": content, "expected": content_hash(content),
                "signed": signature.content_hash}

    state = read(server)
    assert state["status"] == "signed"
    assert state["content"]["v"] == 2 and state["content"]["rework_of"] == made["first"]
    assert state["content"]["charges"]["discount_reason"] == "complaint_settled"
    assert state["content"]["charges"]["discount_cents"] == 450  # 10 % of the part, 45.00
    assert state["signed"] == state["expected"]  # the phone built the same bytes
    assert not phone.errors
