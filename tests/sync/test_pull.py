"""Pull: first sync, incremental changes, paging, scope entry and exit, checksum, old apps."""

from sqlalchemy import select

from server.extensions import db
from server.knowledge.models import KnowledgeArticle
from server.workorders import service as orders
from sync.models import SyncCounter
from tests.factories import walk_to
from tests.sync.phone import new_id


def test_first_sync_brings_orders_whole_with_catalogue_van_stock_and_articles(
        phone_for, technician, job, stocked_part):
    db.session.add(KnowledgeArticle(title="E1 error on KFR-35GW", body="Check the sensor.",
                                    category="air_conditioner", models=["KFR-35GW"]))
    db.session.flush()
    phone = phone_for(technician)
    phone.pull()
    order = phone.orders()[str(job.id)]
    assert order["status"] == "scheduled" and order["number"] == job.number
    assert str(job.customer_id) in phone.rows("customer")
    assert str(job.address_id) in phone.rows("address")
    assert phone.rows("asset")[str(job.asset_id)]["warranty_status"] == "in_warranty"
    assert phone.rows("part")[str(stocked_part.id)]["sku"] == stocked_part.sku
    assert [s["quantity"] for s in phone.rows("stock_level").values()] == [5]
    assert len(phone.rows("article")) == 1


def test_other_technicians_orders_never_reach_the_phone(
        phone_for, technician, job, make_order, make_technician, dispatcher):
    other = make_order(actor=dispatcher)
    walk_to(other, "scheduled", dispatcher, make_technician())
    phone = phone_for(technician)
    phone.pull()
    assert set(phone.orders()) == {str(job.id)}
    assert str(other.customer_id) not in phone.rows("customer") or \
        other.customer_id == job.customer_id


def test_incremental_pull_brings_only_what_changed(phone_for, technician, job, dispatcher):
    phone = phone_for(technician)
    phone.pull()
    cursor = phone.cursor
    orders.update_order(dispatcher, job, {"customer_notes": "Gate code 4711"})
    response = phone.client.get("/api/v1/sync/pull", headers=phone._headers(),
                                query_string={"protocol": 1, "cursor": cursor})
    body = response.get_json()
    assert [(c["type"], c["id"]) for c in body["changes"]] == [("work_order", str(job.id))]
    assert body["changes"][0]["data"]["customer_notes"] == "Gate code 4711"
    assert body["cursor"] > cursor and body["has_more"] is False


def test_a_quiet_pull_returns_nothing_and_keeps_the_cursor(phone_for, technician, job):
    phone = phone_for(technician)
    phone.pull()
    body = phone.client.get("/api/v1/sync/pull", headers=phone._headers(), query_string={
        "protocol": 1, "cursor": phone.cursor}).get_json()
    assert body["changes"] == [] and body["cursor"] == phone.cursor


def test_paging_loses_nothing(phone_for, technician, job, make_part):
    db.session.commit()
    for _ in range(7):
        make_part()
        db.session.commit()  # one transaction, one position, per part
    phone = phone_for(technician)
    assert phone.pull(limit=3) >= 3
    assert len(phone.rows("part")) == 7
    fresh = phone_for(technician, "second phone")
    assert fresh.pull(limit=1000, jobs_first=False) == 1
    assert fresh.store == phone.store


def test_a_page_never_splits_a_position(phone_for, technician, job, make_part):
    db.session.commit()
    for _ in range(5):
        make_part()
    db.session.commit()  # five parts written together share one position
    phone = phone_for(technician)
    first = phone.client.get("/api/v1/sync/pull", headers=phone._headers(), query_string={
        "protocol": 1, "cursor": 0, "limit": 2}).get_json()
    parts = [c for c in first["changes"] if c["type"] == "part"]
    assert len(parts) == 0 or len(parts) == 5
    phone.pull(limit=2)
    assert len(phone.rows("part")) == 5


def test_assignment_brings_the_whole_order_to_the_new_phone_and_drops_it_from_the_old(
        phone_for, technician, make_technician, job, dispatcher):
    old_phone = phone_for(technician)
    old_phone.pull()
    newcomer = make_technician()
    new_phone = phone_for(newcomer)
    new_phone.pull()
    assert new_phone.orders() == {}
    old_phone.queue("add_note", {"order_id": str(job.id), "note_id": new_id(),
                                 "body": "left a card", "device_time": old_phone.now()})
    old_phone.push_all()
    orders.update_order(dispatcher, job, {"assignee_id": newcomer.id})
    new_phone.pull()
    assert set(new_phone.orders()) == {str(job.id)}
    assert len(new_phone.rows("note")) == 1  # the order arrived whole, history lines too
    assert str(job.customer_id) in new_phone.rows("customer")
    old_phone.pull()
    assert old_phone.orders() == {} and old_phone.rows("note") == {}


