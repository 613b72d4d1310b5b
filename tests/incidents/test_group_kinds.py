"""Detection by production batch, replaced part and root cause: each kind opens incidents
of its own at the configured thresholds, counts an order once per incident, and the pages
say what the group is in both languages."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.extensions import db
from server.incidents import service
from server.incidents.models import Incident
from server.workorders.models import PartUsage

from .conftest import CITIES, NOW

SIZES = [(9, 0), (10, 1), (11, 1), (50, 1), (51, 2), (200, 2), (201, 3)]


def open_incidents(kind=None):
    query = select(Incident).where(Incident.status == "open")
    if kind:
        query = query.where(Incident.kind == kind)
    return db.session.scalars(query.order_by(Incident.number)).all()


@pytest.fixture
def serial_rule(app, monkeypatch):
    # E60VN3 serials read "E6" + the batch (yymm) + a running number.
    monkeypatch.setitem(app.config, "INCIDENT_BATCH_RULES",
                        {"E60VN3": {"start": 3, "length": 4}})


def _burst_of(kind, burst, part, count, **kw):
    """``count`` reports sharing only ``kind`` (no symptom: no symptom group forms)."""
    if kind == "batch":
        return burst(count, model="E60VN3", symptom=None, batch="2025-09", **kw)
    if kind == "serial":
        return burst(count, model="E60VN3", symptom=None, serial_prefix="E62509", **kw)
    if kind == "part":
        return burst(count, symptom=None, part=part, **kw)
    return burst(count, symptom=None, root_cause="manufacturing_defect", **kw)


@pytest.mark.parametrize(("count", "level"), SIZES)
@pytest.mark.parametrize("kind", ["batch", "serial", "part", "root_cause"])
def test_each_kind_reaches_the_level_of_its_size(burst, part, serial_rule, kind, count,
                                                 level):
    ids = _burst_of(kind, burst, part, count, spread_days=25)
    service.detect(NOW)
    incidents = open_incidents()
    if level == 0:
        assert incidents == []
        return
    [incident] = incidents
    expected = {"batch": ("batch", "E60VN3", "2025-09"), "serial": ("batch", "E60VN3", "2509"),
                "part": ("part", "JSQ24-12", "THERMO-12"),
                "root_cause": ("root_cause", "JSQ24-12", "manufacturing_defect")}[kind]
    assert (incident.kind, incident.product_model, incident.group_value) == expected
    assert incident.symptom_code is None
    assert (incident.level, incident.window_count) == (level, count)
    assert sorted(service.linked_order_ids(incident)) == sorted(ids)
    assert {d.kind for d in incident.deadlines} >= {"compensation_plan"}


def test_a_batch_burst_spread_over_regions_and_time_is_counted_by_region(burst):
    burst(40, model="E60VN3", symptom=None, batch="2025-09", spread_days=28)
    burst(8, model="E60VN3", symptom=None, batch="2025-09", now=NOW - timedelta(days=31))
    service.detect(NOW)
    [incident] = open_incidents()
    affected = service.affected(incident, ZoneInfo("Asia/Shanghai"))
    assert incident.window_count == 40  # the eight older reports are outside the window
    assert dict(affected.by_region) == {city: 10 for city in CITIES}
    assert len(affected.by_day) >= 25


def test_batches_models_and_unknown_batches_are_separate(burst, serial_rule):
    burst(9, model="E60VN3", symptom=None, batch="2025-09")
    burst(9, model="E60VN3", symptom=None, batch="2025-10")
    burst(9, model="JSQ24-12", symptom=None, batch="2025-09")
    burst(30, model="JSQ24-12", symptom=None)  # no batch recorded, no rule for the model
    burst(5, model="E60VN3", symptom=None, batch=" ")  # blank: unknown
    service.detect(NOW)
    assert open_incidents() == []
    # A recorded batch wins over the serial rule: 9 recorded + 1 by serial = 10.
    burst(1, model="E60VN3", symptom=None, serial_prefix="E62025-09")
    burst(1, model="E60VN3", symptom=None, batch="2025-09", serial_prefix="E6XXXX")
    service.detect(NOW)
    [incident] = open_incidents()
    assert (incident.group_value, incident.window_count) == ("2025-09", 10)


def test_an_order_with_the_part_twice_counts_once_and_a_returned_part_not_at_all(burst, part):
    ids = burst(9, symptom=None, part=part, part_lines=2)
    service.detect(NOW)
    assert open_incidents() == []  # 18 lines, 9 orders
    [returned] = burst(1, symptom=None)
    db.session.add(PartUsage(work_order_id=returned, part_id=part.id, quantity=-1,
                             unit_price_cents=4500))
    service.detect(NOW)
    assert open_incidents() == []
    [fitted] = burst(1, symptom=None, part=part)
    service.detect(NOW)
    [incident] = open_incidents("part")
    assert incident.window_count == 10
    assert sorted(service.linked_order_ids(incident)) == sorted([*ids, fitted])


def test_no_fault_found_and_misuse_never_open_an_incident(burst):
    burst(250, symptom=None, root_cause="no_fault_found")
    burst(250, symptom=None, root_cause="misuse")
    burst(9, symptom=None, root_cause="control_board")
    service.detect(NOW)
    assert open_incidents() == []


def test_one_order_counts_in_its_symptom_group_and_its_batch_group_once_each(burst, part):
    ids = burst(12, model="E60VN3", symptom="WH_LEAK", batch="2025-09", part=part,
                root_cause="manufacturing_defect", part_lines=3)
    result = service.detect(NOW)
    kinds = {i.kind: i for i in open_incidents()}
    assert sorted(kinds) == ["batch", "part", "root_cause", "symptom"]
    assert result.opened == 4 and result.linked == 4 * 12
    for incident in kinds.values():
        assert incident.window_count == 12
        assert sorted(service.linked_order_ids(incident)) == sorted(ids)
    assert service.detect(NOW + timedelta(minutes=5)) == service.DetectionResult(0, 0, 0)


def test_a_batch_incident_grows_and_a_closed_one_is_not_reopened(burst, admin):
    burst(10, model="E60VN3", symptom=None, batch="2025-09")
    service.detect(NOW)
    later = NOW + timedelta(hours=1)
    burst(45, model="E60VN3", symptom=None, batch="2025-09", now=later, spread_days=1)
    assert service.detect(later).raised == 1
    [incident] = open_incidents()
    assert [(h.from_level, h.to_level) for h in incident.history] == [(None, 1), (1, 2)]
    service.close(admin, incident, "batch recalled", now=later + timedelta(minutes=1))
    service.detect(later + timedelta(hours=1))
    assert open_incidents() == []


def test_the_pages_say_what_the_group_is_in_both_languages(client, dispatcher, burst, part,
                                                            serial_rule):
    from .test_console import signed_in

    burst(12, model="E60VN3", symptom=None, serial_prefix="E62509")
    burst(12, symptom=None, part=part)
    burst(12, symptom=None, root_cause="manufacturing_defect")
    burst(12, symptom="WH_LEAK")
    service.detect(NOW)
    db.session.commit()
    by_kind = {i.kind: i for i in open_incidents()}
    office = signed_in(client, dispatcher)
    english = {"batch": "Batch 2509 of E60VN3", "part": "Part THERMO-12 replaced",
               "root_cause": "Root cause: Manufacturing defect", "symptom": "Symptom: "}
    listing = office.get("/incidents/").get_data(as_text=True)
    for kind, words in english.items():
        assert words in listing
        page = office.get(f"/incidents/{by_kind[kind].id}").get_data(as_text=True)
        assert words in page
    chinese = {"batch": "E60VN3 第 2509 批次", "part": "更换配件 THERMO-12",
               "root_cause": "故障原因：制造缺陷", "symptom": "故障现象："}
    office.get("/incidents/?lang=zh")
    for kind, words in chinese.items():
        page = office.get(f"/incidents/{by_kind[kind].id}").get_data(as_text=True)
        assert words in page and "manufacturing_defect" not in page


def test_the_api_names_the_kind_and_the_group(api_as, dispatcher, burst):
    burst(12, model="E60VN3", symptom=None, batch="2025-09")
    service.detect(NOW)
    [item] = api_as(dispatcher).get("/api/v1/incidents/").get_json()["items"]
    assert (item["kind"], item["group_value"], item["symptom_code"]) == (
        "batch", "2025-09", None)
    assert item["group_label"] == "Batch 2025-09 of E60VN3"


def test_the_office_records_a_batch_on_an_asset_and_a_too_long_one_is_refused(api_as,
                                                                              dispatcher):
    from server.assets.models import Asset
    from tests import factories

    customer = factories.make_customer()
    api = api_as(dispatcher)
    body = {"customer_id": str(customer.id), "category": "water_heater", "brand": "A.O. Smith",
            "model": "E60VN3", "serial": "E62509000123", "production_batch": "x" * 41}
    refused = api.post("/api/v1/assets/", json=body)
    assert refused.status_code == 422
    assert "production_batch" in refused.get_json()["errors"]["json"]
    assert db.session.scalars(select(Asset).where(Asset.serial == "E62509000123")).all() == []
    made = api.post("/api/v1/assets/", json={**body, "production_batch": "2025-09"})
    assert made.status_code == 201 and made.get_json()["production_batch"] == "2025-09"
    changed = api.patch(f"/api/v1/assets/{made.get_json()['id']}",
                        json={"production_batch": "2025-10"})
    assert changed.get_json()["production_batch"] == "2025-10"


def test_a_serial_rule_an_admin_sets_groups_appliances_without_a_recorded_batch(
        app, burst, admin):
    from server.settings import service as settings

    assert app.config["INCIDENT_BATCH_RULES"] == {}
    burst(12, model="E60VN3", symptom=None, serial_prefix="E62509")
    service.detect(NOW)
    assert open_incidents("batch") == []  # no rule: the batch is unknown
    settings.save_batch_rule(admin, {"model": "E60VN3", "start": "3", "length": "4"})
    service.detect(NOW + timedelta(minutes=5))
    [incident] = open_incidents("batch")
    assert (incident.group_value, incident.window_count) == ("2509", 12)
