"""Change-feed positions in commit order, and technician scope intervals.

Invariants kept here:

* Every insert or update of a ``Syncable`` row stamps ``sync_pos`` with its transaction's
  position. A transaction takes its position by incrementing the single ``sync_counter``
  row, which it then holds locked until it commits: a second writer waits, so positions
  are handed out in commit order. A reader that sees counter value N in its snapshot
  therefore sees every row with ``sync_pos <= N`` and none above it — no position that
  a reader has passed can later be filled in by a slow transaction.
* One position per transaction, not per row: rows written together appear together.
* An order is in a technician's scope while it is assigned to them and not closed or
  cancelled; every change of that membership opens or closes a ``ScopeInterval`` at the
  same position as the change itself.

On SQLite every transaction already starts with BEGIN IMMEDIATE, which serialises
writers the same way.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session, scoped_session

from server.database import Syncable
from server.workorders.lifecycle import TERMINAL
from server.workorders.models import WorkOrder
from server.workorders.service import EVENT_SEQ

from .models import ScopeInterval, SyncCounter

_POSITION = "doorstep_sync_position"
_TAKEN_IN = "doorstep_sync_position_taken_in"


_TAKE_POSITION = (update(SyncCounter).where(SyncCounter.id == 1)
                  .values(value=SyncCounter.value + 1).returning(SyncCounter.value))


def transaction_position(session: Session | scoped_session) -> int:
    """This transaction's change-feed position, taking (and locking) it on first use."""
    if isinstance(session, scoped_session):
        session = session()
    position = session.info.get(_POSITION)
    if position is None:
        position = session.connection().execute(_TAKE_POSITION).scalar_one()
        session.info[_POSITION] = position
        session.info[_TAKEN_IN] = session.get_nested_transaction()
    return position


def _scope_owner(assignee_id, status):
    return assignee_id if assignee_id is not None and status not in TERMINAL else None


def _before_and_after(order: WorkOrder, attribute: str):
    history = inspect(order).attrs[attribute].history
    now = getattr(order, attribute)
    if inspect(order).pending or not history.has_changes():
        before = None if inspect(order).pending else now
    else:
        before = history.deleted[0] if history.deleted else None
    return before, now


def _track_scope(session: Session, order: WorkOrder, position: int) -> None:
    old_assignee, new_assignee = _before_and_after(order, "assignee_id")
    old_status, new_status = _before_and_after(order, "status")
    before = _scope_owner(old_assignee, old_status)
    after = _scope_owner(new_assignee, new_status)
    if before == after:
        return
    if before is not None:
        session.execute(
            update(ScopeInterval)
            .where(ScopeInterval.work_order_id == order.id,
                   ScopeInterval.technician_id == before, ScopeInterval.left_pos.is_(None))
            .values(left_pos=position)
        )
    if after is not None:
        session.add(ScopeInterval(technician_id=after, work_order_id=order.id,
                                  entered_pos=position))


@event.listens_for(Session, "before_flush")
def _stamp_positions(session: Session, flush_context, instances) -> None:
    touched = [obj for obj in session.new if isinstance(obj, Syncable)]
    touched += [obj for obj in session.dirty
                if isinstance(obj, Syncable) and session.is_modified(obj)]
    if not touched:
        return
    position = transaction_position(session)
    for obj in touched:
        obj.sync_pos = position
        if isinstance(obj, WorkOrder):
            _track_scope(session, obj, position)


@event.listens_for(Session, "after_transaction_end")
def _forget_position(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_POSITION, None)
        session.info.pop(_TAKEN_IN, None)
        session.info.pop(EVENT_SEQ, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_position_rolled_back(session: Session, previous_transaction) -> None:
    """A savepoint rolled back takes the counter's increment (and, on PostgreSQL, its row
    lock) with it: a position taken inside it, or inside a savepoint within it, is no
    longer this transaction's, and the next write takes one again. The history numbers
    read under that lock go too: another writer may append to the same orders now."""
    if not previous_transaction.nested:
        return
    taken_in = session.info.get(_TAKEN_IN)
    while taken_in is not None:
        if taken_in is previous_transaction:
            session.info.pop(_POSITION, None)
            session.info.pop(_TAKEN_IN, None)
            session.info.pop(EVENT_SEQ, None)
            return
        taken_in = taken_in.parent
