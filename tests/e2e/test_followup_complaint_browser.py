"""The loop closes, in real Chromium: a follow-up call finds the problem unsolved → a
linked return visit → the customer complains on their page → the desk takes and answers
the complaint → it escalates to the supervisor when the facts are not verified in time →
it is closed with a resolution, a root cause and the customer's confirmation."""

from __future__ import annotations

import re

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.complaints import service as complaints
from server.dispatch.escalation import sweep
from server.extensions import db, limiter
from server.feedback.models import Complaint
from server.notifications.models import Notification
from server.portal import links
from tests import factories

pytestmark = [pytest.mark.live, pytest.mark.browser]


def build() -> dict:
    supervisor = factories.make_user("dispatcher", name="Supervisor Su")
    desk = factories.make_user("dispatcher", name="Desk Du")
    desk.supervisor_id = supervisor.id
    customer = factories.make_customer(name="王秀英", language="zh")
    order = factories.make_order(desk, customer=customer, status="signed",
                                 assignee=factories.make_technician(name="Li Wei"))
    token = links.token_of(links.ensure_link(order))
    return {"desk": desk.email, "supervisor": str(supervisor.id), "order": str(order.id),
            "number": order.number, "token": token}


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_follow_up_call_a_return_visit_and_a_complaint_answered_escalated_and_closed(
        app, live_server, page, committed):
    limiter.reset()
    job = committed(build)
    sign_in(page, live_server, job["desk"])

    # The follow-up queue: the signed visit is there; the call finds the problem unsolved.
    page.goto(f"{live_server}/followups/")
    row = page.get_by_role("row").filter(has_text=job["number"])
    row.get_by_role("link", name="Call").click()
    expect(page.locator("blockquote.script")).to_contain_text("师傅是否准时")
    page.get_by_label("Outcome").select_option("reached")
    page.locator("select[name=timeliness]").select_option("4")
    page.locator("select[name=attitude]").select_option("4")
    page.locator("select[name=quality]").select_option("2")
    page.get_by_label("Is the problem solved?").select_option("no")
    page.get_by_label("Comment").fill("还是不制冷")
    page.get_by_role("button", name="Record the call").click()
    expect(page.locator(".solved")).to_have_text("Problem not solved")
    expect(page.get_by_text("A score this low proposes a complaint.")).to_be_visible()

    # One click: a return visit linked to the first one.
    page.get_by_role("button", name="Open a return visit").click()
    expect(page.get_by_text(job["number"]).first).to_be_visible()
    expect(page.locator("body")).to_contain_text("还是不制冷")

    # The customer complains on their own page.
    customer = page.context.browser.new_page()
    customer.goto(f"{live_server}/c/{job['token']}?lang=en")
    customer.get_by_text("Something wrong? Tell us").click()
    customer.get_by_label("What went wrong?").fill("修完没几天又坏了，没人联系我")
    customer.get_by_role("button", name="Send the complaint").click()
    expect(customer.locator("body")).to_contain_text("We have your complaint")
    customer.close()

    # The desk finds it in the complaints queue, takes it and answers the customer.
    page.goto(f"{live_server}/complaints/")
    page.get_by_role("link", name="修完没几天又坏了").click()
    expect(page.locator(".complaint-status")).to_have_text(
        re.compile(r"^\s*open\s*$", re.IGNORECASE))
    page.get_by_role("button", name="Take it").click()
    page.locator("select[name=kind]").select_option("answer")
    page.get_by_label("Said to the customer (sent to them)").first.fill(
        "很抱歉，我们今天会核实并回复您。")
    page.get_by_role("button", name="Record the step").click()
    expect(page.locator(".complaint-status")).to_have_text(re.compile(r"^\s*answered\s*$", re.IGNORECASE))
    expect(page.locator(".timeline")).to_contain_text("很抱歉，我们今天会核实并回复您。")

    # Nobody verifies the facts in time: the SLA sweep hands it to the supervisor.
    with app.app_context():
        try:
            complaint = db.session.scalar(select(Complaint))
            result = sweep(complaint.verify_by + timedelta(minutes=1))
            assert result.escalated >= 1
            told = db.session.scalars(select(Notification.user_id).where(
                Notification.kind == "complaint_escalation")).all()
            assert [str(t) for t in told] == [job["supervisor"]]
            db.session.commit()
        finally:
            db.session.remove()
    page.reload()
    expect(page.locator(".escalated")).to_have_text(re.compile(r"^\s*supervisor\s*$", re.IGNORECASE))
    expect(page.locator(".timeline")).to_contain_text("Supervisor Su")

    # Closing without a root cause is refused; with everything, it closes.
    page.get_by_role("textbox", name="Resolution", exact=True).fill("免费复修，更换电容")
    page.locator("select[name=confirmation]").select_option("customer")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("Choose the root cause.")
    page.get_by_role("textbox", name="Resolution", exact=True).fill("免费复修，更换电容")
    page.locator("select[name=category]").select_option("repeat_repair")
    page.locator("select[name=confirmation]").select_option("customer")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator(".complaint-status")).to_have_text(re.compile(r"^\s*closed\s*$", re.IGNORECASE))
    with app.app_context():
        try:
            complaint = db.session.scalar(select(Complaint))
            assert complaint.category == "repeat_repair" and complaints.steps(complaint)
        finally:
            db.session.remove()
