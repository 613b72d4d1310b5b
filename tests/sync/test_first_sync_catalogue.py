"""A first sync's catalogue (parts, articles, checklist templates) is dumped and encoded
once per version of each table (sync.pull.CatalogueCache): the phones must still get
exactly what reading the rows gives, and every change the office makes."""

from __future__ import annotations

import json

from sqlalchemy import delete, select

from server.extensions import db
from server.inventory import service as inventory
from server.inventory.models import Part
from server.knowledge.models import KnowledgeArticle
from server.sync_api.schemas import PullOut
from sync import pull
from tests.sync.phone import PROTOCOL


def _first_pull(phone, protocol=PROTOCOL, limit=None):
    query = {"protocol": protocol, "cursor": 0}
    if limit:
        query["limit"] = limit
    response = phone.client.get("/api/v1/sync/pull", headers=phone._headers(),
                                query_string=query)
    assert response.status_code == 200, response.get_data()[:300]
    return response


def _catalogue(body):
    return sorted((c for c in body["changes"] if c["type"] in ("part", "article")),
                  key=lambda c: (c["type"], c["id"]))


def test_a_first_sync_from_the_cache_sends_what_reading_the_rows_sends(
        phone_for, technician, job, stocked_part, make_part):
    parts = [make_part() for _ in range(3)]
    db.session.add(KnowledgeArticle(title="E1 故障", body="检查传感器。", language="zh",
                                    category="air_conditioner", models=["KFR-35GW"]))
    db.session.flush()
    phone = phone_for(technician)
    pull.CACHE.clear()
    misses = pull.CACHE.misses
    read = _first_pull(phone).get_json()
    cached = _first_pull(phone).get_json()
    assert pull.CACHE.misses == misses + 3  # parts, articles, templates read once, not twice
    assert _catalogue(cached) == _catalogue(read)
    assert {c["id"] for c in _catalogue(read) if c["type"] == "part"} == \
        {str(p.id) for p in [stocked_part, *parts]}
    # The same changes, value for value, as the per-row dump (ids not repeated: protocol 2)
    rows = {c["id"]: c for c in _catalogue(cached)}
    feed = next(f for f in pull.FEEDS if f.type == "part")
    for part in [stocked_part, *parts]:
        row = db.session.execute(select(*pull._columns(feed)).where(Part.id == part.id)).one()
        assert rows[str(part.id)] == pull._item(feed, row, ids_in_data=False)
    article = next(c for c in _catalogue(cached) if c["type"] == "article")
    assert article["data"]["title"] == "E1 故障" and "id" not in article["data"]
    # The answer still has the documented shape, order and all
    assert PullOut().validate(cached) == {}
    assert [c["pos"] for c in cached["changes"]] == sorted(c["pos"] for c in cached["changes"])


def test_a_protocol_1_phone_and_a_protocol_2_phone_each_get_their_own_form(
        phone_for, technician, job, stocked_part):
    phone = phone_for(technician)
    for protocol in (1, 2, 1, 2):
        body = _first_pull(phone, protocol).get_json()
        part = next(c for c in body["changes"] if c["type"] == "part")
        assert ("id" in part["data"]) is (protocol == 1)
        if protocol == 1:
            assert part["data"]["id"] == part["id"] == str(stocked_part.id)


def test_a_part_the_office_changes_reaches_the_next_first_sync_and_the_phones_in_sync(
        phone_for, technician, job, stocked_part, make_part):
    old = phone_for(technician, "old")
    old.pull()
    assert old.rows("part")[str(stocked_part.id)]["name_zh"] == stocked_part.name_zh
    _first_pull(old)  # the catalogue is now kept
    inventory.update_part(stocked_part, {"name_zh": "启动电容（新）", "price_cents": 5200})
    added = make_part()
    fresh = phone_for(technician, "fresh")
    fresh.pull()
    assert fresh.rows("part")[str(stocked_part.id)]["name_zh"] == "启动电容（新）"
    assert fresh.rows("part")[str(stocked_part.id)]["price_cents"] == 5200
    assert str(added.id) in fresh.rows("part")
    old.pull()
    assert old.rows("part") == fresh.rows("part")


def test_a_part_deleted_behind_the_apps_back_is_not_sent_from_the_cache(
        phone_for, technician, job, make_part):
    """Deleting rows keeps the highest position but not the count: a new version."""
    kept, gone = make_part(), make_part()
    phone = phone_for(technician)
    assert str(gone.id) in {c["id"] for c in _first_pull(phone).get_json()["changes"]}
    db.session.execute(delete(Part).where(Part.id == gone.id))
    db.session.flush()
    ids = {c["id"] for c in _first_pull(phone).get_json()["changes"]}
    assert str(kept.id) in ids and str(gone.id) not in ids


def test_a_catalogue_over_the_page_limit_pages_as_before(
        phone_for, technician, job, make_part):
    """Parts written at different positions page at the limit from the cached section as
    from the table; every part arrives once, with nothing lost between pages."""
    db.session.commit()
    parts = []
    for _ in range(7):
        parts.append(make_part())
        db.session.commit()  # one transaction, one position, per part
    phone = phone_for(technician)
    _first_pull(phone)  # kept
    first = _first_pull(phone, limit=3).get_json()
    assert first["has_more"] and \
        len([c for c in first["changes"] if c["type"] == "part"]) <= 3
    assert phone.pull(limit=3) >= 3
    assert set(phone.rows("part")) == {str(p.id) for p in parts}


def test_catalogue_text_is_sent_as_utf_8_and_parses_to_the_same_values(
        phone_for, technician, job, stocked_part):
    phone = phone_for(technician)
    _first_pull(phone)
    raw = _first_pull(phone).get_data()
    assert stocked_part.name_zh.encode() in raw  # not \\u escapes
    part = next(c for c in json.loads(raw)["changes"] if c["type"] == "part")
    assert part["data"]["name_zh"] == stocked_part.name_zh
