"""SLA deadlines on the working calendar: weekends, after hours, holidays, wall-clock tiers."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from server.workorders.sla import WorkingCalendar, complaint_deadline, compute_deadlines, grade

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar(timezone="Asia/Shanghai")  # Mon–Fri 08:00–18:00


def local(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# 2026-11-20 is a Friday; 2026-11-23 a Monday.
def test_time_within_one_working_day():
    assert CAL.add_working_time(local(2026, 11, 18, 9), timedelta(hours=4)) == local(2026, 11, 18, 13)


def test_time_runs_over_the_weekend():
    # Friday 16:00 + 4 working hours = 2 h on Friday, 2 h on Monday.
    assert CAL.add_working_time(local(2026, 11, 20, 16), timedelta(hours=4)) == local(2026, 11, 23, 10)


def test_after_hours_request_starts_next_working_morning():
    assert CAL.add_working_time(local(2026, 11, 18, 21), timedelta(hours=1)) == local(2026, 11, 19, 9)
    assert CAL.add_working_time(local(2026, 11, 18, 6), timedelta(hours=1)) == local(2026, 11, 18, 9)


def test_saturday_request_starts_monday():
    assert CAL.add_working_time(local(2026, 11, 21, 11), timedelta(hours=2)) == local(2026, 11, 23, 10)


def test_exactly_at_closing_time_rolls_to_next_day():
    assert CAL.add_working_time(local(2026, 11, 18, 18), timedelta(minutes=30)) == \
        local(2026, 11, 19, 8, 30)


def test_a_deadline_may_end_exactly_at_closing():
    assert CAL.add_working_time(local(2026, 11, 18, 8), timedelta(hours=10)) == local(2026, 11, 18, 18)


def test_holidays_are_skipped():
    cal = WorkingCalendar(timezone="Asia/Shanghai", holidays=frozenset({date(2026, 11, 23)}))
    assert cal.add_working_time(local(2026, 11, 20, 17), timedelta(hours=2)) == local(2026, 11, 24, 9)


def test_custom_hours_and_six_day_week():
    cal = WorkingCalendar(timezone="Europe/London", work_days=frozenset({1, 2, 3, 4, 5, 6}),
                          start=time(9), end=time(17))
    london = ZoneInfo("Europe/London")
    saturday_4pm = datetime(2026, 11, 21, 16, tzinfo=london)
    assert cal.add_working_time(saturday_4pm, timedelta(hours=3)) == \
        datetime(2026, 11, 23, 11, tzinfo=london)


def test_result_is_utc_and_naive_start_is_refused():
    result = CAL.add_working_time(local(2026, 11, 18, 9), timedelta(hours=1))
    assert result.tzinfo == UTC
    with pytest.raises(ValueError):
        CAL.add_working_time(datetime(2026, 11, 18, 9), timedelta(hours=1))


def test_emergency_runs_on_the_wall_clock_even_on_sunday_night():
    sunday_night = local(2026, 11, 22, 23)
    deadlines = compute_deadlines("emergency", "repair", sunday_night, CAL)
    assert deadlines.respond_by == sunday_night + timedelta(hours=2)
    assert deadlines.resolve_by == sunday_night + timedelta(hours=24)


def test_normal_repair_gets_one_working_day_to_respond_and_three_to_resolve():
    friday_3pm = local(2026, 11, 20, 15)
    deadlines = compute_deadlines("normal", "repair", friday_3pm, CAL)
    assert deadlines.respond_by == local(2026, 11, 23, 15)
    assert deadlines.resolve_by == local(2026, 11, 25, 15)


def test_installations_get_twice_the_time_to_resolve():
    monday_9am = local(2026, 11, 23, 9)
    repair = compute_deadlines("normal", "repair", monday_9am, CAL)
    install = compute_deadlines("normal", "install", monday_9am, CAL)
    assert repair.respond_by == install.respond_by
    assert install.resolve_by == local(2026, 12, 1, 9)  # six working days later


def test_unknown_priority_is_refused():
    with pytest.raises(KeyError):
        compute_deadlines("whenever", "repair", local(2026, 11, 23, 9), CAL)


def test_complaints_are_answered_within_one_working_day():
    assert complaint_deadline(local(2026, 11, 20, 17), CAL) == local(2026, 11, 23, 17)


def order(status="new", priority="normal", created=None, respond=None, resolve=None,
          appointment=None, completed=None):
    return SimpleNamespace(status=status, priority=priority, created_at=created,
                           respond_by=respond, resolve_by=resolve, appointment_start=appointment,
                           completed_at=completed)


def test_grading_green_yellow_red_on_the_respond_clock():
    created = datetime(2026, 11, 23, 0, tzinfo=UTC)
    o = order(created=created, respond=created + timedelta(hours=8),
              resolve=created + timedelta(hours=30))
    assert grade(o, created + timedelta(hours=1)) == "green"
    assert grade(o, created + timedelta(hours=7)) == "yellow"  # < 25 % of the window left
    assert grade(o, created + timedelta(hours=8)) == "red"


def test_booking_an_appointment_stops_the_respond_clock():
    created = datetime(2026, 11, 23, 0, tzinfo=UTC)
    o = order(created=created, respond=created + timedelta(hours=8),
              resolve=created + timedelta(hours=72), appointment=created + timedelta(hours=20))
    assert grade(o, created + timedelta(hours=9)) == "green"


def test_emergency_respond_clock_runs_until_someone_is_on_site():
    created = datetime(2026, 11, 23, 0, tzinfo=UTC)
    o = order(priority="emergency", created=created, respond=created + timedelta(hours=2),
              resolve=created + timedelta(hours=24), appointment=created + timedelta(hours=1))
    assert grade(o, created + timedelta(hours=3)) == "red"
    o.status = "on_site"
    assert grade(o, created + timedelta(hours=3)) == "green"


def test_completed_orders_are_graded_on_when_they_were_completed():
    created = datetime(2026, 11, 23, 0, tzinfo=UTC)
    late = order(status="completed", created=created, resolve=created + timedelta(hours=5),
                 completed=created + timedelta(hours=6))
    on_time = order(status="closed", created=created, resolve=created + timedelta(hours=5),
                    completed=created + timedelta(hours=4))
    assert grade(late, created + timedelta(days=9)) == "red"
    assert grade(on_time, created + timedelta(days=9)) == "green"
