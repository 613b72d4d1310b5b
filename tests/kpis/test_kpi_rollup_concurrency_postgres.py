"""Two transactions that change different facts of one order at the same time both reach its
KPI rollup row: the office records the manufacturer's credit on the order's warranty claim
while a technician records a part used on it. Each transaction recomputes the row before it
commits; without a lock each did so from its own snapshot and the second commit lost the
first one's fact (or collided with the first one's new row). Runs on PostgreSQL with two
real connections (SQLite serialises writers with BEGIN IMMEDIATE, so the race cannot arise
there)."""

import threading

import pytest
from sqlalchemy import select

from server.extensions import db
from server.kpis import rollup
from server.kpis.models import KpiOrderFacts
from server.accounts.models import User
from server.warranty import service as warranty
from server.warranty.models import WarrantyClaim
from server.workorders.models import PartUsage, WorkOrder
from tests import factories
from tests.concurrency import require_concurrent_writers

pytestmark = pytest.mark.live


def _commit_together(app, *changes) -> list[str]:
    """Each change in a request of its own, on its own thread: flushed, then committed once
    every other one is flushed too (until the rollup the changes take no lock another
    waits for). Returns the errors, empty when every change committed."""
    all_flushed = threading.Barrier(len(changes))
    errors: list[str] = []

    def run(change):
        with app.test_request_context():
            try:
                change()
                db.session.flush()
                all_flushed.wait(timeout=30)
                db.session.commit()
            except Exception as problem:  # noqa: BLE001 - reported by the caller
                db.session.rollback()
                errors.append(repr(problem))

    threads = [threading.Thread(target=run, args=(change,)) for change in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_a_credit_and_a_part_line_committed_together_both_reach_the_rollup(app):
    require_concurrent_writers()
    office = factories.make_user("dispatcher")
    tech = factories.make_technician()
    order = factories.make_order(office, assignee=tech, status="completed")
    part = factories.make_part(price_cents=900)
    claim = warranty.create_claim(office, order.id)
    for to in ("submitted", "accepted"):
        warranty.move_claim(office, claim, to)
    db.session.commit()
    assert order.in_warranty is True
    order_id, claim_id, office_id = order.id, claim.id, office.id
    part_id, tech_id = part.id, tech.id
    before = db.session.get(KpiOrderFacts, order_id)
    assert (before.warranty_parts_cents, before.warranty_credited_cents) == (0, 0)
    db.session.remove()

    def credit():
        warranty.move_claim(db.session.get(User, office_id),
                            db.session.get(WarrantyClaim, claim_id), "credited",
                            credited_cents=700)

    def use_part():
        db.session.add(PartUsage(work_order_id=order_id, part_id=part_id, quantity=2,
                                 unit_price_cents=900, technician_id=tech_id))

    # A claim is not replicated to phones, so crediting it does not take the change-feed
    # counter a part line takes: the two meet only at the rollup.
    assert _commit_together(app, credit, use_part) == []

    row = db.session.scalars(select(KpiOrderFacts).where(KpiOrderFacts.id == order_id)).one()
    assert row.warranty_credited_cents == 700  # the office's credit
    assert row.warranty_parts_cents == 2 * 900  # the technician's part line
    assert rollup.check() == []


def test_a_new_claim_and_an_order_change_committed_together_do_not_deadlock(app):
    """The office opens a warranty claim on an order (its insert takes a key-share lock on
    the order) while another transaction changes the order itself (a no-key update): the
    two locks do not conflict, so both reach their commit. Each then locks the order for
    its rollup; a lock that conflicted with the claim's key share made each wait for the
    other, and PostgreSQL killed one with "deadlock detected" (seen in the cluster
    rehearsal: incident detection linking orders while phones pushed)."""
    require_concurrent_writers()
    office = factories.make_user("dispatcher")
    tech = factories.make_technician()
    order = factories.make_order(office, assignee=tech, status="completed")
    db.session.commit()
    order_id, office_id = order.id, office.id
    db.session.remove()

    def open_claim():
        warranty.create_claim(db.session.get(User, office_id), order_id)

    def change_order():
        db.session.get(WorkOrder, order_id).resolution = "Replaced the fan; tested an hour."

    assert _commit_together(app, open_claim, change_order) == []

    assert db.session.scalar(select(WarrantyClaim.id)
                             .where(WarrantyClaim.work_order_id == order_id)) is not None
    assert db.session.get(WorkOrder, order_id).resolution.startswith("Replaced the fan")
    assert rollup.check() == []
