"""What a visit pushed in one batch leaves for the office and the phones (issue 17).

A run writes its notes, time logs, ledger lines and the history events of its lines with
one multi-row insert per table (``sync.mutations.Owed.rows``) instead of one ORM object
each. These tests pin what that must not change: every history event, in the mutation's
order and numbered on from the order's history, with its actor, device, times and details;
the lines at the batch's change-feed position, so a phone's next pull brings them; the
stock ledger equal to the levels; the KPI rollup equal to a fresh computation.
"""

import uuid

from sqlalchemy import select

from server.extensions import db
from server.inventory import service as stock
from server.kpis import rollup
from server.workorders.models import TimeLog, WorkOrder, WorkOrderEvent, WorkOrderNote
from tests import factories
from tests.sync.phone import new_id


def test_a_visit_in_one_batch_leaves_the_history_and_lines_the_office_and_phones_read(
        phone_for, technician, job, make_part):
    part = make_part(price_cents=4500)
    factories.stock_van(technician, part, 5)
    phone = phone_for(technician)
    phone.pull()
    before = db.session.scalar(select(WorkOrderEvent.seq).where(
        WorkOrderEvent.work_order_id == job.id).order_by(WorkOrderEvent.seq.desc()).limit(1))
    note_id, line_id, photo_id, log_id = new_id(), new_id(), new_id(), new_id()
    sha = uuid.uuid4().hex * 2
    at = "2026-11-23T10:00:00+08:00"
    order = {"order_id": str(job.id)}
    phone.queue("transition", {**order, "to": "en_route", "device_time": at}, 2)
    phone.queue("transition", {**order, "to": "on_site", "device_time": at}, 2)
    phone.queue("add_note", {**order, "note_id": note_id, "body": "Compressor noise",
                             "device_time": "2026-11-23T10:05:00+08:00"})
    phone.queue("use_part", {**order, "line_id": line_id, "part_id": str(part.id),
                             "quantity": 2, "device_time": "2026-11-23T10:10:00+08:00"})
    phone.queue("attach_photo", {**order, "photo_id": photo_id, "kind": "before",
                                 "sha256": sha, "taken_at": "2026-11-23T10:15:00+08:00"})
    phone.queue("log_time", {**order, "log_id": log_id, "kind": "work",
                             "started_at": "2026-11-23T10:00:00+08:00",
                             "ended_at": "2026-11-23T10:40:00+08:00"})
    phone.queue("set_fields", {**order, "fields": {"diagnosis": "Start capacitor failed"},
                               "device_time": "2026-11-23T10:41:00+08:00"})
    phone.queue("add_note", {**order, "note_id": note_id, "body": "Compressor noise",
                             "device_time": "2026-11-23T10:05:00+08:00"})  # a replay
    response = phone.push()
    assert [r["status"] for r in response.get_json()["results"]] == ["applied"] * 8
    db.session.expire_all()

    events = db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == job.id, WorkOrderEvent.seq > before)
        .order_by(WorkOrderEvent.seq)).all()
    assert [(e.seq - before, e.kind) for e in events] == [
        (1, "transition"), (2, "transition"), (3, "note"), (4, "part_used"),
        (5, "photo_attached"), (6, "time_logged"), (7, "field_changed")]
    assert {e.actor_id for e in events} == {technician.user.id}
    assert {e.device_id for e in events} == {phone.device_id}
    assert len({e.server_time for e in events}) == 1  # one batch, one server time
    note, used, photo, logged = events[2:6]
    assert note.data == {"note_id": note_id}
    assert note.device_time.isoformat() == "2026-11-23T02:05:00+00:00"
    assert used.data == {"part": part.sku, "quantity": 2, "line_id": line_id}
    assert photo.data == {"photo_id": photo_id, "kind": "before"}
    assert photo.device_time.isoformat() == "2026-11-23T02:15:00+00:00"
    assert logged.data == {"log_id": log_id, "kind": "work", "minutes": 40}
    assert logged.device_time.isoformat() == "2026-11-23T02:40:00+00:00"
    changed = events[6]
    assert changed.data == {"field": "diagnosis", "from": None, "to": "Start capacitor failed"}
    assert changed.device_time.isoformat() == "2026-11-23T02:41:00+00:00"
    assert all(e.from_status is None and e.to_status is None and e.reason is None
               and e.latitude is None for e in (note, used, photo, logged, changed))

    (stored_note,) = db.session.scalars(select(WorkOrderNote).where(
        WorkOrderNote.work_order_id == job.id)).all()
    (stored_log,) = db.session.scalars(select(TimeLog).where(
        TimeLog.work_order_id == job.id)).all()
    assert str(stored_note.id) == note_id and stored_note.body == "Compressor noise"
    assert stored_note.author_id == technician.user.id
    assert stored_note.created_at == note.server_time
    assert (stored_log.kind, stored_log.technician_id) == ("work", technician.id)
    # Written at the batch's change-feed position, like the order it changed.
    position = db.session.scalar(select(WorkOrder.sync_pos).where(WorkOrder.id == job.id))
    assert stored_note.sync_pos == stored_log.sync_pos == position > 0

    # Another phone of the technician pulls them, at the same position as the order.
    other = phone_for(technician, "tablet")
    other.pull()
    assert other.rows("note")[note_id]["body"] == "Compressor noise"
    assert other.rows("time_log")[log_id]["kind"] == "work"
    assert other.van_level(str(part.id)) == 3

    assert stock.check() == []
    assert rollup.check() == []
