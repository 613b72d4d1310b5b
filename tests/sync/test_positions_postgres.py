"""The classic change-feed bug cannot happen: a slow writer never lets a pull skip its row.

A writer takes its position, then stays open; meanwhile other transactions commit and the
device pulls. When the slow writer finally commits, the device's next pull must bring its
row. With positions taken from a sequence this fails (the device's cursor passes the slow
writer's position before it commits); with the commit-ordered counter it cannot.
"""

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.audit.models import AuditEvent
from server.extensions import db
from server.workorders.models import WorkOrder
from tests import factories
from tests.concurrency import require_concurrent_writers
from tests.sync.phone import Phone

pytestmark = pytest.mark.live


@pytest.fixture
def two_orders(app):
    require_concurrent_writers()
    office = factories.make_user("dispatcher")
    tech = factories.make_technician()
    first, second = factories.make_order(actor=office), factories.make_order(actor=office)
    for order in (first, second):
        factories.walk_to(order, "scheduled", office, tech)
    db.session.commit()
    return tech, first.id, second.id


def test_a_writer_held_open_never_lets_a_pull_skip_its_row(client, two_orders):
    tech, slow_id, fast_id = two_orders
    phone = Phone(client, tech)
    phone.pull()
    seen = []

    slow = Session(db.engine)
    slow.get(WorkOrder, slow_id).diagnosis = "written by the slow transaction"
    slow.flush()  # takes its position and holds the counter row until it commits
    slow_position = slow.get(WorkOrder, slow_id).sync_pos

    fast_done = threading.Event()
    engine = db.engine  # the thread has no app context

    def fast_writer():
        with Session(engine) as fast:
            fast.get(WorkOrder, fast_id).diagnosis = "written by the fast transaction"
            fast.commit()  # waits for the slow one: positions follow commit order
        fast_done.set()

    thread = threading.Thread(target=fast_writer)
    thread.start()

    # Writes that do not enter the change feed commit freely meanwhile.
    with Session(db.engine) as other:
        other.add(AuditEvent(action="unrelated.write"))
        other.commit()

    for _ in range(5):  # the device keeps pulling while the slow writer is open
        before = phone.cursor
        phone.pull()
        seen.append(phone.cursor)
        assert phone.cursor < slow_position, "the cursor passed an uncommitted position"
        assert phone.cursor >= before
        time.sleep(0.05)
    assert not fast_done.is_set(), "the fast writer should wait for the slow one"

    slow.commit()
    slow.close()
    thread.join(timeout=10)
    assert fast_done.is_set()

    phone.pull()
    order = phone.orders()
    assert order[str(slow_id)]["diagnosis"] == "written by the slow transaction"
    assert order[str(fast_id)]["diagnosis"] == "written by the fast transaction"
    positions = db.session.execute(select(WorkOrder.id, WorkOrder.sync_pos).where(
        WorkOrder.id.in_([slow_id, fast_id]))).all()
    by_id = dict(positions)
    assert by_id[fast_id] > by_id[slow_id]  # the fast writer got the later position


def test_pulls_do_not_wait_for_writers(client, two_orders):
    tech, slow_id, _ = two_orders
    phone = Phone(client, tech)
    slow = Session(db.engine)
    slow.get(WorkOrder, slow_id).diagnosis = "still open"
    slow.flush()
    try:
        started = time.monotonic()
        phone.pull()  # reading the counter must not wait on the writer's row lock
        assert time.monotonic() - started < 5
        assert str(slow_id) in phone.orders()
        assert phone.orders()[str(slow_id)]["diagnosis"] != "still open"
    finally:
        slow.rollback()
        slow.close()


def test_history_written_alone_waits_for_a_writer_appending_to_the_same_order(
        app, two_orders):
    """A customer's request for another window writes only history (no replicated row).
    It still takes the change-feed counter before it numbers its event, so it waits for a
    push appending to the same order instead of taking the same number and failing."""
    from server.portal import service as portal
    from server.workorders.models import WorkOrderEvent

    _, order_id, _ = two_orders
    last = db.session.scalar(select(func.max(WorkOrderEvent.seq))
                             .where(WorkOrderEvent.work_order_id == order_id))
    db.session.remove()
    push = Session(db.engine)  # a push on the phone's order, open with its event written
    push.get(WorkOrder, order_id).diagnosis = "written on site"
    push.add(WorkOrderEvent(work_order_id=order_id, seq=last + 1, kind="field_changed"))
    push.flush()

    failures = []

    def customer_asks():
        with app.app_context():
            try:
                portal.ask_new_window(db.session.get(WorkOrder, order_id), "Tomorrow, please.")
                db.session.commit()
            except Exception as error:  # an IntegrityError before the fix: reported below
                failures.append(error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=customer_asks)
    thread.start()
    time.sleep(0.5)  # the customer's request reaches the database while the push is open
    push.commit()
    push.close()
    thread.join(timeout=10)
    assert failures == []
    kinds = db.session.execute(select(WorkOrderEvent.seq, WorkOrderEvent.kind).where(
        WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.seq > last)
        .order_by(WorkOrderEvent.seq)).all()
    assert kinds == [(last + 1, "field_changed"), (last + 2, "customer_asked_new_window")]
