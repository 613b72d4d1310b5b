"""Two storekeepers receiving the same purchase at once (two connections, PostgreSQL):
the purchase row is locked first, so the delivery is booked once — one receipt line per
part, the request sent to its van once — and the other is told it was already received."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from server.errors import ServiceError
from server.extensions import db
from server.inventory import purchases
from server.inventory import service as stock
from server.inventory.models import (
    LocationKind,
    PartRequest,
    PurchaseOrder,
    StockLocation,
    StockMovement,
    VanDelivery,
)
from tests import factories
from tests.concurrency import require_concurrent_writers
from tests.factories import walk_to

pytestmark = pytest.mark.live

CLERKS = 4


def _run_together(app, work, n):
    start, errors = threading.Barrier(n), []

    def run(i):
        with app.test_request_context():
            start.wait()
            try:
                work(i)
            except Exception as problem:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(repr(problem))
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_receiving_a_purchase_twice_at_once_books_it_once(app):
    require_concurrent_writers()
    office = factories.make_user("dispatcher")
    tech = factories.make_technician()
    part = factories.make_part()
    order = factories.make_order(actor=office)
    walk_to(order, "on_site", office, tech)
    warehouse = StockLocation(kind=LocationKind.WAREHOUSE, name="Central")
    db.session.add(warehouse)
    db.session.flush()
    request = PartRequest(id=__import__("uuid").uuid4(), work_order_id=order.id,
                          part_id=part.id, quantity=2, technician_id=tech.id,
                          device_time=order.created_at)
    db.session.add(request)
    db.session.flush()
    with app.test_request_context():
        purchase = purchases.create(office, "Gree", warehouse, date.today(),
                                    [{"part_id": part.id, "quantity": 6}], [request.id],
                                    order_now=True)
    db.session.commit()
    ids = {"purchase": purchase.id, "office": office.id}
    booked, refused = [], []

    def clerk(n):
        try:
            purchases.receive(None, ids["purchase"], [{"part_id": part.id, "quantity": 6}])
            db.session.commit()
            booked.append(n)
        except ServiceError as problem:
            db.session.rollback()
            refused.append(problem.code)

    assert _run_together(app, clerk, CLERKS) == []
    assert len(booked) == 1 and refused == ["already_received"] * (CLERKS - 1)
    db.session.expire_all()
    receipts = db.session.scalar(select(func.count()).select_from(StockMovement).where(
        StockMovement.reason == "receive", StockMovement.part_id == part.id))
    deliveries = db.session.scalar(select(func.count()).select_from(VanDelivery).where(
        VanDelivery.request_id == request.id))
    assert (receipts, deliveries) == (1, 1)
    assert db.session.get(PurchaseOrder, ids["purchase"]).status == "received"
    assert stock.check() == []
