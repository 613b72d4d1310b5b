"""What docs/sync-protocol.md did not say, or said wrongly (issue 10, item 5): each test
pins the behaviour the document now promises."""

import hashlib
from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.workorders import service as orders
from server.workorders.models import WorkOrderEvent
from tests.sync.phone import new_id


def events(order, kind):
    return list(db.session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.kind == kind)))


def push_one(phone, name, args):
    phone.queue(name, args)
    return phone.push().get_json()["results"][-1]


def test_photos_time_logs_and_signatures_are_in_the_history_with_their_device(
        phone_for, technician, job):
    phone = phone_for(technician)
    photo_id, log_id, signature_id = new_id(), new_id(), new_id()
    assert push_one(phone, "attach_photo", {
        "order_id": str(job.id), "photo_id": photo_id, "kind": "before", "sha256": "c" * 64,
        "taken_at": "2026-11-23T09:10:00+08:00"})["status"] == "applied"
    assert push_one(phone, "log_time", {
        "order_id": str(job.id), "log_id": log_id, "kind": "work",
        "started_at": "2026-11-23T09:00:00+08:00",
        "ended_at": "2026-11-23T10:30:00+08:00"})["status"] == "applied"
    signature = {"order_id": str(job.id), "signature_id": signature_id, "signer_name": "王秀英",
                 "image_sha256": "a" * 64, "content_hash": "b" * 64,
                 "device_time": "2026-11-23T10:40:00+08:00", "latitude": 31.2,
                 "longitude": 121.4}
    assert push_one(phone, "capture_signature", signature)["status"] == "applied"
    # Replays add nothing to the history.
    push_one(phone, "capture_signature", signature)

    [photo] = events(job, "photo_attached")
    assert photo.data == {"photo_id": photo_id, "kind": "before"}
    [log] = events(job, "time_logged")
    assert log.data == {"log_id": log_id, "kind": "work", "minutes": 90}
    [signed] = events(job, "signature_captured")
    assert signed.data["signature_id"] == signature_id and signed.latitude == 31.2
    for event in (photo, log, signed):
        assert event.device_id == phone.device_id and event.server_time is not None
    assert signed.device_time.isoformat() == "2026-11-23T02:40:00+00:00"


def test_a_field_change_from_a_device_says_which_device(phone_for, technician, job):
    phone = phone_for(technician)
    push_one(phone, "set_fields", {"order_id": str(job.id), "fields": {"diagnosis": "Fan"},
                                   "device_time": "2026-11-23T09:31:12+08:00"})
    [change] = [e for e in events(job, "field_changed") if e.data["field"] == "diagnosis"]
    assert change.device_id == phone.device_id
    assert change.device_time.isoformat() == "2026-11-23T01:31:12+00:00"


def test_a_first_pull_lists_no_removals(phone_for, technician, make_technician, job,
                                        dispatcher):
    orders.update_order(dispatcher, job, {"assignee_id": make_technician().id})
    phone = phone_for(technician)
    body = phone.client.get("/api/v1/sync/pull", headers=phone._headers(),
                            query_string={"protocol": 1, "cursor": 0}).get_json()
    assert body["removed"] == {"work_order": []}


def test_an_order_that_leaves_and_comes_back_on_a_later_page_stops_leaving(
        phone_for, technician, make_technician, job, dispatcher):
    phone = phone_for(technician)
    phone.pull()
    phone.queue("add_note", {"order_id": str(job.id), "note_id": new_id(),
                             "body": "offline", "device_time": phone.now()})
    orders.update_order(dispatcher, job, {"assignee_id": make_technician().id})
    phone.pull()
    assert phone.leaving == {str(job.id)}
    start = job.appointment_start + timedelta(hours=1)
    orders.update_order(dispatcher, job, {"assignee_id": technician.id,
                                          "appointment_start": start,
                                          "appointment_end": start + timedelta(hours=1)})
    phone.pull()
    assert phone.leaving == set() and str(job.id) in phone.scope_orders()
    phone.push_all()
    phone.pull()
    assert str(job.id) in phone.orders()  # never dropped: it is in scope again


def test_a_push_whose_body_is_not_json_is_400_naming_the_body(phone_for, technician):
    phone = phone_for(technician)
    response = phone.client.post("/api/v1/sync/push", headers=phone._headers(),
                                 data="{not json", content_type="application/json")
    assert response.status_code == 400 and "json" in response.get_json()["errors"]


def test_an_upper_case_blob_name_is_refused_naming_the_hash(phone_for, technician):
    phone = phone_for(technician)
    response = phone.client.put("/api/v1/blobs/" + "A" * 64, headers=phone._headers(),
                                data=b"bytes", content_type="image/jpeg")
    assert response.status_code == 422 and "sha256" in response.get_json()["errors"]


def test_a_refused_image_says_why_in_a_reason_the_document_lists(phone_for, technician, job):
    phone = phone_for(technician)
    data = b"\xff\xd8\xff\xe0" + b"\x00" * 64  # a JPEG that stops after its first bytes
    digest = hashlib.sha256(data).hexdigest()
    # Bytes are accepted only once a mutation on one of the phone's orders references them.
    assert push_one(phone, "attach_photo", {
        "order_id": str(job.id), "photo_id": new_id(), "kind": "before", "sha256": digest,
        "taken_at": "2026-11-23T09:10:00+08:00"})["status"] == "applied"
    response = phone.client.put(f"/api/v1/blobs/{digest}", headers=phone._headers(),
                                data=data, content_type="image/jpeg")
    assert response.status_code == 422
    documented = {"unsupported_image_type", "not_an_image", "truncated_image",
                  "corrupt_image", "polyglot", "too_many_pixels"}
    assert response.get_json()["reason"] in documented
    with open("docs/sync-protocol.md", encoding="utf-8") as doc:
        text = doc.read()
    assert all(f"`{reason}`" in text for reason in documented)
