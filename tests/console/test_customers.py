"""One customer, however their number was typed: phone numbers written one way, found
however spaced, a warning before a second record is made, and a merge when one was."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from server.assets.models import Asset
from server.audit.models import AuditEvent
from server.customers import phones
from server.customers import service as customers
from server.customers.models import Customer
from server.errors import Invalid
from server.extensions import db
from server.feedback.models import Complaint
from server.workorders.models import WorkOrder, WorkOrderEvent
from tests import factories
from tests.api.test_dispatch_console import new_customer_request


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def office(client, dispatcher):
    response = client.post("/login", data={"email": dispatcher.email,
                                           "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("typed", ["139 1778 2046", "13917782046", "+86 139 1778 2046",
                                   "+86-139-1778-2046", "(+86) 13917782046"])
def test_every_way_of_typing_a_number_is_one_number(typed):
    assert phones.normalise(typed) == "+8613917782046"
    assert phones.display(typed) == "+86 139 1778 2046"


def test_a_london_number_is_read_in_the_address_s_country_and_nonsense_is_refused():
    assert phones.normalise("020 7946 0958", "GB") == "+442079460958"
    assert phones.normalise("12345") is None
    assert phones.display(" 12345 ") == "12345"  # kept as typed, for a person to fix


def test_a_new_customer_s_number_is_stored_the_international_way(app):
    customer = customers.create_customer({"name": "赵丽", "phone": "13917782046",
                                          "addresses": [{"line1": "天钥桥路 1 号",
                                                         "city": "上海市"}]})
    assert customer.phone == "+86 139 1778 2046"


def test_the_search_finds_a_number_however_it_is_spaced(app):
    factories.make_customer(name="王秀英", phone="+86 139 1778 2046")
    for typed in ("13917782046", "139 1778 2046", "1778 2046"):
        found, total = customers.search_customers(typed, 1, 10)
        assert [c.name for c in found] == ["王秀英"], typed


def test_duplicates_are_the_same_number_or_the_same_name_at_the_same_address(app):
    wang = factories.make_customer(name="王秀英", phone="+86 139 1778 2046")
    by_phone = customers.likely_duplicates("Someone", "139 1778 2046")
    assert by_phone == [wang]
    same_place = customers.likely_duplicates("王秀英", "", wang.addresses[0].line1)
    assert same_place == [wang]
    assert customers.likely_duplicates("王秀英", "138 0000 9999", "别的路 1 号") == []


def test_the_desk_is_warned_before_a_second_record_is_made(office):
    factories.make_customer(name="王秀英", phone="+86 139 1778 2046")
    before = db.session.scalar(select(func.count()).select_from(Customer))
    response = office.post("/intake", data=new_customer_request(phone="13917782046"))
    assert response.status_code == 422
    body = text(response)
    assert "This looks like an existing customer" in body and "王秀英" in body
    assert db.session.scalar(select(func.count()).select_from(Customer)) == before
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 0

    saved = office.post("/intake", data=new_customer_request(phone="13917782046",
                                                             not_duplicate="1"))
    assert saved.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Customer)) == before + 1


def test_the_number_typed_in_the_search_box_carries_into_a_new_customer(office):
    body = text(office.post("/intake/part/customer?new=1",
                            data={"q": "139 5555 0101", "channel": "phone"}))
    assert re.search(r'name="phone"[^>]*value="139 5555 0101"', body)
    body = text(office.post("/intake/part/customer?new=1", data={"q": "赵丽"}))
    assert re.search(r'name="name"[^>]*value="赵丽"', body)


def test_merging_moves_orders_appliances_and_complaints_and_keeps_both_in_history(
        office, make_order, dispatcher):
    keep = factories.make_customer(name="王秀英", phone="+86 139 1778 2046")
    duplicate = factories.make_customer(name="王秀英", phone="13917782046")
    order = make_order(customer=duplicate)
    asset_id = order.asset_id
    db.session.add(Complaint(customer_id=duplicate.id, channel="phone", description="late"))
    db.session.flush()

    page = text(office.get(f"/customers/{keep.id}"))
    assert "data-duplicates" in page and f'value="{duplicate.id}"' in page
    response = office.post(f"/customers/{keep.id}/merge", data={"duplicate_id": duplicate.id})
    assert response.status_code == 302

    db.session.expire_all()
    assert db.session.get(WorkOrder, order.id).customer_id == keep.id
    assert db.session.get(Asset, asset_id).customer_id == keep.id
    assert db.session.scalar(select(Complaint.customer_id)) == keep.id
    assert len([a for a in db.session.get(Customer, keep.id).addresses]) == 2
    gone = db.session.get(Customer, duplicate.id)
    assert gone.deleted_at is not None and str(keep.id) in gone.notes
    event = db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order.id).order_by(WorkOrderEvent.seq.desc())).first()
    assert event.data == {"field": "customer_id", "from": "王秀英", "to": "王秀英"}
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.merged"))
    assert audit.entity_id == str(keep.id) and audit.data["moved"]["work_orders"] == 1
    assert "Customer changed from 王秀英 to 王秀英" in text(office.get(f"/orders/{order.id}"))


def test_a_customer_cannot_be_merged_into_itself(app, dispatcher):
    wang = factories.make_customer()
    with app.test_request_context("/?lang=en"), pytest.raises(Invalid) as refused:
        customers.merge(dispatcher, wang, wang)
    assert refused.value.errors == {"duplicate_id": ["Choose another customer."]}
