"""Each mutation, and each conflict rule of docs/sync-protocol.md."""

import hashlib

import pytest
from sqlalchemy import select

from server.extensions import db
from server.inventory.models import StockLevel, StockMovement
from server.media.models import Photo, Signature
from server.workorders import service as orders
from server.workorders.models import PartUsage, TimeLog, WorkOrderEvent
from sync.models import SyncConflict
from tests.factories import walk_to
from tests.report_scenario import photo
from tests.sync.phone import new_id


@pytest.fixture
def phone(phone_for, technician):
    return phone_for(technician)


def push_one(phone, name, args, version=None):
    phone.queue(name, args, version)
    return phone.push().get_json()["results"][-1]


def step(phone, order, to, **extra):
    return push_one(phone, "transition", {"order_id": str(order.id), "to": to,
                                          "device_time": phone.now(), **extra})


def fields(phone, order, base=None, **changes):
    return push_one(phone, "set_fields", {"order_id": str(order.id), "fields": changes,
                                          "base": base or {}, "device_time": phone.now()})


def events(order, kind):
    """The order's history events of ``kind``, oldest first (PostgreSQL returns rows in
    any order without ORDER BY)."""
    return list(db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == kind)
        .order_by(WorkOrderEvent.seq)))


def conflicts(order):
    return list(db.session.scalars(select(SyncConflict).where(
        SyncConflict.work_order_id == order.id)))


# -- transition -------------------------------------------------------------------------------

def test_transition_records_device_time_and_place(phone, job):
    result = step(phone, job, "en_route", latitude=31.2, longitude=121.4)
    assert result["status"] == "applied"
    event = events(job, "transition")[-1]
    assert (event.to_status, event.latitude, event.device_id) == ("en_route", 31.2,
                                                                  phone.device_id)
    assert event.device_time is not None


def test_transition_the_state_machine_refuses_is_rejected_with_its_reason(phone, job):
    result = step(phone, job, "completed")
    assert result["status"] == "rejected" and result["reason"] == "not_allowed"


def test_a_transition_already_made_is_a_no_op(phone, job, dispatcher):
    orders.transition(dispatcher, job, "en_route")
    assert step(phone, job, "en_route")["status"] == "applied"
    assert len([e for e in events(job, "transition") if e.to_status == "en_route"]) == 1


def test_previous_app_version_transition_still_works(phone, job):
    result = push_one(phone, "transition", {"order_id": str(job.id), "to": "en_route",
                                            "device_time": phone.now()}, version=1)
    assert result["status"] == "applied"
    db.session.refresh(job)
    assert job.status == "en_route"


def test_completion_after_cancellation_is_kept_and_flagged(phone, job, dispatcher):
    walk_on_site(phone, job)
    fields(phone, job, resolution="Replaced the fan motor")
    orders.transition(dispatcher, job, "cancelled", reason="customer called to cancel")
    result = step(phone, job, "completed")
    assert result["status"] == "applied"
    assert result["conflicts"][0]["kind"] == "completed_after_cancelled"
    db.session.refresh(job)
    assert job.status == "completed" and job.completed_at is not None
    assert [c.kind for c in conflicts(job)] == ["completed_after_cancelled"]
    assert events(job, "conflict")


def walk_on_site(phone, order):
    for to in ("en_route", "on_site"):
        assert step(phone, order, to)["status"] == "applied"


# -- set_fields ---------------------------------------------------------------------------------

def test_technician_fields_last_write_wins_with_the_old_value_in_history(phone, job):
    fields(phone, job, diagnosis="Compressor noise")
    fields(phone, job, base={"diagnosis": "Compressor noise"}, diagnosis="Loose fan blade")
    db.session.refresh(job)
    assert job.diagnosis == "Loose fan blade"
    changes = [e.data for e in events(job, "field_changed") if e.data["field"] == "diagnosis"]
    assert changes[-1] == {"field": "diagnosis", "from": "Compressor noise",
                           "to": "Loose fan blade"}
    assert conflicts(job) == []  # the technician edited their own value: no conflict


def test_overwriting_someone_elses_newer_value_is_a_conflict(phone, job, dispatcher):
    orders.update_order(dispatcher, job, {"diagnosis": "Customer says: rattling"})
    result = fields(phone, job, base={"diagnosis": None}, diagnosis="Loose fan blade")
    assert result["conflicts"][0]["kind"] == "field_overwritten"
    db.session.refresh(job)
    assert job.diagnosis == "Loose fan blade"
    conflict = conflicts(job)[0]
    assert conflict.data["overwritten"] == "Customer says: rattling"


