"""Line ids made on the device (issue 10, items 1 and 2).

A line id (note, part line, photo, time log, signature, survey) names one line for good:
the same id with the same content is a replay (changes nothing, answered ``applied``);
the same id on another order or with other content is that mutation's ``duplicate_id``
rejection — recorded, listed, and never blocking what the device queued behind it.
"""

import uuid

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.feedback.models import Survey
from server.inventory.models import StockLevel
from server.media.models import Signature
from server.workorders.models import PartUsage, TimeLog, WorkOrderEvent, WorkOrderNote
from sync.models import RejectedMutation
from tests.factories import walk_to
from tests.sync.phone import new_id


@pytest.fixture
def phone(phone_for, technician):
    return phone_for(technician)


@pytest.fixture
def other_job(make_order, dispatcher, technician):
    order = make_order(actor=dispatcher)
    walk_to(order, "scheduled", dispatcher, technician)
    return order


def count(model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def note_args(phone, order):
    return {"order_id": str(order.id), "note_id": new_id(), "body": "behind it",
            "device_time": phone.now()}


def signature(phone, order, signature_id):
    return {"order_id": str(order.id), "signature_id": signature_id, "signer_name": "王秀英",
            "image_sha256": "a" * 64, "content_hash": "b" * 64, "device_time": phone.now()}


def test_a_reused_signature_id_is_rejected_and_never_blocks_the_device(phone, job, other_job):
    signature_id = new_id()
    phone.queue("capture_signature", signature(phone, job, signature_id))
    phone.queue("capture_signature", signature(phone, other_job, signature_id))
    phone.queue("add_note", note_args(phone, other_job))
    response = phone.push()
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    assert body["results"][1]["reason"] == "duplicate_id"
    assert "signature_id" in body["results"][1]["errors"]
    assert body["last_mutation_id"] == 3
    assert count(Signature) == 1 and count(WorkOrderNote, work_order_id=other_job.id) == 1
    listed = db.session.scalar(select(RejectedMutation))
    assert (listed.mutation_id, listed.reason) == (2, "duplicate_id")
    # The device keeps working.
    phone.queue("add_note", note_args(phone, other_job))
    assert phone.push().get_json()["results"][0]["status"] == "applied"


def test_an_integrity_error_inside_a_mutation_becomes_its_rejection(phone, job, monkeypatch):
    """The shared mechanism: whatever row a mutation writes that the database refuses as a
    duplicate, only that mutation is rejected, not the batch."""
    from server.media import service as media

    # A line-id check that misses (as a future mutation might): the database still refuses.
    first = new_id()
    phone.queue("add_note", {**note_args(phone, job), "note_id": first})
    phone.push()
    original = media.photo_row  # the photo line a push writes

    def forgetful_attach(order, photo_id, *args, **kwargs):
        db.session.add(WorkOrderNote(id=uuid.UUID(first), work_order_id=order.id,
                                     author_id=phone.technician.user.id, body="clash"))
        return original(order, photo_id, *args, **kwargs)

    monkeypatch.setattr(media, "photo_row", forgetful_attach)
    phone.queue("attach_photo", {"order_id": str(job.id), "photo_id": new_id(), "kind": "before",
                                 "sha256": "c" * 64})
    phone.queue("add_note", note_args(phone, job))
    body = phone.push().get_json()
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert body["results"][0]["reason"] == "duplicate_id"
    assert count(WorkOrderNote, work_order_id=job.id) == 2


def part_line(phone, order, part, line_id, quantity=1):
    return {"order_id": str(order.id), "line_id": line_id, "part_id": str(part.id),
            "quantity": quantity, "device_time": phone.now()}


def time_log(order, log_id, ended="2026-11-23T10:30:00+08:00"):
    return {"order_id": str(order.id), "log_id": log_id, "kind": "work",
            "started_at": "2026-11-23T09:00:00+08:00", "ended_at": ended}


def survey(order, survey_id, rating=5):
    return {"order_id": str(order.id), "survey_id": survey_id, "rating": rating,
            "comment": "很专业"}


def push_all(phone):
    body = phone.push().get_json()
    return [(r["status"], r.get("reason")) for r in body["results"]]


APPLIED, DUPLICATE = ("applied", None), ("rejected", "duplicate_id")


def test_a_part_line_id_reused_elsewhere_is_rejected_and_a_replay_is_not(
        phone, job, other_job, stocked_part, technician):
    line = new_id()
    phone.queue("use_part", part_line(phone, job, stocked_part, line))
    phone.queue("use_part", part_line(phone, job, stocked_part, line))  # replay
    phone.queue("use_part", part_line(phone, other_job, stocked_part, line))  # other order
    phone.queue("use_part", part_line(phone, job, stocked_part, line, quantity=2))  # other qty
    phone.queue("return_part", part_line(phone, job, stocked_part, line))  # other direction
    assert push_all(phone) == [APPLIED, APPLIED, DUPLICATE, DUPLICATE, DUPLICATE]
    assert count(PartUsage) == 1
    level = db.session.scalar(select(StockLevel).where(StockLevel.part_id == stocked_part.id))
    assert level.quantity == 4
    assert len(list(db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.kind == "part_used")))) == 1
    assert count(RejectedMutation) == 3


