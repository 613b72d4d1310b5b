"""Issue 12, "repeat repairs are not billed twice": a rework names the first visit on the
signed report and the phone (signed content version 2), and the office can waive or
discount the charges with a reason — before the customer signs, never below zero, in the
history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.inventory.models import StockLevel, StockLocation
from server.reports.content import signed_content
from server.workorders.models import WorkOrderEvent
from tests.api.test_reports import (  # noqa: F401 — fixtures
    TEXT,
    _signing_key_outside_the_instance_folder,
    do_the_work,
    pdf_of,
    pdftotext,
    report_of,
    signing_dir,
)
from tests.factories import walk_to
from tests.report_scenario import Visit
from tests.sync.phone import Phone


def discount(api, order, **body):
    return api.put(f"/api/v1/workorders/{order.id}/discount", json=body)


def events(order, kind):
    return db.session.scalar(select(func.count()).select_from(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == kind))


def return_visit(make_order, dispatcher, first):
    return make_order(actor=dispatcher, customer=first.customer, asset=first.asset,
                      repeat_of_id=first.id, language=first.language)


# -- rework ---------------------------------------------------------------------------------------

def test_a_return_visit_within_the_window_is_a_rework_that_names_the_first_visit(
        make_order, make_asset, make_customer, dispatcher, api_as):
    customer = make_customer()
    first = make_order(actor=dispatcher, customer=customer,
                       asset=make_asset(customer, warranty_days=-30), status="completed")
    second = return_visit(make_order, dispatcher, first)
    assert second.rework_of == first.number
    assert second.labour_cents == 0 and second.travel_cents == 0
    body = api_as(dispatcher).get(f"/api/v1/workorders/{second.id}").get_json()
    assert body["rework_of"] == first.number
    content = signed_content(second)
    assert content["v"] == 2 and content["rework_of"] == first.number
    assert content["charges"]["discount_cents"] == 0


def test_a_return_visit_after_the_window_is_no_rework_and_is_signed_as_version_1(
        app, make_order, make_asset, make_customer, dispatcher, monkeypatch):
    monkeypatch.setitem(app.config, "REPEAT_WINDOW_DAYS", -1)
    customer = make_customer()
    first = make_order(actor=dispatcher, customer=customer,
                       asset=make_asset(customer, warranty_days=-30), status="completed")
    second = return_visit(make_order, dispatcher, first)
    assert second.repeat_of_id == first.id and second.rework_of is None
    assert second.labour_cents > 0
    assert signed_content(second)["v"] == 1


# -- discounts ------------------------------------------------------------------------------------

@pytest.fixture
def charged(make_order, make_asset, make_customer, dispatcher):
    customer = make_customer()
    order = make_order(actor=dispatcher, customer=customer,
                       asset=make_asset(customer, warranty_days=-30))
    assert order.labour_cents + order.travel_cents > 0
    return order


def test_a_percentage_discount_with_a_reason_comes_off_the_total_and_is_in_the_history(
        charged, api_as, dispatcher):
    gross = charged.labour_cents + charged.travel_cents
    response = discount(api_as(dispatcher), charged, kind="percent", value=15,
                        reason="complaint_settled", note="Second visit for the same fault")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["discount_kind"], body["discount_value"], body["discount_reason"]) == (
        "percent", 15, "complaint_settled")
    visit = api_as(dispatcher).get(f"/api/v1/workorders/{charged.id}/visit").get_json()
    assert visit["charges"]["discount_cents"] == gross * 15 // 100
    assert visit["charges"]["total_cents"] == gross - gross * 15 // 100
    assert signed_content(charged)["charges"]["total_cents"] == visit["charges"]["total_cents"]
    assert events(charged, "discount_set") == 1
    event = db.session.scalar(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == charged.id, WorkOrderEvent.kind == "discount_set"))
    assert event.actor_id == dispatcher.id and event.data["reason"] == "complaint_settled"
    assert event.data["discount_cents"] == gross * 15 // 100


def test_waiving_takes_every_charge_and_removing_restores_them(charged, api_as, admin):
    api = api_as(admin)
    assert discount(api, charged, kind="waive", reason="goodwill").status_code == 200
    assert signed_content(charged)["charges"]["total_cents"] == 0
    response = api.delete(f"/api/v1/workorders/{charged.id}/discount")
    assert response.status_code == 200 and response.get_json()["discount_kind"] is None
    assert signed_content(charged)["v"] == 1
    assert events(charged, "discount_removed") == 1
    again = api.delete(f"/api/v1/workorders/{charged.id}/discount")
    assert again.status_code == 409 and again.get_json()["reason"] == "no_discount"


@pytest.mark.parametrize("body, field", [
    ({"kind": "amount", "value": 10**8, "reason": "goodwill"}, "value"),  # below zero
    ({"kind": "percent", "value": 101, "reason": "goodwill"}, "value"),
    ({"kind": "percent", "reason": "goodwill"}, "value"),
    ({"kind": "percent", "value": 10}, "reason"),
    ({"kind": "percent", "value": 10, "reason": "because"}, "reason"),
    ({"kind": "percent", "value": 10, "reason": "other"}, "note"),
    ({"kind": "half", "value": 10, "reason": "goodwill"}, "kind"),
])
def test_bad_discounts_are_422_naming_the_field_and_store_nothing(charged, api_as, dispatcher,
                                                                  body, field):
    response = discount(api_as(dispatcher), charged, **body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in errors or field in errors.get("json", {})  # the schema's or the rule's
    db.session.expire_all()
    assert charged.discount_kind is None and events(charged, "discount_set") == 0


def test_an_amount_above_the_charges_is_refused_but_the_total_never_goes_below_zero(
        charged, api_as, dispatcher):
    gross = charged.labour_cents + charged.travel_cents
    assert discount(api_as(dispatcher), charged, kind="amount", value=gross + 1,
                    reason="goodwill").status_code == 422
    assert discount(api_as(dispatcher), charged, kind="amount", value=gross,
                    reason="goodwill").status_code == 200
    charged.travel_cents = 0  # the charges shrink after the discount was given
    db.session.flush()
    assert signed_content(charged)["charges"]["total_cents"] == 0


def test_no_discount_once_the_customer_signed_or_in_warranty(make_order, api_as, dispatcher,
                                                             technician):
    signed = make_order(actor=dispatcher, status="signed", assignee=technician)
    response = discount(api_as(dispatcher), signed, kind="waive", reason="goodwill")
    assert response.status_code == 409
    assert response.get_json()["reason"] == "discount_after_signing"
    in_warranty = make_order(actor=dispatcher)  # the factory's asset is in warranty
    response = discount(api_as(dispatcher), in_warranty, kind="waive", reason="goodwill")
    assert response.status_code == 409 and response.get_json()["reason"] == "nothing_charged"


def test_a_technician_cannot_discount(charged, api_as, technician):
    response = discount(api_as(technician.user), charged, kind="waive", reason="goodwill")
    assert response.status_code == 403
    db.session.expire_all()
    assert charged.discount_kind is None


# -- the signed report -------------------------------------------------------------------------

def test_a_discounted_rework_signed_on_the_phone_prints_rework_of_and_the_discount(
        client, make_order, make_customer, make_asset, make_part, dispatcher, technician,
        api_as, tmp_path):
    text = TEXT["en"]
    customer = make_customer(name=text["name"], language="en")
    asset = make_asset(customer, warranty_days=-30)
    first = make_order(actor=dispatcher, customer=customer, asset=asset, language="en",
                       status="completed", assignee=technician)
    order = return_visit(make_order, dispatcher, first)
    walk_to(order, "scheduled", dispatcher, technician)
    assert discount(api_as(dispatcher), order, kind="percent", value=10,
                    reason="complaint_settled").status_code == 200
    van = db.session.scalar(select(StockLocation).where(
        StockLocation.technician_id == technician.id))
    parts = make_part(4500), make_part(12800)
    for part in parts:
        db.session.add(StockLevel(location_id=van.id, part_id=part.id, quantity=5))
    db.session.flush()
    visit = Visit(client, Phone(client, technician), order).arrive()
    visit.parts, visit.text = parts, text
    do_the_work(visit, photos=2)
    content = visit.sign("Alice Smith")  # the reference phone's own build of version 2
    assert content["v"] == 2 and content["rework_of"] == first.number
    report = report_of(visit)
    assert report.status == "ready", report.failure_reason  # the same hash on both sides
    lines = pdftotext(tmp_path, pdf_of(visit)).splitlines()
    assert any(" ".join(line.split()).endswith(f"Rework of {first.number}") for line in lines)
    words = " ".join(" ".join(lines).split())
    assert "Discount (Complaint" in words and "−CN¥17.30" in words and "CN¥155.70" in words
    gross = 4500 + 12800
    assert content["charges"]["total_cents"] == gross - gross // 10
    # The customer's page shows the same rework line, discount and total as the PDF.
    from server.portal import links

    url = links.url_of(links.ensure_link(visit.order)).removeprefix("http://localhost:5000")
    page = client.get(url).get_data(as_text=True)
    assert f"Rework of {first.number}: no labour or travel charged." in page
    assert "Discount (Complaint settled)" in page and "−CN¥17.30" in page
    assert "CN¥155.70" in page


def test_the_follow_ups_one_click_return_visit_is_a_rework_of_the_first_visit(
        make_order, make_customer, make_asset, dispatcher):
    from server.followups import service as followups
    from server.followups.models import FollowUp

    customer = make_customer()
    first = make_order(actor=dispatcher, customer=customer,
                       asset=make_asset(customer, warranty_days=-30), status="signed")
    followup = db.session.scalar(select(FollowUp).where(FollowUp.work_order_id == first.id))
    followups.record_outcome(dispatcher, followup, "reached", timeliness=4, attitude=4,
                             quality=2, solved=False)
    again = followups.open_return_visit(dispatcher, followup)
    assert again.rework_of == first.number and (again.labour_cents, again.travel_cents) == (0, 0)
    assert signed_content(again)["rework_of"] == first.number
