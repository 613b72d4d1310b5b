"""Change-feed positions and history numbers survive a savepoint rolled back.

A bulk move on the board runs each order in a savepoint; a refused one is rolled back
alone. The counter's increment goes with that savepoint, so a position taken inside it must
not stay with the transaction: rows written afterwards would carry a position the counter
never reached (and, on PostgreSQL, without holding the counter's lock).
"""

from sqlalchemy import func, select

from server.extensions import db
from server.workorders import service as orders
from server.workorders.models import WorkOrderEvent
from sync.models import SyncCounter


def _head() -> int:
    return db.session.scalar(select(SyncCounter.value))


def test_a_write_after_a_rolled_back_savepoint_takes_the_counters_next_position(job):
    db.session.commit()
    head = _head()
    savepoint = db.session.begin_nested()
    job.diagnosis = "refused a moment later"
    db.session.flush()  # takes head + 1 inside the savepoint
    savepoint.rollback()
    assert _head() == head

    job.diagnosis = "written after the refusal"
    db.session.commit()
    assert job.sync_pos == _head() == head + 1


def test_a_position_taken_in_an_inner_savepoint_goes_with_the_outer_one(job):
    db.session.commit()
    head = _head()
    outer = db.session.begin_nested()
    inner = db.session.begin_nested()
    job.diagnosis = "written two savepoints deep"
    db.session.flush()
    inner.commit()
    outer.rollback()

    job.diagnosis = "written after both"
    db.session.commit()
    assert job.sync_pos == _head() == head + 1


def test_a_position_taken_before_a_savepoint_stays_when_it_rolls_back(job, dispatcher):
    db.session.commit()
    head = _head()
    job.diagnosis = "written before the savepoint"
    db.session.flush()
    savepoint = db.session.begin_nested()
    orders.add_event(job, "note_added", dispatcher)
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert job.sync_pos == _head() == head + 1


def test_history_written_after_a_rolled_back_savepoint_is_numbered_from_the_database(
        job, dispatcher):
    db.session.commit()
    last = db.session.scalar(select(func.max(WorkOrderEvent.seq))
                             .where(WorkOrderEvent.work_order_id == job.id))
    savepoint = db.session.begin_nested()
    orders.add_event(job, "note_added", dispatcher)
    db.session.flush()
    savepoint.rollback()

    kept = orders.add_event(job, "note_added", dispatcher)
    db.session.commit()
    assert kept.seq == last + 1
