"""Repeat repairs are not billed twice: a return visit for the same appliance within
REPEAT_WINDOW_DAYS charges no labour and no travel."""

from __future__ import annotations

from datetime import timedelta

from server.extensions import db
from server.workorders import charges


def test_a_return_visit_within_the_window_charges_no_labour_or_travel(
        make_order, make_customer, make_asset, dispatcher):
    customer = make_customer()
    asset = make_asset(customer, warranty_days=-30)  # out of warranty: normally billed
    first = make_order(customer=customer, asset=asset, status="closed")
    assert first.labour_cents > 0 and first.travel_cents > 0
    again = make_order(customer=customer, asset=asset, repeat_of_id=first.id)
    assert charges.is_rework(again)
    assert (again.labour_cents, again.travel_cents) == (0, 0)
    assert charges.order_charges(again).total_cents == 0


def test_a_return_visit_after_the_window_is_billed(app, make_order, make_customer, make_asset):
    customer = make_customer()
    asset = make_asset(customer, warranty_days=-30)
    first = make_order(customer=customer, asset=asset, status="closed")
    first.completed_at -= timedelta(days=app.config["REPEAT_WINDOW_DAYS"] + 1)
    db.session.flush()
    again = make_order(customer=customer, asset=asset, repeat_of_id=first.id)
    assert not charges.is_rework(again)
    assert again.labour_cents > 0 and again.travel_cents > 0


def test_an_order_that_repeats_nothing_is_billed(make_order, make_customer, make_asset):
    customer = make_customer()
    order = make_order(customer=customer, asset=make_asset(customer, warranty_days=-30))
    assert not charges.is_rework(order) and order.labour_cents > 0


def test_the_order_page_shows_the_first_visits_technician_and_the_free_rework(
        client, make_order, make_customer, make_asset, make_technician, dispatcher):
    from tests.api.test_console import sign_in, text

    customer = make_customer()
    asset = make_asset(customer, warranty_days=-30)
    first = make_order(customer=customer, asset=asset, status="closed",
                       assignee=make_technician(name="Li Wei"))
    again = make_order(customer=customer, asset=asset, repeat_of_id=first.id)
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get(f"/orders/{again.id}"))
    assert first.number in page and "Li Wei" in page
    assert "rework: no labour or travel charged" in page