def test_a_removed_order_waits_on_the_phone_until_its_pending_work_is_pushed(
        phone_for, technician, make_technician, job, dispatcher):
    phone = phone_for(technician)
    phone.pull()
    phone.queue("add_note", {"order_id": str(job.id), "note_id": new_id(),
                             "body": "wrote this offline", "device_time": phone.now()})
    orders.update_order(dispatcher, job, {"assignee_id": make_technician().id})
    phone.pull()  # told to drop it, but it has a pending note
    assert str(job.id) in phone.orders()
    phone.push_all()
    phone.pull()
    assert str(job.id) not in phone.orders()


def test_cancelled_and_closed_orders_leave_the_scope(phone_for, technician, job, dispatcher):
    phone = phone_for(technician)
    phone.pull()
    orders.transition(dispatcher, job, "cancelled", reason="customer fixed it")
    phone.pull()
    assert phone.orders() == {}


def test_scope_checksum_lets_a_drifted_phone_resync(phone_for, technician, job):
    phone = phone_for(technician)
    phone.pull()
    phone.store.pop(("work_order", str(job.id)))  # local data lost (storage evicted)
    phone.pull()
    assert phone.resyncs == 1 and str(job.id) in phone.orders()


def test_cursor_past_the_head_starts_over(phone_for, technician, job):
    phone = phone_for(technician)
    head = db.session.scalar(select(SyncCounter.value))
    phone.cursor = head + 1000  # e.g. after the server was restored from a backup
    phone.pull()
    assert str(job.id) in phone.orders()


def test_after_a_lost_push_the_pull_says_what_applied_and_the_next_push_tells_the_outcome(
        phone_for, technician, job):
    phone = phone_for(technician)
    phone.queue("add_note", {"order_id": str(job.id), "note_id": new_id(), "body": "x",
                             "device_time": phone.now()})
    phone.queue("add_note", {"order_id": str(job.id), "note_id": new_id(), "body": "",
                             "device_time": phone.now()})  # will be rejected
    phone.push(lose_response=True)
    phone.pull()
    assert phone.server_has == 2 and len(phone.rows("note")) == 1
    assert len(phone.outbox) == 2  # outcomes unknown yet: nothing deleted on a pull
    results = phone.push().get_json()["results"]
    assert [(r["status"], r["duplicate"]) for r in results] == [("applied", True),
                                                                 ("rejected", True)]
    assert phone.outbox == [] and (str(phone.device_id), 2) in phone.rejections


def test_a_too_old_app_must_update_before_pulling_but_may_still_push(
        phone_for, technician, job, app, monkeypatch):
    monkeypatch.setitem(app.config, "SYNC_MIN_PROTOCOL", 2)
    phone = phone_for(technician)
    phone.queue("transition", {"order_id": str(job.id), "to": "en_route",
                               "device_time": phone.now()}, version=1)
    phone.push_all()  # the outbox drains first
    response = phone.client.get("/api/v1/sync/pull", headers=phone._headers(),
                                query_string={"protocol": 1, "cursor": 0})
    assert response.status_code == 426
    assert response.get_json()["reason"] == "upgrade_required"
    db.session.refresh(job)
    assert job.status == "en_route"


def test_protocol_2_sends_each_rows_id_once_and_protocol_1_still_gets_it_in_data(
        phone_for, technician, job):
    """Protocol 2 (issue 17) trims the first sync: a row's id is on the change only. An app
    still on protocol 1 gets the same rows with the id repeated in ``data``, as before."""
    phone = phone_for(technician)

    def first_page(protocol):
        response = phone.client.get("/api/v1/sync/pull", headers=phone._headers(),
                                    query_string={"protocol": protocol, "cursor": 0})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["changes"]

    new, old = first_page(2), first_page(1)
    assert {(c["type"], c["id"]) for c in new} == {(c["type"], c["id"]) for c in old}
    assert {"work_order", "customer", "address"} <= {c["type"] for c in new}
    assert all("id" not in c["data"] for c in new)
    assert all(c["data"]["id"] == c["id"] for c in old)
    # Nothing else differs: the id is the only field protocol 2 leaves out of data.
    by_key = {(c["type"], c["id"]): c["data"] for c in old}
    assert all({**c["data"], "id": c["id"]} == by_key[(c["type"], c["id"])] for c in new)
    # The reference client keeps rows with their id, as the app does.
    phone.pull()
    assert phone.rows("work_order")[str(job.id)]["id"] == str(job.id)
