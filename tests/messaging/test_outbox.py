"""Customer messages go through one outbox, over a real SMTP server, once per event."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.database import utcnow
from server.extensions import db
from server.messaging import service
from server.messaging.models import Message
from server.workorders import service as orders


def _messages(order, **where):
    query = select(Message).where(Message.work_order_id == order.id)
    for key, value in where.items():
        query = query.where(getattr(Message, key) == value)
    return list(db.session.scalars(query.order_by(Message.created_at)))


def _booked(make_customer, make_order, language="zh", email="wang@example.test"):
    customer = make_customer(language=language)
    customer.email = email
    order = make_order(customer=customer, status="scheduled")
    db.session.commit()
    return order


def test_booking_sends_one_confirmation_email_with_link_and_calendar(
        mailbox, make_customer, make_order):
    order = _booked(make_customer, make_order)

    (mail,) = mailbox.wait_for(1)
    assert mail["To"] == "wang@example.test"
    assert "预约" in mail["Subject"]  # the customer's language, not the dispatcher's
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert order.number in text and "/c/" in text and "/c/" in html
    (ics,) = [part for part in mail.iter_attachments()
              if part.get_content_type() == "text/calendar"]
    calendar = ics.get_content() if isinstance(ics.get_content(), str) \
        else ics.get_content().decode()
    start = order.appointment_start.strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in calendar and "BEGIN:VEVENT" in calendar
    (email_row,) = _messages(order, channel="email")
    assert email_row.status == "sent" and email_row.provider == "smtp"
    # The SMS channel has no gateway here: recorded in the outbox, marked as such.
    (sms_row,) = _messages(order, channel="sms")
    assert sms_row.status == "sent" and sms_row.provider == "record"
    assert sms_row.recipient.startswith("+86") and "/c/" in sms_row.body


def test_a_repeated_delivery_job_never_sends_twice(mailbox, make_customer, make_order):
    order = _booked(make_customer, make_order)
    mailbox.wait_for(1)
    (row,) = _messages(order, channel="email")

    assert service.deliver(row.id) == "skipped"
    assert service.deliver(row.id, now=utcnow() + timedelta(days=1)) == "skipped"
    assert len(mailbox.messages()) == 1


def test_the_same_event_flushed_again_queues_nothing_new(mailbox, make_customer, make_order):
    order = _booked(make_customer, make_order)
    ev = orders.history(order)[-1]
    assert service.queue_for_events(db.session, [ev]) == []
    assert len(_messages(order, channel="email")) == 1


def test_a_mail_server_that_is_down_loses_nothing(app, mailbox, make_customer, make_order):
    from tests.messaging.conftest import _free_port

    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"  # nobody listens there
    order = _booked(make_customer, make_order)
    (row,) = _messages(order, channel="email")
    assert row.status == "queued" and row.attempts == 1
    assert "unreachable" in row.last_error and row.next_attempt_at > utcnow()
    assert service.due() == []  # not before its next try

    app.config["SMTP_URL"] = mailbox.url  # the server is back
    later = row.next_attempt_at + timedelta(seconds=1)
    assert row.id in service.due(now=later)
    assert service.deliver(row.id, now=later) == "sent"
    assert len(mailbox.wait_for(1)) == 1


def test_an_invalid_address_fails_the_message_not_the_order(mailbox, make_customer, make_order):
    order = _booked(make_customer, make_order, email="wang at example")
    assert order.status == "scheduled"
    (row,) = _messages(order, channel="email")
    assert row.status == "failed" and row.last_error == "invalid e-mail address on record"
    assert mailbox.messages() == []


def test_a_refused_mailbox_is_failed_with_the_servers_reason(mailbox, make_customer, make_order):
    order = _booked(make_customer, make_order, email="refuse-me@example.test")
    (row,) = _messages(order, channel="email")
    assert row.status == "failed" and "550" in row.last_error
    assert row in service.failed()


def test_resend_queues_a_failed_message_to_the_corrected_address(
        mailbox, make_customer, make_order):
    order = _booked(make_customer, make_order, email="wang at example")
    (row,) = _messages(order, channel="email")
    order.customer.email = "wang@example.test"
    service.resend(row.id)
    db.session.commit()
    (mail,) = mailbox.wait_for(1)
    assert mail["To"] == "wang@example.test"
    assert db.session.get(Message, row.id).status == "sent"


def test_on_the_way_carries_an_eta_from_where_the_technician_left(
        mailbox, make_customer, make_order, make_technician):
    tech = make_technician(name="Li Wei")
    customer = make_customer(language="en")
    customer.email = "ann@example.test"
    order = make_order(customer=customer, status="scheduled", assignee=tech)
    db.session.commit()
    mailbox.wait_for(1)
    # 10 km north of the address at 25 km/h: 24 minutes.
    orders.transition(tech.user, order, "en_route", latitude=31.19 + 10 / 111.2,
                      longitude=121.44)
    db.session.commit()

    mails = mailbox.wait_for(2)
    (row,) = _messages(order, channel="email", kind="on_the_way")
    departed = orders.history(order)[-1].server_time
    eta = row.data["eta"]
    assert eta is not None
    from datetime import datetime

    minutes = (datetime.fromisoformat(eta) - departed).total_seconds() / 60
    assert 23 <= minutes <= 25
    assert row.data["technician"] == "Li"
    assert "Li is on the way" in mails[1]["Subject"]


def test_closing_the_order_queues_the_satisfaction_survey(mailbox, make_customer, make_order):
    customer = make_customer(language="en")
    customer.email = "ann@example.test"
    order = make_order(customer=customer, status="closed")
    db.session.commit()
    (survey,) = _messages(order, channel="email", kind="survey")
    assert survey.status == "sent"
    mail = [m for m in mailbox.messages() if "How did we do?" in m["Subject"]]
    assert len(mail) == 1 and "/c/" in mail[0].get_body(("plain",)).get_content()


def test_the_sweep_sends_what_is_due(app, mailbox, make_customer, make_order):
    from server.tasks import message_sweep
    from tests.messaging.conftest import _free_port

    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"
    order = _booked(make_customer, make_order)
    (row,) = _messages(order, channel="email")
    assert row.status == "queued"
    app.config["SMTP_URL"] = mailbox.url
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert message_sweep.call_local() >= 1
    mailbox.wait_for(1)
    db.session.expire_all()
    assert db.session.get(Message, row.id).status == "sent"


def test_a_message_that_keeps_failing_ends_failed_after_the_last_attempt(
        app, mailbox, make_customer, make_order):
    from tests.messaging.conftest import _free_port

    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"
    order = _booked(make_customer, make_order)
    (row,) = _messages(order, channel="email")
    later = utcnow()
    while row.status == "queued":
        later = row.next_attempt_at + timedelta(seconds=1)
        service.deliver(row.id, now=later)
        db.session.refresh(row)
    assert row.status == "failed" and row.attempts == app.config["MESSAGE_MAX_ATTEMPTS"]
    assert "unreachable" in row.last_error


def test_queueing_several_rows_at_once_skips_only_the_keys_already_queued(
        make_customer, make_order):
    """A sync batch queues its messages in one statement: a row whose dedupe key exists is
    skipped and not reported as queued, the others are stored and reported, the existing
    row is left as it was."""
    from server.database import new_uuid

    order = make_order(customer=make_customer())
    now = utcnow()

    def row(key, recipient):
        return {"id": new_uuid(), "work_order_id": order.id, "customer_id": order.customer_id,
                "kind": "on_the_way", "channel": "email", "recipient": recipient,
                "language": "en", "dedupe_key": key, "status": "queued", "attempts": 0,
                "next_attempt_at": now, "last_error": None, "data": {"eta": None},
                "created_at": now}

    first = row("batch-test:a", "first@example.test")
    assert service._insert_ignoring_duplicates(db.session, [first]) == [first["id"]]
    rows = [row("batch-test:b", "b@example.test"), row("batch-test:a", "again@example.test"),
            row("batch-test:c", "c@example.test")]
    inserted = service._insert_ignoring_duplicates(db.session, rows)
    assert sorted(inserted, key=str) == sorted([rows[0]["id"], rows[2]["id"]], key=str)
    stored = {m.dedupe_key: m for m in _messages(order) if m.dedupe_key.startswith("batch-test")}
    assert sorted(stored) == ["batch-test:a", "batch-test:b", "batch-test:c"]
    assert stored["batch-test:a"].id == first["id"]
    assert stored["batch-test:a"].recipient == "first@example.test"
    assert stored["batch-test:c"].data == {"eta": None}