def test_dispatcher_owned_fields_cannot_be_set_from_a_phone(phone, job):
    result = fields(phone, job, assignee_id="someone")
    assert result["status"] == "rejected" and result["reason"] == "invalid_arguments"
    assert "fields" in result["errors"]["args"]


def test_unknown_root_cause_is_rejected(phone, job):
    result = fields(phone, job, root_cause="gremlins")
    assert result["status"] == "rejected" and "root_cause" in str(result["errors"])


# -- append-only lines ------------------------------------------------------------------------------

def test_the_same_note_id_twice_adds_one_note(phone, job):
    args = {"order_id": str(job.id), "note_id": new_id(), "body": "Customer not home",
            "device_time": phone.now()}
    push_one(phone, "add_note", args)
    push_one(phone, "add_note", args)  # e.g. re-queued after an app reinstall
    assert len(job.notes) == 1


def test_parts_used_come_out_of_the_van_and_are_charged(phone, job, stocked_part, technician):
    job.in_warranty = False
    orders.recompute_charges(job)
    db.session.commit()
    phone.pull()  # out of warranty: the customer approves a quote first (billing)
    phone.decide_quote(str(job.id), phone.price_list_lines(str(job.id), {}), "approved")
    line = {"order_id": str(job.id), "line_id": new_id(), "part_id": str(stocked_part.id),
            "quantity": 2, "device_time": phone.now()}
    assert push_one(phone, "use_part", line)["status"] == "applied"
    level = db.session.scalar(select(StockLevel).where(StockLevel.part_id == stocked_part.id))
    assert level.quantity == 3
    db.session.refresh(job)
    assert job.parts_cents == 2 * 4500 and job.labour_cents > 0 and job.travel_cents > 0
    returned = push_one(phone, "return_part", {**line, "line_id": new_id(), "quantity": 1})
    assert returned["status"] == "applied"
    db.session.refresh(level)
    assert level.quantity == 4
    assert sorted(u.quantity for u in db.session.scalars(select(PartUsage))) == [-1, 2]
    assert {m.reason for m in db.session.scalars(select(StockMovement))} >= {
        "used_on_order", "returned_from_order"}


def test_returning_more_than_was_used_is_rejected(phone, job, stocked_part):
    result = push_one(phone, "return_part", {
        "order_id": str(job.id), "line_id": new_id(), "part_id": str(stocked_part.id),
        "quantity": 1, "device_time": phone.now()})
    assert result["status"] == "rejected" and result["reason"] == "return_exceeds_use"


def test_parts_in_warranty_are_free(phone, job, stocked_part):
    assert job.in_warranty is True
    push_one(phone, "use_part", {"order_id": str(job.id), "line_id": new_id(),
                                 "part_id": str(stocked_part.id), "quantity": 1,
                                 "device_time": phone.now()})
    db.session.refresh(job)
    assert (job.parts_cents, job.labour_cents, job.travel_cents) == (0, 0, 0)


def test_time_logs_are_lines_and_must_end_after_they_start(phone, job):
    log = {"order_id": str(job.id), "log_id": new_id(), "kind": "work",
           "started_at": "2026-11-23T09:00:00+08:00", "ended_at": "2026-11-23T10:30:00+08:00"}
    assert push_one(phone, "log_time", log)["status"] == "applied"
    assert push_one(phone, "log_time", log)["status"] == "applied"
    assert len(list(db.session.scalars(select(TimeLog)))) == 1
    backwards = {**log, "log_id": new_id(), "ended_at": "2026-11-23T08:00:00+08:00"}
    assert push_one(phone, "log_time", backwards)["reason"] == "invalid_value"


# -- photos and blobs -------------------------------------------------------------------------------

def test_a_photo_waits_for_its_bytes_then_is_ready(phone, job, client):
    data = photo(64, 48)
    digest = hashlib.sha256(data).hexdigest()
    push_one(phone, "attach_photo", {"order_id": str(job.id), "photo_id": new_id(),
                                     "kind": "before", "sha256": digest,
                                     "taken_at": phone.now()})
    photo_row = db.session.scalar(select(Photo))
    assert photo_row.status == "pending"
    upload = client.put(f"/api/v1/blobs/{digest}", data=data, headers={
        **phone._headers(), "Content-Type": "application/octet-stream"})
    assert upload.status_code == 200
    db.session.refresh(photo_row)
    assert photo_row.status == "ready"
    again = client.put(f"/api/v1/blobs/{digest}", data=data, headers=phone._headers())
    assert again.status_code == 200 and again.get_json() == upload.get_json()


