"""Customer messages: what the outbox costs.

* booking: the time one booking takes with its messages queued (the hook's share shows
  as the difference to the same booking with the hook's work skipped);
* due: the sweep's query (stuck rows back, due rows listed) over a large outbox;
* delivery: messages per second through a real SMTP server (aiosmtpd on loopback, as in
  the tests), each claimed, rendered (text, HTML, .ics) and committed.

    .venv/bin/python bench/messages_bench.py            # SQLite
    DATABASE_URL=postgresql://… .venv/bin/python bench/messages_bench.py

Writes bench/results/messages-<backend>.json.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The delivery jobs the bookings queue go to a scratch queue, not instance/queue.db.
os.environ.setdefault("HUEY_SQLITE_PATH", tempfile.mkdtemp(prefix="doorstep-bench-q-") + "/q.db")

from _world import ROOT, backend, make_app, report, timed  # noqa: E402

OUTBOX_ROWS = 100_000
DELIVERED = 100
BOOKINGS = 100


def _smtp_sink():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="doorstep-bench-smtp-"))
    process = subprocess.Popen([sys.executable, str(ROOT / "tests/messaging/smtp_sink.py"),
                                str(port), str(folder)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process, port, folder


def main() -> None:
    app = make_app("messages")
    process, port, folder = _smtp_sink()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        with app.app_context():
            figures = run(app, folder)
    finally:
        process.terminate()
        process.wait(timeout=10)
    report(f"messages-{backend(app)}", figures)


def run(app, folder: Path) -> dict:
    from sqlalchemy import func, insert, select

    from server.extensions import db
    from server.messaging import hooks, service
    from server.messaging.models import Message
    from server.tasks import huey
    from tests import factories

    huey.immediate = False  # queue nothing: the benchmark calls deliver itself
    office = factories.make_user("dispatcher")
    tech = factories.make_technician()
    customer = factories.make_customer(language="zh")
    customer.email = "bench@example.test"
    db.session.commit()

    # -- booking with and without the hook's work ---------------------------------------
    def bookings(with_hook: bool) -> list[float]:
        original = service.queue_for_events
        if not with_hook:
            hooks.service.queue_for_events = lambda session, events: []
        samples = []
        try:
            for _ in range(BOOKINGS):
                order = factories.make_order(actor=office, customer=customer)
                db.session.commit()
                started = time.perf_counter()
                factories.walk_to(order, "scheduled", office, tech)
                db.session.commit()
                samples.append((time.perf_counter() - started) * 1000)
        finally:
            hooks.service.queue_for_events = original
        return sorted(samples)

    plain, hooked = bookings(False), bookings(True)
    median = lambda xs: round(xs[len(xs) // 2], 2)  # noqa: E731
    queued = db.session.scalar(select(func.count()).select_from(Message)
                               .where(Message.status == "queued"))

    # -- delivery through real SMTP -----------------------------------------------------
    ids = list(db.session.scalars(select(Message.id).where(
        Message.status == "queued", Message.channel == "email").limit(DELIVERED)))
    db.session.commit()
    started = time.perf_counter()
    for message_id in ids:
        assert service.deliver(message_id) == "sent"
    delivery_s = time.perf_counter() - started
    received = len(list(folder.glob("[0-9]*.eml")))

    # -- the sweep's query over a big outbox ---------------------------------------------
    order_id, customer_id = db.session.execute(
        select(Message.work_order_id, Message.customer_id).limit(1)).one()
    now = datetime.now(UTC)
    for start in range(0, OUTBOX_ROWS, 20_000):
        db.session.execute(insert(Message), [{
            "id": uuid.uuid4(), "work_order_id": order_id, "customer_id": customer_id,
            "kind": "booking_confirmation", "channel": "email", "recipient": "x@example.test",
            "language": "zh", "dedupe_key": f"bench:{start + i}",
            # 1 in 100 waiting for a retry, half of those due now
            "status": "queued" if i % 100 == 0 else "sent", "attempts": 1,
            "next_attempt_at": now + timedelta(minutes=-1 if i % 200 == 0 else 5)
            if i % 100 == 0 else None, "data": {}, "created_at": now - timedelta(days=i % 90)}
            for i in range(min(20_000, OUTBOX_ROWS - start))])
        db.session.commit()
    due = timed(lambda: (service.due(), db.session.rollback()), 20)

    return {
        "backend": backend(app),
        "booking_ms_median_without_messages": median(plain),
        "booking_ms_median_with_messages": median(hooked),
        "messages_queued_per_booking": round(queued / BOOKINGS, 2),
        "smtp_delivered": len(ids), "smtp_received": received,
        "smtp_messages_per_second": round(len(ids) / delivery_s, 1),
        "smtp_ms_per_message": round(delivery_s * 1000 / len(ids), 2),
        "outbox_rows": OUTBOX_ROWS, "due_query": due,
    }


if __name__ == "__main__":
    main()
