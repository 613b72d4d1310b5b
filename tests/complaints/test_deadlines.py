"""A complaint's deadlines count working time: weekends, holidays and after hours do not.

Calendar under test: Asia/Shanghai, Monday to Friday, 08:00–18:00 (the defaults).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.complaints import service

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2026 in Shanghai: the 1st is a Monday."""
    return datetime(2026, 6, day, hour, minute, tzinfo=SH)


@pytest.fixture
def holidays(app, monkeypatch):
    def set_(*days):
        monkeypatch.setitem(app.config, "HOLIDAYS", list(days))
    return set_


def test_a_complaint_on_a_tuesday_morning_is_answered_wednesday_and_verified_friday(app):
    due = service.deadlines(at(2, 10), "green")
    assert due.respond_by == at(3, 10)
    assert due.verify_by == at(5, 10)
    assert due.resolve_by == at(3, 10)  # green: closed within one working day


def test_a_yellow_complaint_reports_progress_within_two_working_days(app):
    assert service.deadlines(at(2, 10), "yellow").resolve_by == at(4, 10)


def test_the_weekend_does_not_count(app):
    due = service.deadlines(at(5, 16), "green")  # Friday 16:00
    assert due.respond_by == at(8, 16)  # Monday
    assert due.verify_by == at(10, 16)  # Wednesday


def test_a_complaint_on_a_saturday_starts_counting_on_monday_morning(app):
    assert service.deadlines(at(6, 11), "green").respond_by == at(8, 18)


def test_after_hours_counts_from_the_next_working_morning(app):
    assert service.deadlines(at(2, 20, 30), "green").respond_by == at(3, 18)
    assert service.deadlines(at(3, 6), "green").respond_by == at(3, 18)


def test_a_holiday_does_not_count(app, holidays):
    holidays("2026-06-03")
    due = service.deadlines(at(2, 10), "green")
    assert due.respond_by == at(4, 10)
    assert due.verify_by == at(8, 10)  # Thu, Fri, (weekend), Mon


def test_the_deadlines_are_configurable(app, monkeypatch):
    monkeypatch.setitem(app.config, "COMPLAINT_VERIFY_DAYS", 5)
    monkeypatch.setitem(app.config, "COMPLAINT_RESPOND_DAYS", 0.5)
    due = service.deadlines(at(2, 10), "green")
    assert due.respond_by == at(2, 15)
    assert due.verify_by == at(9, 10)
