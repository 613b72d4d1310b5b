"""Maintenance plans: an installation plans its calls (monthly for a year, then quarterly),
the office plans visits, and each is generated ahead of its date, once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.database import utcnow
from server.errors import Invalid
from server.extensions import db
from server.followups import service as followups
from server.followups.models import FollowUp
from server.plans import service
from server.plans.models import Plan
from server.workorders.models import WorkOrder


def test_months_are_added_to_the_last_day_of_short_months():
    assert service.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert service.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_a_signed_installation_plans_monthly_calls_then_quarterly(make_order):
    order = make_order(type="install", status="signed")
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == order.customer_id))
    assert (plan.kind, plan.interval_months, plan.later_interval_months) == ("call", 1, 3)
    assert plan.switch_on == service.add_months(plan.next_due, 11)
    assert service.next_after(plan, plan.switch_on) == service.add_months(plan.switch_on, 3)
    assert service.next_after(plan, plan.next_due) == service.add_months(plan.next_due, 1)


def test_a_repair_plans_nothing(make_order):
    order = make_order(status="signed")
    assert db.session.scalar(select(Plan).where(Plan.customer_id == order.customer_id)) is None


def test_a_call_plan_puts_a_call_in_the_queue_ahead_of_its_date_once(make_customer, dispatcher):
    customer = make_customer()
    today = utcnow().date()
    plan = service.create(dispatcher, customer_id=customer.id, kind="call", interval_months=3,
                          first_due=today + timedelta(days=3))
    assert service.generate_due() == 1
    assert service.generate_due() == 0
    call = db.session.scalar(select(FollowUp).where(FollowUp.plan_id == plan.id))
    assert call.reason == "plan" and call in followups.queue()
    assert plan.next_due == service.add_months(today + timedelta(days=3), 3)


def test_a_visit_plan_makes_a_maintenance_order_for_the_board(make_customer, make_asset,
                                                              dispatcher):
    customer = make_customer()
    asset = make_asset(customer)
    service.create(dispatcher, customer_id=customer.id, asset_id=asset.id, kind="visit",
                   interval_months=12, first_due=utcnow().date() + timedelta(days=1),
                   note="Clean the air conditioner every spring")
    assert service.generate_due() == 1
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.customer_id == customer.id))
    assert order.type == "maintenance" and order.status == "new"
    assert order.asset_id == asset.id and order.preferred_start is not None


def test_a_plan_far_ahead_makes_nothing_yet_and_an_ended_plan_stops(make_customer, dispatcher):
    customer = make_customer()
    today = utcnow().date()
    service.create(dispatcher, customer_id=customer.id, kind="call", interval_months=1,
                   first_due=today + timedelta(days=30))
    assert service.generate_due() == 0
    ending = service.create(dispatcher, customer_id=customer.id, kind="call", interval_months=1,
                            first_due=today, ends_on=today + timedelta(days=5))
    assert service.generate_due() == 1 and not ending.active


def test_a_bad_plan_names_its_fields(make_customer, dispatcher):
    with pytest.raises(Invalid) as refused:
        service.create(dispatcher, customer_id=make_customer().id, kind="yearly",
                       interval_months=0, first_due=date(2026, 1, 1))
    assert set(refused.value.errors) == {"kind", "interval_months"}


def test_the_office_adds_a_plan_for_a_key_customer_in_the_console(client, dispatcher,
                                                                  make_customer):
    from tests.api.test_console import sign_in, text

    customer = make_customer(name="李建国")
    assert sign_in(client, dispatcher).status_code == 302
    refused = text(client.post("/plans/", data={"phone": "+86 000", "kind": "call",
                                                 "interval_months": "3",
                                                 "first_due": "2026-12-01"},
                               follow_redirects=True))
    assert "No customer has this phone number." in refused
    client.post("/plans/", data={"phone": customer.phone, "kind": "visit",
                                 "interval_months": "12", "first_due": "2027-03-01",
                                 "note": "Clean the air conditioner every spring"})
    page = text(client.get("/plans/"))
    assert "李建国" in page and "Mar 1, 2027" in page and "every spring" in page
    assert f'href="/customers/{customer.id}"' in page  # stopping a plan is on that page


def test_the_plans_page_speaks_chinese_and_a_refusal_names_no_field_code(
        client, make_user, make_customer):
    """The plan list's date column read "下一页" (the pager's "Next page") over ISO dates,
    and a refused plan flashed "phone: 没有…" — a field code on a Chinese page."""
    from tests.api.test_console import sign_in, text

    customer = make_customer(name="李建国")
    assert sign_in(client, make_user("dispatcher", locale="zh")).status_code == 302
    refused = text(client.post("/plans/", data={"phone": "+86 000", "kind": "call",
                                                 "interval_months": "3",
                                                 "first_due": "2026-12-01"},
                               follow_redirects=True))
    flashed = refused.split('class="flashes"', 1)[1].split("</div>", 1)[0]
    assert "没有使用此电话号码的客户。" in flashed and "phone" not in flashed
    refused = text(client.post("/plans/", data={"phone": customer.phone, "kind": "call",
                                                 "interval_months": "0",
                                                 "first_due": "2026-12-01"},
                               follow_redirects=True))
    flashed = refused.split('class="flashes"', 1)[1].split("</div>", 1)[0]
    assert "flash-error" in flashed and "interval_months" not in flashed
    client.post("/plans/", data={"phone": customer.phone, "kind": "visit",
                                 "interval_months": "12", "first_due": "2027-03-01"})
    page = text(client.get("/plans/"))
    assert "下次日期" in page and "下一页" not in page
    assert "2027年3月1日" in page and "2027-03-01" not in page
