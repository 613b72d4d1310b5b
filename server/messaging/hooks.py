"""Which order events become customer messages, watched on the session.

``workorders`` must not import this package, so this module listens to SQLAlchemy instead
(like ``reports.triggers``): after each flush, new history events of these kinds queue
messages in the outbox, in the same transaction; once that transaction has committed, a
delivery job is queued for each. A rollback queues nothing and leaves no row behind.

=====================  ============================================  ====================
event                  message                                       one per
=====================  ============================================  ====================
→ scheduled, or a new  ``booking_confirmation`` (with an .ics)        appointment start
appointment start
→ en_route             ``on_the_way`` (with the ETA)                 trip (event)
report_ready           ``report_ready``                              report
→ closed               ``survey``                                    order
=====================  ============================================  ====================

Each is queued on every channel the customer has (e-mail, SMS); ``dedupe_key`` is unique,
and the insert skips a key that exists, so nothing is ever queued twice.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..workorders.models import WorkOrderEvent
from . import service

log = logging.getLogger(__name__)
_NEW = "doorstep_messages_new"
_COMMITTED = "doorstep_messages_committed"


def _is_app_session(session: Session) -> bool:
    from flask import has_app_context

    from ..extensions import db

    return has_app_context() and db.session.registry.has() and db.session.registry() is session


@event.listens_for(Session, "after_flush")
def _queue_for_events(session: Session, flush_context) -> None:
    events = [obj for obj in session.new
              if isinstance(obj, WorkOrderEvent) and service.may_trigger(obj)]
    if not events or not _is_app_session(session):
        return
    with session.no_autoflush:
        ids = service.queue_for_events(session, events)
    if ids:
        session.info.setdefault(_NEW, []).extend(ids)


def remember_for_delivery(session: Session, ids: list) -> None:
    """Deliver these queued rows once the session's transaction has committed."""
    session.info.setdefault(_NEW, []).extend(ids)


@event.listens_for(Session, "after_commit")
def _remember_committed(session: Session) -> None:
    if session.get_nested_transaction() is None and session.info.get(_NEW):
        session.info.setdefault(_COMMITTED, []).extend(session.info.pop(_NEW))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_NEW, None)


@event.listens_for(Session, "after_transaction_end")
def _deliver_after_commit(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_NEW, None)
    queued = session.info.pop(_COMMITTED, None)
    if not queued:
        return
    from ..tasks import deliver_messages

    try:
        deliver_messages([str(message_id) for message_id in dict.fromkeys(queued)])
    except Exception:  # noqa: BLE001 — the rows are queued; message_sweep delivers them
        log.exception("could not queue the delivery of messages %s", queued)
