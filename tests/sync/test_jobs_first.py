"""A first sync asks for its jobs first (protocol 3, docs/sync-protocol.md §7d): the phone
can show and work on today's jobs while the parts catalogue and the articles still arrive,
and what it holds at the end is what a plain first sync gives — whatever the office changed
in between."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.inventory import service as inventory
from server.knowledge.models import KnowledgeArticle
from server.workorders import service as orders
from sync.models import SyncCounter
from tests.factories import walk_to

CATALOGUE = {"part", "article", "checklist_template", "symptom"}


def _get(phone, **query):
    response = phone.client.get("/api/v1/sync/pull", headers=phone._headers(),
                                query_string={"protocol": 3, **query})
    return response


def test_the_jobs_page_holds_the_scope_and_leaves_the_catalogue_and_the_cursor(
        phone_for, technician, job, stocked_part):
    db.session.add(KnowledgeArticle(title="E1", body="Check the sensor.",
                                    category="air_conditioner", models=["KFR-35GW"]))
    db.session.flush()
    phone = phone_for(technician)
    head = db.session.scalar(select(SyncCounter.value))
    body = _get(phone, cursor=0, jobs_first="true").get_json()
    types = {c["type"] for c in body["changes"]}
    assert {"work_order", "customer", "address", "asset", "stock_level"} <= types
    assert not types & CATALOGUE
    assert body["cursor"] == 0 and body["has_more"] is True and body["jobs_upto"] == head
    order = next(c for c in body["changes"] if c["type"] == "work_order")
    assert order["id"] == str(job.id) and order["data"]["number"] == job.number
    # The rest: the catalogue, not the jobs again (nothing changed since)
    rest = _get(phone, cursor=0, jobs_upto=body["jobs_upto"]).get_json()
    assert {c["type"] for c in rest["changes"]} == {"part", "article", "symptom"} | \
        ({"checklist_template"} & {c["type"] for c in rest["changes"]})
    assert "jobs_upto" not in rest and rest["has_more"] is False
    assert rest["scope"]["orders"] == 1


def test_the_reference_phone_ends_with_what_a_plain_first_sync_gives(
        phone_for, technician, job, stocked_part):
    jobs_first = phone_for(technician, "jobs first")
    assert jobs_first.pull() == 2  # the jobs page, then the rest
    plain = phone_for(technician, "plain")
    assert plain.pull(jobs_first=False) == 1
    assert jobs_first.store == plain.store and jobs_first.jobs_upto == 0


def test_what_the_office_changes_between_the_jobs_page_and_the_rest_reaches_the_phone(
        phone_for, technician, job, stocked_part, make_order, make_technician, dispatcher):
    leaving = make_order(actor=dispatcher)
    walk_to(leaving, "scheduled", dispatcher, technician)
    phone = phone_for(technician)
    assert phone.pull(max_pages=1) == 1
    assert set(phone.orders()) == {str(job.id), str(leaving.id)} and phone.cursor == 0
    assert not phone.rows("part") and phone.jobs_upto
    # Meanwhile: a note on a job, a new job, a job given to someone else, a part renamed
    orders.update_order(dispatcher, job, {"customer_notes": "Gate code 4711"})
    arriving = make_order(actor=dispatcher)
    walk_to(arriving, "scheduled", dispatcher, technician)
    orders.update_order(dispatcher, leaving, {"assignee_id": make_technician().id})
    inventory.update_part(stocked_part, {"name_en": "Run capacitor 35uF (new)"})
    phone.pull()
    assert set(phone.orders()) == {str(job.id), str(arriving.id)}
    assert phone.orders()[str(job.id)]["customer_notes"] == "Gate code 4711"
    assert phone.rows("part")[str(stocked_part.id)]["name_en"] == "Run capacitor 35uF (new)"
    assert str(leaving.customer_id) not in phone.rows("customer") or \
        leaving.customer_id in (job.customer_id, arriving.customer_id)
    fresh = phone_for(technician, "fresh")
    fresh.pull(jobs_first=False)
    assert phone.store == fresh.store and phone.resyncs == 0


def test_a_jobs_upto_from_another_database_sends_the_jobs_again(
        phone_for, technician, job):
    phone = phone_for(technician)
    body = _get(phone, cursor=0, jobs_upto=10**12).get_json()
    assert str(job.id) in {c["id"] for c in body["changes"] if c["type"] == "work_order"}


def test_jobs_first_is_refused_naming_the_field_when_it_cannot_apply(
        phone_for, technician, job):
    phone = phone_for(technician)
    cases = [({"protocol": 2, "jobs_first": "true"}, "jobs_first"),
             ({"protocol": 2, "jobs_upto": 5}, "jobs_upto"),
             ({"cursor": 7, "jobs_first": "true"}, "jobs_first"),
             ({"jobs_first": "true", "jobs_upto": 5}, "jobs_upto"),
             ({"jobs_upto": -1}, "jobs_upto"),
             ({"jobs_first": "maybe"}, "jobs_first")]
    for query, field in cases:
        response = phone.client.get("/api/v1/sync/pull", headers=phone._headers(),
                                    query_string={"protocol": 3, "cursor": 0, **query})
        assert response.status_code == 422, (query, response.get_json())
        assert field in response.get_json()["errors"]["query"], (query, response.get_json())