def test_a_time_log_id_reused_elsewhere_is_rejected_and_a_replay_is_not(
        phone, job, other_job):
    log = new_id()
    phone.queue("log_time", time_log(job, log))
    phone.queue("log_time", time_log(job, log))
    phone.queue("log_time", time_log(other_job, log))
    phone.queue("log_time", time_log(job, log, ended="2026-11-23T11:00:00+08:00"))
    assert push_all(phone) == [APPLIED, APPLIED, DUPLICATE, DUPLICATE]
    assert count(TimeLog) == 1 and count(TimeLog, work_order_id=job.id) == 1


def test_a_survey_id_reused_elsewhere_is_rejected_and_a_replay_is_not(phone, job, other_job):
    survey_id = new_id()
    phone.queue("submit_survey", survey(job, survey_id))
    phone.queue("submit_survey", survey(job, survey_id))
    phone.queue("submit_survey", survey(other_job, survey_id))
    phone.queue("submit_survey", survey(job, survey_id, rating=2))
    assert push_all(phone) == [APPLIED, APPLIED, DUPLICATE, DUPLICATE]
    assert count(Survey) == 1
    assert count(WorkOrderEvent, kind="survey") == 1


def test_a_note_id_reused_with_other_words_is_rejected(phone, job):
    args = note_args(phone, job)
    phone.queue("add_note", args)
    phone.queue("add_note", args)
    phone.queue("add_note", {**args, "body": "something else"})
    assert push_all(phone) == [APPLIED, APPLIED, DUPLICATE]
    assert count(WorkOrderNote) == 1


def test_a_line_sent_twice_in_one_batch_is_written_once_when_the_batch_applies_whole(
        phone, job):
    """The fast path (the whole batch in one savepoint, line ids read once per batch) must
    judge a second use of an id in the same batch as a replay, as one by one would."""
    args = note_args(phone, job)
    phone.queue("add_note", args)
    phone.queue("add_note", args)
    phone.queue("add_note", note_args(phone, job))
    assert push_all(phone) == [APPLIED, APPLIED, APPLIED]
    assert count(WorkOrderNote) == 2
    assert count(WorkOrderEvent, work_order_id=job.id, kind="note") == 2
    assert count(RejectedMutation) == 0


def test_a_refused_mutation_in_a_batch_leaves_the_others_applied_once(phone, job, other_job):
    """A refusal makes the push apply the batch again one by one: what was applied before
    and after the refused mutation is there exactly once, the refused one is recorded."""
    taken = note_args(phone, other_job)
    phone.queue("add_note", taken)
    phone.push_all()
    before, after = note_args(phone, job), note_args(phone, job)
    phone.queue("add_note", before)
    phone.queue("add_note", {**taken, "order_id": str(job.id)})  # an id of another order
    phone.queue("add_note", after)
    assert push_all(phone) == [APPLIED, DUPLICATE, APPLIED]
    assert count(WorkOrderNote, work_order_id=job.id) == 2
    assert count(WorkOrderEvent, work_order_id=job.id, kind="note") == 2
    assert count(RejectedMutation) == 1
