"""Time on site is one rule: the order page, the API and the printed report show the same
span — the visit that finished the job, counted in started minutes."""
from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from server.reports.render import _visit
from server.workorders.visit import time_on_site


def move(from_status: str, to_status: str, hour: int, minute: int, second: int = 0):
    at = datetime(2026, 3, 2, hour, minute, second, tzinfo=UTC)
    return SimpleNamespace(kind="transition", from_status=from_status, to_status=to_status,
                           device_time=at, server_time=at)


def test_a_second_visit_counts_from_its_own_arrival(app):
    order = SimpleNamespace(events=[
        move("scheduled", "en_route", 1, 0), move("en_route", "on_site", 1, 30),
        move("on_site", "awaiting_parts", 2, 0),         # first visit: no part on the van
        move("awaiting_parts", "en_route", 6, 0), move("en_route", "on_site", 6, 20),
        move("on_site", "completed", 7, 5),
    ])
    on_site = time_on_site(order)
    assert on_site.arrived_at.hour == 6 and on_site.arrived_at.minute == 20
    assert on_site.minutes == 45
    with app.test_request_context():
        assert _visit(order, "en")["duration"] == "45 min"


def test_a_pause_on_site_does_not_restart_the_clock_and_seconds_round_up(app):
    order = SimpleNamespace(events=[
        move("scheduled", "en_route", 1, 0), move("en_route", "on_site", 1, 30),
        move("on_site", "awaiting_customer", 1, 40),
        move("awaiting_customer", "on_site", 1, 50),
        move("on_site", "completed", 2, 10, 1),
    ])
    on_site = time_on_site(order)
    assert on_site.arrived_at.minute == 30
    assert on_site.minutes == 41        # 40 min and 1 s is 41 started minutes
    with app.test_request_context():
        assert _visit(order, "en")["duration"] == "41 min"


def test_a_job_never_completed_has_no_time_on_site(app):
    order = SimpleNamespace(events=[move("scheduled", "en_route", 1, 0),
                                    move("en_route", "on_site", 1, 30)])
    assert time_on_site(order).minutes is None
    with app.test_request_context():
        assert _visit(order, "en")["duration"] is None
