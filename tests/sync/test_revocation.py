"""A revoked device's outbox (issue 10, item 3; docs/sync-protocol.md §2 "Revocation").

After ``device_revoked`` the phone signs in as a new device of the same user, asks
``POST /sync/adopt`` what became of the ids it still holds (also those whose push response
was lost before the revocation), and renumbers the rest from ``next_id``.
"""

import uuid

import pytest
from sqlalchemy import func, select

from server.accounts.models import Device
from server.accounts.service import revoke_device
from server.database import utcnow
from server.extensions import db
from server.workorders.models import WorkOrderNote
from sync import push as engine
from tests.factories import PASSWORD
from tests.sync.phone import new_id


def note(phone, order, body="Checked the outdoor unit"):
    return phone.queue("add_note", {"order_id": str(order.id), "note_id": new_id(),
                                    "body": body, "device_time": phone.now()})


def notes_on(order):
    return db.session.scalar(select(func.count()).select_from(WorkOrderNote)
                             .where(WorkOrderNote.work_order_id == order.id))


def test_outcomes_lost_before_a_revocation_are_learned_and_the_rest_renumbered(
        phone_for, technician, job, make_order):
    phone = phone_for(technician)
    old_device = phone.device_id
    stranger = make_order()  # never assigned: this one is rejected
    note(phone, job, "one")
    note(phone, stranger, "two")
    phone.push(lose_response=True)  # applied and rejected, but the phone never heard
    note(phone, job, "three")  # queued offline, never sent
    revoke_device(old_device)

    refused = phone.push(recover=False)
    assert refused.status_code == 401 and refused.get_json()["reason"] == "device_revoked"
    phone.sign_in_as_new_device()
    assert phone.device_id != old_device and phone.adopt_from == old_device

    answer = phone.client.post("/api/v1/sync/adopt", headers=phone._headers(), json={
        "protocol": 1, "device_id": str(old_device), "ids": [1, 2, 3]})
    body = answer.get_json()
    assert answer.status_code == 200, body
    assert body["last_mutation_id"] == 2 and body["next_id"] == 1
    assert [(r["id"], r["status"], r.get("reason")) for r in body["results"]] == [
        (1, "applied", None), (2, "rejected", "not_in_scope")]

    phone.adopt()
    assert [m["id"] for m in phone.outbox] == [1]  # "three", renumbered for the new device
    assert (str(old_device), 2) in phone.rejections  # the technician is told
    result = phone.push().get_json()
    assert [r["status"] for r in result["results"]] == ["applied"]
    assert notes_on(job) == 2 and phone.outbox == []
    assert db.session.get(Device, phone.device_id).last_mutation_id == 1


def test_asking_again_gives_the_same_answer(phone_for, technician, job):
    phone = phone_for(technician)
    old_device = phone.device_id
    note(phone, job)
    phone.push(lose_response=True)
    revoke_device(old_device)
    phone.sign_in_as_new_device()
    ask = {"protocol": 1, "device_id": str(old_device), "ids": [1]}
    first = phone.client.post("/api/v1/sync/adopt", headers=phone._headers(), json=ask)
    again = phone.client.post("/api/v1/sync/adopt", headers=phone._headers(), json=ask)
    assert first.get_json() == again.get_json()
    assert notes_on(job) == 1


def test_only_a_revoked_device_of_the_same_user_can_be_adopted(
        phone_for, technician, make_technician, job):
    phone = phone_for(technician)
    active = phone_for(technician, "tablet")  # the same technician's other, active device
    other = phone_for(make_technician(), "theirs")
    revoke_device(other.device_id)

    def adopt(device_id):
        return phone.client.post("/api/v1/sync/adopt", headers=phone._headers(), json={
            "protocol": 1, "device_id": str(device_id), "ids": [1]})

    still_active = adopt(active.device_id)
    assert still_active.status_code == 409
    assert still_active.get_json()["reason"] == "device_active"
    assert adopt(other.device_id).status_code == 404
    assert adopt(phone.device_id).get_json()["reason"] == "same_device"
    bad = phone.client.post("/api/v1/sync/adopt", headers=phone._headers(),
                            json={"protocol": 1, "device_id": "nope", "ids": [0]})
    assert bad.status_code == 422 and {"device_id", "ids"} <= set(bad.get_json()["errors"]["json"])


def test_a_push_that_reaches_the_lock_after_the_revocation_applies_nothing(
        phone_for, technician, job):
    """The token was checked before the office revoked the device; the push must still
    apply nothing, or a new device could be told 'never applied' and apply it again."""
    phone = phone_for(technician)
    device = db.session.get(Device, phone.device_id)
    revoke_device(device.id)
    with pytest.raises(engine.DeviceRevoked):
        engine.push(db.session, device, technician.user, technician,
                    [{"id": 1, "name": "add_note", "version": 1, "args": {
                        "order_id": str(job.id), "note_id": new_id(), "body": "late",
                        "device_time": phone.now()}}], utcnow())
    assert notes_on(job) == 0 and device.last_mutation_id == 0


def test_signing_in_with_a_revoked_device_id_says_why(client, technician):
    phone_device = client.post("/api/v1/auth/token", json={
        "email": technician.user.email, "password": PASSWORD,
        "device_name": "Pixel"}).get_json()["device_id"]
    revoke_device(uuid.UUID(phone_device))
    again = client.post("/api/v1/auth/token", json={
        "email": technician.user.email, "password": PASSWORD,
        "device_name": "Pixel", "device_id": phone_device})
    assert again.status_code == 409 and again.get_json()["reason"] == "device_revoked"


def test_with_an_empty_outbox_the_new_device_still_learns_where_its_counter_starts(
        phone_for, technician, job):
    phone = phone_for(technician)
    note(phone, job)
    phone.push_all()  # the old device reached id 1; nothing pending
    revoke_device(phone.device_id)
    assert phone.push(recover=False).status_code == 401
    phone.sign_in_as_new_device()
    answer = phone.client.post("/api/v1/sync/adopt", headers=phone._headers(), json={
        "protocol": 1, "device_id": str(phone.adopt_from), "ids": []}).get_json()
    assert answer == {"device_id": str(phone.adopt_from), "last_mutation_id": 1,
                      "next_id": 1, "results": []}
    note(phone, job)  # queued before the takeover, with the old counter (2)
    body = phone.push().get_json()  # takes over first: renumbered to 1
    assert body["stopped"] is None and [r["id"] for r in body["results"]] == [1]
    assert notes_on(job) == 2
