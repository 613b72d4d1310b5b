"""Detection opens an incident at the first threshold and raises it at the next ones,
counting one product model and symptom within the window, wherever and whenever the
reports came from."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.incidents import service
from server.incidents.models import Incident, IncidentDeadline, IncidentOrder
from server.extensions import db

from .conftest import CITIES, NOW


def open_incidents():
    return db.session.scalars(select(Incident).where(Incident.status == "open")).all()


@pytest.mark.parametrize(("count", "level"), [
    (9, 0), (10, 1), (11, 1), (50, 1), (51, 2), (52, 2), (200, 2), (201, 3), (230, 3)])
def test_a_burst_reaches_the_level_of_its_size(burst, count, level):
    burst(count)
    result = service.detect(NOW)
    incidents = open_incidents()
    if level == 0:
        assert incidents == [] and result.opened == 0
        return
    [incident] = incidents
    assert incident.level == level
    assert incident.window_count == count
    assert service.linked_count(incident) == count
    # Every deadline of every level up to this one, from configuration, counted from now.
    kinds = {d.kind: d.due_at for d in incident.deadlines}
    expected = {1: {"compensation_plan": 48}, 2: {"explanation": 72},
                3: {"public_apology": 12, "recall_plan": 48}}
    wanted = {k: NOW + timedelta(hours=h) for lv in range(1, level + 1)
              for k, h in expected[lv].items()}
    assert kinds == wanted
    [opened] = incident.history
    assert (opened.from_level, opened.to_level, opened.cause) == (None, level, "detected")


def test_reports_outside_the_window_do_not_count(burst):
    burst(9, spread_days=20)
    burst(5, now=NOW - timedelta(days=31), spread_days=3)
    service.detect(NOW)
    assert open_incidents() == []


def test_other_models_and_symptoms_are_other_groups(burst):
    burst(6, model="JSQ24-12")
    burst(6, model="JSQ30-16")
    burst(6, model="JSQ24-12", symptom="WH_LEAK")
    service.detect(NOW)
    assert open_incidents() == []


def test_a_burst_spread_over_regions_and_time_is_counted_by_region_and_day(burst, app):
    burst(40, spread_days=10)
    service.detect(NOW)
    [incident] = open_incidents()
    from zoneinfo import ZoneInfo

    affected = service.affected(incident, ZoneInfo("Asia/Shanghai"))
    assert dict(affected.by_region) == {city: 10 for city in CITIES}
    assert sum(n for _, n in affected.by_day) == 40
    assert len(affected.by_day) >= 9
    assert affected.customers == 40 and affected.assets == 40


def test_a_growing_burst_raises_the_level_and_keeps_the_history(burst):
    burst(10)
    service.detect(NOW)
    later = NOW + timedelta(hours=1)
    burst(45, now=later, spread_days=1)
    result = service.detect(later)
    assert (result.opened, result.raised) == (0, 1)
    [incident] = open_incidents()
    assert incident.level == 2
    assert [(h.from_level, h.to_level) for h in incident.history] == [(None, 1), (1, 2)]
    assert service.linked_count(incident) == 55
    deadlines = {d.kind: d.due_at for d in incident.deadlines}
    # Level 1's deadline keeps its original due time; level 2's counts from the raise.
    assert deadlines == {"compensation_plan": NOW + timedelta(hours=48),
                         "explanation": later + timedelta(hours=72)}


def test_detection_run_twice_changes_nothing_the_second_time(burst):
    burst(60)
    service.detect(NOW)
    again = service.detect(NOW + timedelta(minutes=5))
    assert again == service.DetectionResult(0, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(Incident)) == 1
    assert db.session.scalar(select(func.count()).select_from(IncidentOrder)) == 60
    assert db.session.scalar(select(func.count()).select_from(IncidentDeadline)) == 2


def test_an_unlinked_order_is_not_linked_again(burst, admin):
    ids = burst(12)
    service.detect(NOW)
    [incident] = open_incidents()
    service.unlink_orders(admin, incident, [ids[0]])
    service.detect(NOW + timedelta(minutes=5))
    assert ids[0] not in service.linked_order_ids(incident)
    assert service.linked_count(incident) == 11


def test_a_level_lowered_by_a_person_is_raised_again_only_past_a_new_threshold(burst, admin):
    burst(60)
    service.detect(NOW)
    [incident] = open_incidents()
    service.set_level(admin, incident, 1, "one supplier lot, already replaced", now=NOW)
    burst(5, now=NOW + timedelta(hours=1), spread_days=1)
    service.detect(NOW + timedelta(hours=1))
    assert incident.level == 1
    burst(140, now=NOW + timedelta(hours=2), spread_days=1)
    service.detect(NOW + timedelta(hours=2))
    assert incident.level == 3
    assert [h.cause for h in incident.history] == ["detected", "manual", "detected"]


def test_a_closed_incident_is_not_reopened_by_the_reports_it_answered(burst, admin):
    burst(15)
    service.detect(NOW)
    [incident] = open_incidents()
    service.close(admin, incident, "bad batch recalled", now=NOW + timedelta(minutes=1))
    service.detect(NOW + timedelta(hours=1))
    assert open_incidents() == []
    burst(10, now=NOW + timedelta(days=2), spread_days=1)
    service.detect(NOW + timedelta(days=2))
    [fresh] = open_incidents()
    assert fresh.id != incident.id and fresh.level == 1 and fresh.window_count == 10


def test_cancelled_requests_do_not_count(burst):
    burst(9)
    burst(3, status="cancelled")
    service.detect(NOW)
    assert open_incidents() == []
