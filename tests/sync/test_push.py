"""Push: exactly-once application, acknowledgement, gaps, rejections, bad batches."""

from unittest import mock

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from server.accounts.models import Device
from server.extensions import db
from server.workorders.models import WorkOrderNote
from sync.models import RejectedMutation
from tests.sync.phone import new_id


def note(phone, order, body="Checked the outdoor unit"):
    return phone.queue("add_note", {"order_id": str(order.id), "note_id": new_id(),
                                    "body": body, "device_time": phone.now()})


def notes_on(order):
    return db.session.scalar(select(func.count()).select_from(WorkOrderNote)
                             .where(WorkOrderNote.work_order_id == order.id))


def test_a_batch_applies_in_order_and_is_acknowledged(phone_for, technician, job):
    phone = phone_for(technician)
    for i in range(3):
        note(phone, job, f"note {i}")
    response = phone.push()
    body = response.get_json()
    assert response.status_code == 200
    assert body["last_mutation_id"] == 3
    assert [r["status"] for r in body["results"]] == ["applied"] * 3
    assert phone.outbox == [] and notes_on(job) == 3


def test_a_push_records_the_app_version_the_phone_runs(phone_for, technician, job):
    """Each push says which version of the app sent it; one that says none keeps the
    version on record."""
    phone = phone_for(technician)

    def push(version):
        note(phone, job)
        body = {"protocol": 2, "mutations": phone.outbox}
        if version is not None:
            body["app_version"] = version
        response = phone.client.post("/api/v1/sync/push", headers=phone._headers(), json=body)
        assert response.status_code == 200
        phone._acknowledge(response.get_json())
        return db.session.get(Device, phone.device_id).app_version

    assert push("2026.12") == "2026.12"
    assert push("2026.12") == "2026.12"
    assert push(None) == "2026.12"
    assert push("2027.01") == "2027.01"
    assert notes_on(job) == 4


def test_a_lost_response_and_a_retry_apply_once(phone_for, technician, job):
    phone = phone_for(technician)
    note(phone, job)
    note(phone, job)
    phone.push(lose_response=True)  # committed, but the phone never heard back
    assert len(phone.outbox) == 2
    retry = phone.push().get_json()
    assert [r.get("duplicate") for r in retry["results"]] == [True, True]
    assert notes_on(job) == 2 and phone.outbox == []


def test_a_replayed_rejection_is_reported_again(phone_for, technician, job):
    phone = phone_for(technician)
    phone.queue("add_note", {"order_id": str(job.id), "note_id": new_id(), "body": "",
                             "device_time": phone.now()})
    phone.push(lose_response=True)
    replay = phone.push().get_json()["results"][0]
    assert replay["status"] == "rejected" and replay["reason"] == "invalid_arguments"
    assert replay["duplicate"] is True


def test_a_gap_stops_the_batch_and_names_the_missing_id(phone_for, technician, job):
    phone = phone_for(technician)
    note(phone, job)
    note(phone, job)
    phone.outbox = phone.outbox[1:]  # mutation 1 never sent
    body = phone.push().get_json()
    assert body["stopped"]["reason"] == "gap" and body["stopped"]["expected_id"] == 1
    assert body["last_mutation_id"] == 0 and notes_on(job) == 0


def test_a_rejection_is_recorded_counted_and_does_not_block_the_queue(
        phone_for, technician, job, make_order):
    phone = phone_for(technician)
    stranger = make_order()  # never assigned to this technician
    note(phone, stranger)
    note(phone, job)
    body = phone.push().get_json()
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert body["results"][0]["reason"] == "not_in_scope"
    assert body["last_mutation_id"] == 2
    rejected = db.session.scalar(select(RejectedMutation))
    assert rejected.mutation_id == 1 and rejected.args["order_id"] == str(stranger.id)
    assert rejected.reason == "not_in_scope"


def test_rejected_mutations_are_listed_for_the_dispatcher(phone_for, technician, job, api_as,
                                                          dispatcher):
    phone = phone_for(technician)
    phone.queue("teleport", {"order_id": str(job.id)}, version=1)
    phone.push()
    listed = api_as(dispatcher).get("/api/v1/sync/rejections").get_json()
    assert listed[0]["reason"] == "unknown_mutation" and listed[0]["name"] == "teleport"
    assert listed[0]["work_order_id"] == str(job.id)
    resolved = api_as(dispatcher).post(f"/api/v1/sync/rejections/{listed[0]['id']}/resolve",
                                       json={"note": "asked the technician"})
    assert resolved.get_json()["resolved_at"]
    assert api_as(dispatcher).get("/api/v1/sync/rejections").get_json() == []


