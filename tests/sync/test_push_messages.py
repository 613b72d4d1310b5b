"""A visit pushed from the phone tells the customer the technician is on the way, as the
office's own step does: the push reads the order's customer and address with the order
(``sync.push.prefetch``) and the outbox uses those. Runs on SQLite and, with DATABASE_URL,
PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.messaging.models import Message
from tests.factories import walk_to
from tests.sync.phone import new_id


def _on_the_way(order) -> list[Message]:
    return list(db.session.scalars(select(Message).where(
        Message.work_order_id == order.id, Message.kind == "on_the_way")
        .order_by(Message.channel)))


def test_a_pushed_visit_queues_the_on_the_way_message_on_each_channel_once(
        phone_for, technician, dispatcher, make_order, make_customer):
    customer = make_customer(language="en")
    customer.email = "ann@example.test"
    order, other = make_order(actor=dispatcher, customer=customer), make_order(actor=dispatcher)
    for job in (order, other):
        walk_to(job, "scheduled", dispatcher, technician)
    db.session.commit()
    phone = phone_for(technician)
    for job in (order, other):  # two visits in one batch: each customer hears of theirs
        line = {"order_id": str(job.id)}
        phone.queue("transition", {**line, "to": "en_route", "device_time": phone.now(),
                                   "latitude": 31.19 + 10 / 111.2, "longitude": 121.44})
        phone.queue("add_note", {**line, "note_id": new_id(), "body": "Leaving now.",
                                 "device_time": phone.now()})
        phone.queue("transition", {**line, "to": "on_site", "device_time": phone.now()})
    results = phone.push().get_json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 6
    db.session.expire_all()

    email, sms = _on_the_way(order)
    assert (email.channel, email.recipient, email.language) == (
        "email", "ann@example.test", "en")
    assert sms.channel == "sms" and sms.recipient.startswith("+86138")
    assert email.data["number"] == order.number and email.data["eta"] is not None
    assert email.data["technician"] == sms.data["technician"] is not None
    assert [m.channel for m in _on_the_way(other)] == ["sms"]  # no e-mail on record
    assert _on_the_way(other)[0].customer_id == other.customer_id
