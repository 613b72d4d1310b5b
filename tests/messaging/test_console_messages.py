"""The office sees each order's messages, why one failed, and can send it again."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from server.extensions import db
from server.messaging.models import Message
from tests.factories import PASSWORD


def test_the_order_page_and_the_failed_page_show_the_reason_and_resend_works(
        client, mailbox, dispatcher, make_customer, make_order):
    customer = make_customer(language="en")
    customer.email = "ann at example"
    order = make_order(customer=customer, status="scheduled")
    db.session.commit()
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})

    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Texts and e-mails" in page and "Booking confirmation" in page
    assert "invalid e-mail address on record" in page
    failed = client.get("/messages/failed").get_data(as_text=True)
    assert order.number in failed and "invalid e-mail address on record" in failed

    (row,) = db.session.scalars(select(Message).where(Message.work_order_id == order.id,
                                                     Message.channel == "email"))
    customer.email = "ann@example.test"
    response = client.post(f"/messages/{row.id}/resend")
    assert response.status_code == 303
    (mail,) = mailbox.wait_for(1)
    assert mail["To"] == "ann@example.test"
    db.session.expire_all()
    assert db.session.get(Message, row.id).status == "sent"
    assert order.number not in client.get("/messages/failed").get_data(as_text=True)


def test_messages_are_listed_for_office_users_over_the_api(api_as, dispatcher, make_order):
    order = make_order(status="scheduled")
    db.session.commit()
    items = api_as(dispatcher).get(f"/api/v1/workorders/{order.id}/messages").get_json()["items"]
    assert [(m["kind"], m["channel"], m["status"]) for m in items] == [
        ("booking_confirmation", "sms", "sent")]
    assert items[0]["provider"] == "record"


def test_the_office_revokes_the_customers_link_from_the_order_page(
        client, dispatcher, make_order):
    from server.portal import links

    order = make_order(status="scheduled")
    old = "/c/" + links.token_of(links.active_link(order.id))
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    assert "Revoke the customer" in client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert client.post(f"/messages/orders/{order.id}/revoke-link").status_code == 303
    client.post("/logout")
    assert client.get(old).status_code == 410


def test_technicians_cannot_see_the_failed_messages_page(client, technician):
    client.post("/login", data={"email": technician.user.email, "password": PASSWORD})
    assert client.get("/messages/failed").status_code in (302, 403)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_message_can_be_reviewed_in_each_language_as_text_html_and_sms(
        client, dispatcher, language):
    from server.messaging.models import KINDS

    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    index = client.get("/messages/preview").get_data(as_text=True)
    for kind in KINDS:
        for form in ("text", "html", "sms"):
            assert f"/messages/preview/{kind}/{language}/{form}" in index
            response = client.get(f"/messages/preview/{kind}/{language}/{form}")
            assert response.status_code == 200
            body = response.get_data(as_text=True)
            assert "/c/EXAMPLE-TOKEN" in body and "{{" not in body and "%(" not in body
            assert bool(re.search(r"[\u4e00-\u9fff]", body.replace("李师傅", ""))) == \
                (language == "zh"), (kind, form)
    ics = client.get(f"/messages/preview/booking_confirmation/{language}/ics")
    assert "DTSTART:20260603T010000Z" in ics.get_data(as_text=True)


def test_a_chinese_office_reads_why_a_message_failed_in_chinese(
        client, dispatcher, make_customer, make_order):
    """The outbox stores its own reasons in English ("invalid phone number on record"):
    the Chinese order page and failed-messages page say them in Chinese."""
    customer = make_customer(language="zh")
    customer.email = "ann at example"
    customer.phone = "12345"
    order = make_order(customer=customer, status="scheduled")
    dispatcher.locale = "zh"
    db.session.commit()
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    for url in (f"/orders/{order.id}", "/messages/failed"):
        page = client.get(url).get_data(as_text=True)
        assert "电子邮件地址无效" in page and "电话号码无效" in page, url
        assert "invalid e-mail address on record" not in page, url
        assert "invalid phone number on record" not in page, url


@pytest.mark.parametrize("language, label", [("en", "The customer's page"), ("zh", "客户页面")])
def test_the_order_page_gives_the_office_the_customers_link_to_read_out(
        client, dispatcher, make_order, language, label):
    """A customer who lost the text asks on the phone: the dispatcher reads the link out
    or pastes it into a chat, and it opens that customer's page."""
    from html import unescape

    order = make_order(status="scheduled")
    db.session.commit()
    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    page = unescape(client.get(f"/orders/{order.id}?lang={language}").get_data(as_text=True))
    assert label in page
    (url,) = re.findall(r'id="customer-link-url"[^>]*value="([^"]+)"', page)
    client.post("/logout")
    assert client.get(url.removeprefix("http://localhost:5000")).status_code == 200
