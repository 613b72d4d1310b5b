"""When to look at an order's report again: at every commit that touched its signed content.

Edits reach an order from the API, the console and the sync engine alike, and a photo
becomes ready when its bytes arrive on their own. Rather than asking each of them to
remember the report, this module watches the session, like ``sync.positions`` does:

* after each flush it notes the orders whose signed content may have changed: the order
  itself, its part lines, photos, signature, and the customer, address, asset or part
  they show — and the orders whose report waits for bytes that just arrived (or were
  refused): a photo's or the signature image's blob. The last piece arriving is what
  makes a report due, whichever piece it is;
* just before the outermost commit it runs ``service.refresh`` for those that have a
  signature — in the same transaction, so a report's status never disagrees with the
  data it describes;
* once that commit has succeeded it queues the render job for reports that became due,
  so the worker never looks for rows that are not committed yet. A rollback queues
  nothing.
"""

from __future__ import annotations

import logging
from itertools import chain

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..assets.models import Asset
from ..customers.models import Address, Customer
from ..inventory.models import Part
from ..media.models import Blob, BlobGrant, BlobRefusal, Photo, Signature
from ..workorders.models import PartUsage, WorkOrder

log = logging.getLogger(__name__)
_CANDIDATES = "doorstep_report_candidates"
_DUE = "doorstep_reports_due"
_COMMITTED = "doorstep_reports_committed"
_SHOWN_VIA = {Customer: WorkOrder.customer_id, Address: WorkOrder.address_id,
              Asset: WorkOrder.asset_id}


@event.listens_for(Session, "after_flush")
def _note_candidates(session: Session, flush_context) -> None:
    candidates = session.info.setdefault(_CANDIDATES, set())
    changed = [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in chain(session.new, changed, session.deleted):
        if isinstance(obj, WorkOrder):
            candidates.add(("order", obj.id))
        elif isinstance(obj, (PartUsage, Photo, Signature, BlobGrant)):
            candidates.add(("order", obj.work_order_id))
        elif isinstance(obj, (Customer, Address, Asset, Part)):
            candidates.add((type(obj).__name__, obj.id))
        elif isinstance(obj, (Blob, BlobRefusal)):
            candidates.add(("blob", obj.sha256))


def note_written(order_ids) -> None:
    """Orders whose photo lines were written without the session (a sync batch's bulk
    insert, which no flush sees): the commit brings their reports up to date as it does
    for lines the session flushed."""
    from ..extensions import db

    db.session().info.setdefault(_CANDIDATES, set()).update(
        ("order", order_id) for order_id in order_ids)


def _orders(session: Session, candidates: set) -> set:
    order_ids = {key for kind, key in candidates if kind == "order"}
    for model, column in _SHOWN_VIA.items():
        keys = [key for kind, key in candidates if kind == model.__name__]
        if keys:
            order_ids.update(session.scalars(select(WorkOrder.id).where(
                column.in_(keys), WorkOrder.id.in_(select(Signature.work_order_id)))))
    hashes = sorted({key for kind, key in candidates if kind == "blob"})
    if hashes:
        order_ids.update(session.scalars(select(Signature.work_order_id).where(
            Signature.image_sha256.in_(hashes))))
        order_ids.update(session.scalars(select(Photo.work_order_id).where(
            Photo.sha256.in_(hashes), Photo.work_order_id.in_(select(Signature.work_order_id)))))
    parts = [key for kind, key in candidates if kind == "Part"]
    if parts:
        order_ids.update(session.scalars(select(PartUsage.work_order_id).where(
            PartUsage.part_id.in_(parts),
            PartUsage.work_order_id.in_(select(Signature.work_order_id)))))
    return order_ids


def _is_app_session(session: Session) -> bool:
    """Whether ``session`` is the application's (``db.session``), which the services use."""
    from flask import has_app_context

    from ..extensions import db

    return has_app_context() and db.session.registry.has() and db.session.registry() is session


@event.listens_for(Session, "before_commit")
def _refresh_reports(session: Session) -> None:
    if session.get_nested_transaction() is not None or not _is_app_session(session):
        return  # a savepoint (wait for the real commit), or a session of its own
    session.flush()  # changes not flushed yet are candidates too
    candidates = session.info.pop(_CANDIDATES, None)
    if not candidates:
        return
    from .service import refresh_orders

    due = refresh_orders(_orders(session, candidates))
    session.info.setdefault(_DUE, set()).update(due)
    session.info.pop(_CANDIDATES, None)  # our own writes are not edits to signed content


@event.listens_for(Session, "after_commit")
def _remember_committed(session: Session) -> None:
    if session.get_nested_transaction() is None and session.info.get(_DUE):
        session.info[_COMMITTED] = session.info.pop(_DUE)


@event.listens_for(Session, "after_transaction_end")
def _queue_after_commit(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_DUE, None)
    session.info.pop(_CANDIDATES, None)
    due = session.info.pop(_COMMITTED, None)
    if due:
        from ..tasks import huey, render_report

        for report_id in sorted(due, key=str):
            try:
                render_report(str(report_id))
            except Exception:  # noqa: BLE001 — the commit stands; report_sweep queues it again
                log.exception("could not queue the render of report %s", report_id)
        if huey.immediate:
            # The job ran right here, inside whoever committed (tests): commit its work as
            # the worker would have.
            session.commit()


def render_after_commit(report_id) -> None:
    """Queue the render job for ``report_id`` once the current transaction commits."""
    from ..extensions import db

    db.session.info.setdefault(_DUE, set()).add(report_id)
