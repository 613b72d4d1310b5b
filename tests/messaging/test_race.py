"""Two workers delivering the same message at once: it is sent once (real commits, real
connections; on PostgreSQL two transactions really race for the row)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from server.extensions import db
from server.messaging import service
from server.messaging.models import Message
from tests import factories

pytestmark = pytest.mark.live


def test_two_workers_racing_for_one_message_send_it_once(app, mailbox):
    from server.tasks import huey

    huey.immediate = False  # the test plays both workers itself
    try:
        customer = factories.make_customer(language="en")
        customer.email = "race@example.test"
        order = factories.make_order(customer=customer, status="scheduled")
        db.session.commit()
        (message_id,) = db.session.scalars(select(Message.id).where(
            Message.work_order_id == order.id, Message.channel == "email"))
        db.session.remove()
    finally:
        huey.immediate = True

    results, start = [], threading.Barrier(2)

    def worker():
        with app.app_context():
            start.wait()
            try:
                results.append(service.deliver(uuid.UUID(str(message_id))))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["sent", "skipped"]
    assert len(mailbox.wait_for(1)) == 1