def test_wrong_argument_types_are_rejected_naming_the_field(phone_for, technician, job):
    phone = phone_for(technician)
    phone.queue("use_part", {"order_id": str(job.id), "line_id": new_id(),
                             "part_id": "not-a-uuid", "quantity": "three",
                             "device_time": phone.now()})
    result = phone.push().get_json()["results"][0]
    assert result["reason"] == "invalid_arguments"
    assert {"part_id", "quantity"} <= set(result["errors"]["args"])


def test_a_malformed_batch_is_422_and_nothing_moves(phone_for, technician, job, client):
    phone = phone_for(technician)
    for bad in ({"protocol": 1}, {"protocol": 1, "mutations": [{"id": "x"}]},
                {"protocol": 1, "mutations": [
                    {"id": 2, "name": "add_note", "version": 1, "args": {}},
                    {"id": 1, "name": "add_note", "version": 1, "args": {}}]}):
        response = client.post("/api/v1/sync/push", json=bad, headers=phone._headers())
        assert response.status_code == 422, bad
        assert response.get_json()["errors"]
    assert db.session.get(Device, phone.device_id).last_mutation_id == 0


def test_a_batch_over_the_limit_is_413(phone_for, technician, job, app, monkeypatch):
    monkeypatch.setitem(app.config, "SYNC_MAX_BATCH", 2)
    phone = phone_for(technician)
    for _ in range(3):
        note(phone, job)
    response = phone.push()
    assert response.status_code == 413 and response.get_json()["reason"] == "batch_too_large"
    assert notes_on(job) == 0


def test_a_crash_in_the_middle_of_a_batch_applies_nothing(phone_for, technician, job):
    phone = phone_for(technician)
    note(phone, job)
    note(phone, job)
    from sync import mutations

    real = mutations.REGISTRY[("add_note", 1)].apply
    calls = []

    def crash_on_second(ctx, args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        real(ctx, args)

    with mock.patch.dict(mutations.REGISTRY, {("add_note", 1): mutations.Mutation(
            "add_note", 1, mutations.AddNote, apply=crash_on_second)}):
        response = phone.push()
    assert response.status_code == 500
    assert notes_on(job) == 0 and db.session.get(Device, phone.device_id).last_mutation_id == 0
    phone.push_all()
    assert notes_on(job) == 2


def test_a_busy_database_asks_the_device_to_retry(phone_for, technician, job):
    phone = phone_for(technician)
    note(phone, job)
    busy = OperationalError("BEGIN", {}, Exception("database is locked"))
    with mock.patch("sync.push.push", side_effect=busy):
        response = phone.push()
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert len(phone.outbox) == 1
    phone.push_all()
    assert notes_on(job) == 1


def test_an_expired_token_pauses_sync_and_the_outbox_survives(phone_for, technician, job):
    from datetime import timedelta

    from server.database import utcnow

    phone = phone_for(technician)
    note(phone, job)
    device = db.session.get(Device, phone.device_id)
    device.token_expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    response = phone.push()
    assert response.status_code == 401 and response.get_json()["reason"] == "token_expired"
    assert len(phone.outbox) == 1
    phone.sign_in()  # same device id: its last applied id is kept
    phone.push_all()
    assert notes_on(job) == 1


def test_office_accounts_cannot_push(client, api_as, dispatcher):
    response = api_as(dispatcher).post("/api/v1/sync/push",
                                       json={"protocol": 1, "mutations": []})
    assert response.status_code == 403


def test_text_with_a_nul_character_is_rejected_naming_the_field(phone_for, technician, job):
    phone = phone_for(technician)
    phone.queue("add_note", {"order_id": str(job.id), "note_id": new_id(),
                             "body": "before\x00after", "device_time": phone.now()})
    result = phone.push().get_json()["results"][0]
    assert result["status"] == "rejected" and result["reason"] == "invalid_arguments"
    assert "body" in result["errors"]["args"]
    assert notes_on(job) == 0


def test_text_with_a_lone_surrogate_is_rejected_naming_the_field(phone_for, technician, job):
    phone = phone_for(technician)
    phone.queue("add_note", {"order_id": str(job.id), "note_id": new_id(),
                             "body": "\udab8", "device_time": phone.now()})
    result = phone.push().get_json()["results"][0]
    assert result["status"] == "rejected" and "body" in result["errors"]["args"]


def test_the_api_refuses_a_nul_character_in_json_naming_the_field(api_as, dispatcher,
                                                                  make_order):
    order = make_order()
    response = api_as(dispatcher).patch(f"/api/v1/workorders/{order.id}",
                                        json={"description": "a\x00b"})
    assert response.status_code == 422
    assert "NUL" in str(response.get_json()["errors"]["json"]["description"])