def _attach(phone, job, digest):
    push_one(phone, "attach_photo", {"order_id": str(job.id), "photo_id": new_id(),
                                     "kind": "before", "sha256": digest,
                                     "taken_at": phone.now()})


def test_a_blob_whose_bytes_do_not_match_is_refused_and_not_stored(phone, job, client, app):
    claimed = hashlib.sha256(b"what I meant").hexdigest()
    _attach(phone, job, claimed)
    response = client.put(f"/api/v1/blobs/{claimed}", data=b"what I sent",
                          headers=phone._headers())
    assert response.status_code == 422 and response.get_json()["reason"] == "hash_mismatch"
    from pathlib import Path

    assert not list(Path(app.config["BLOB_DIR"]).glob(f"*/*/{claimed}"))


def test_a_blob_over_the_limit_is_413(phone, job, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_BLOB_BYTES", 10)
    data = b"x" * 11
    _attach(phone, job, hashlib.sha256(data).hexdigest())
    response = client.put(f"/api/v1/blobs/{hashlib.sha256(data).hexdigest()}", data=data,
                          headers=phone._headers())
    assert response.status_code == 413 and response.get_json()["reason"] == "too_large"


def test_a_blob_name_must_be_a_digest(phone, client):
    response = client.put("/api/v1/blobs/..%2F..%2Fetc%2Fpasswd", data=b"x",
                          headers=phone._headers())
    assert response.status_code in (404, 422)


# -- signature and survey -----------------------------------------------------------------------------

def signature_args(phone, order, signature_id=None):
    return {"order_id": str(order.id), "signature_id": signature_id or new_id(),
            "signer_name": "王秀英", "image_sha256": "a" * 64, "content_hash": "b" * 64,
            "device_time": phone.now(), "latitude": 31.2, "longitude": 121.4}


def test_signature_signs_a_completed_order_and_is_write_once(phone, job):
    walk_on_site(phone, job)
    fields(phone, job, resolution="Cleaned the filter")
    step(phone, job, "completed")
    args = signature_args(phone, job)
    assert push_one(phone, "capture_signature", args)["status"] == "applied"
    db.session.refresh(job)
    assert job.status == "signed"
    assert push_one(phone, "capture_signature", args)["status"] == "applied"  # same: no-op
    other = push_one(phone, "capture_signature", signature_args(phone, job))
    assert other["status"] == "rejected" and other["reason"] == "already_signed"
    assert db.session.scalar(select(Signature)).content_hash == "b" * 64


def test_survey_is_recorded_once(phone, job):
    args = {"order_id": str(job.id), "survey_id": new_id(), "rating": 5, "comment": "很专业"}
    push_one(phone, "submit_survey", args)
    push_one(phone, "submit_survey", args)
    assert [e.data["rating"] for e in events(job, "survey")] == [5]
    bad = push_one(phone, "submit_survey", {**args, "survey_id": new_id(), "rating": 6})
    assert bad["reason"] == "invalid_arguments" and "rating" in bad["errors"]["args"]


# -- reassignment while offline -------------------------------------------------------------------------

def test_work_on_a_reassigned_order_is_kept_and_flagged(
        phone, job, dispatcher, make_technician, api_as):
    phone.pull()
    walk_on_site(phone, job)
    orders.update_order(dispatcher, job, {"assignee_id": make_technician().id})
    result = push_one(phone, "add_note", {"order_id": str(job.id), "note_id": new_id(),
                                          "body": "Replaced the capacitor",
                                          "device_time": phone.now()})
    assert result["status"] == "applied"
    assert result["conflicts"][0]["kind"] == "after_reassignment"
    listed = api_as(dispatcher).get("/api/v1/sync/conflicts").get_json()
    assert listed[0]["work_order_id"] == str(job.id)
    phone.pull()
    assert str(job.id) not in phone.orders()


def test_a_stale_phone_cannot_move_an_order_now_assigned_to_someone_else(
        phone, job, dispatcher, make_technician):
    phone.pull()
    orders.update_order(dispatcher, job, {"assignee_id": make_technician().id})
    result = step(phone, job, "en_route")
    assert result["status"] == "rejected" and result["reason"] == "no_longer_yours"
    db.session.refresh(job)
    assert job.status == "scheduled"


def test_mutations_on_an_order_never_assigned_are_rejected(phone, make_order, dispatcher,
                                                           make_technician):
    elsewhere = make_order(actor=dispatcher)
    walk_to(elsewhere, "scheduled", dispatcher, make_technician())
    result = step(phone, elsewhere, "en_route")
    assert result["reason"] == "not_in_scope"
