"""A message to every customer affected by an incident, through the customer outbox: one
per customer and channel, in the customer's language, never twice, delivered like every
customer message; refused without a text, nothing stored."""

from __future__ import annotations

from sqlalchemy import func, select

from server.customers.models import Customer
from server.extensions import db
from server.incidents import service
from server.incidents.models import Incident, IncidentMessage
from server.messaging import service as messaging
from server.messaging.models import Message
from server.workorders.models import WorkOrder

from .conftest import NOW
from .test_console import signed_in

EN = "We found a fault in a batch of JSQ24-12 heaters; we will replace the part free of charge."
ZH = "我们发现一批 JSQ24-12 热水器存在故障，将免费为您更换配件。"


def _incident(burst, count=12):
    ids = burst(count, symptom="WH_NO_HOT_WATER")
    service.detect(NOW)
    return db.session.scalars(select(Incident)).one(), ids


def _notices():
    return db.session.scalars(select(Message).where(Message.kind == "incident_notice")
                              .order_by(Message.customer_id, Message.channel)).all()


def test_every_affected_customer_gets_one_message_per_channel_in_their_language(
        burst, dispatcher):
    incident, ids = _incident(burst)
    orders = [db.session.get(WorkOrder, i) for i in ids]
    english = db.session.get(Customer, orders[0].customer_id)
    english.language, english.email = "en", "ann@example.com"
    service.unlink_orders(dispatcher, incident, [orders[1].id])  # left out from now on
    sent = service.message_customers(dispatcher, incident, EN, ZH)
    assert sent.customers == 11
    notices = _notices()
    by_customer = {}
    for m in notices:
        by_customer.setdefault(m.customer_id, []).append(m)
    assert len(by_customer) == 11 and orders[1].customer_id not in by_customer
    assert sorted(m.channel for m in by_customer[english.id]) == ["email", "sms"]
    assert {m.data["said"] for m in by_customer[english.id]} == {EN}
    others = [m for c, ms in by_customer.items() if c != english.id for m in ms]
    assert {(m.channel, m.language, m.data["said"]) for m in others} == {("sms", "zh", ZH)}
    assert all(m.status == "queued" and m.data["incident"] == incident.number
               for m in notices)
    # queueing the same notice again adds nothing (once per key and channel)
    order = orders[2]
    customer = db.session.get(Customer, order.customer_id)
    key = f"incident:{sent.id}:{customer.id}"
    assert messaging.queue_notice(db.session, order, customer, "incident_notice", key,
                                  {"said": ZH}) == 0
    assert len(_notices()) == len(notices)


def test_a_customer_with_one_language_missing_gets_the_other_and_delivery_renders_it(
        burst, dispatcher):
    incident, _ = _incident(burst, count=10)
    service.message_customers(dispatcher, incident, EN, None)
    db.session.commit()
    notice = _notices()[0]
    assert notice.language == "zh" and notice.data["said"] == EN
    if notice.status == "queued":  # the after-commit delivery job may have run already
        messaging.deliver(notice.id)
    db.session.refresh(notice)
    assert notice.status == "sent" and EN in notice.body
    assert notice.subject is None or "JSQ24-12" in notice.subject  # SMS: no subject


def test_without_a_text_or_on_a_closed_incident_nothing_is_sent(burst, dispatcher):
    import pytest

    from server.errors import Conflict, Invalid

    incident, _ = _incident(burst, count=10)
    with pytest.raises(Invalid) as refused:
        service.message_customers(dispatcher, incident, "  ", "")
    assert "text_en" in refused.value.errors
    service.close(dispatcher, incident, "Recall done")
    with pytest.raises(Conflict):
        service.message_customers(dispatcher, incident, EN, ZH)


def test_the_incident_page_sends_the_message_in_chinese(client, dispatcher, burst):
    incident, _ = _incident(burst, count=10)
    office = signed_in(client, dispatcher, "zh")
    page = office.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "发给受影响客户的消息" in page and "尚未发送消息。" in page
    refused = office.post(f"/incidents/{incident.id}/message", data={"text_en": "", "text_zh": ""})
    assert refused.status_code == 422
    assert "请用英文、中文或两种语言撰写消息。" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(IncidentMessage)) == 0
    done = office.post(f"/incidents/{incident.id}/message", data={"text_zh": ZH},
                       follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "消息已排队发送给 10 位客户。" in text and ZH in text
    assert len(_notices()) == 10
