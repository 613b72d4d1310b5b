"""Complaint deadlines, follow-up due dates and the dispatcher's suggested booking hours count
on the calendar of the order's region, as its SLA deadlines do (one rule:
``orders.order_calendar`` / ``settings.calendar_for``). A London and a Shanghai order at the
same moment get different dates; without a region calendar, the company's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.complaints import service as complaints
from server.dispatch import service as dispatch
from server.dispatch import suggestions
from server.extensions import db
from server.followups import service as followups
from server.settings import service as settings
from server.technicians.service import create_technician
from server.workorders import service as orders
from tests import factories

SHANGHAI, LONDON = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/London")
# Thursday 24 Dec 2026, 16:00 London = Friday 25 Dec 00:00 Shanghai.
RECEIVED = datetime(2026, 12, 24, 16, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def regions(admin):
    """London: Mon–Fri 09:00–17:00, Christmas and Monday 28 Dec (bank holiday) off.
    Shanghai: Mon–Fri 08:00–18:00, only New Year's Day off."""
    settings.save_region_calendar(admin, {
        "region": "London", "timezone": "Europe/London", "work_days": ["1", "2", "3", "4", "5"],
        "opens": "09:00", "closes": "17:00", "holidays": "2026-12-25\n2026-12-28"})
    settings.save_region_calendar(admin, {
        "region": "上海", "timezone": "Asia/Shanghai", "work_days": ["1", "2", "3", "4", "5"],
        "opens": "08:00", "closes": "18:00", "holidays": "2027-01-01"})


def _london_customer():
    customer = factories.make_customer(name="Alice Smith", language="en", city="London")
    address = customer.addresses[0]
    address.line1, address.district, address.country = "10 Downing St", "Westminster", "GB"
    address.latitude, address.longitude = 51.5034, -0.1276
    db.session.flush()
    return customer


def _orders(admin, now=RECEIVED):
    made = []
    for customer in (_london_customer(), factories.make_customer()):
        asset = factories.make_asset(customer)
        made.append(orders.create_order(admin, {
            "channel": "phone", "type": "repair", "priority": "normal",
            "customer_id": customer.id, "asset_id": asset.id, "description": "Not cooling"},
            now=now))
    return made


def test_complaint_deadlines_follow_the_order_s_region(admin, regions):
    in_london, in_shanghai = _orders(admin)
    london = complaints.record(admin, description="Nobody came", channel="phone",
                               grade="green", work_order_id=in_london.id, now=RECEIVED)
    shanghai = complaints.record(admin, description="没人来", channel="phone",
                                 grade="green", work_order_id=in_shanghai.id, now=RECEIVED)
    # London: 1 h left on Thursday; Christmas, the weekend and the 28th off; 7 h on Tue 29.
    assert london.respond_by == datetime(2026, 12, 29, 16, tzinfo=LONDON)
    # Verify within 3 working days: Thu 1 h, Tue 29 and Wed 30 whole, 7 h on Thu 31.
    assert london.verify_by == datetime(2026, 12, 31, 16, tzinfo=LONDON)
    # Shanghai: Friday 25 Dec is a working day there, from its 08:00 opening.
    assert shanghai.respond_by == datetime(2026, 12, 25, 18, tzinfo=SHANGHAI)
    # Fri 25, Mon 28, Tue 29 (New Year's Day is later).
    assert shanghai.verify_by == datetime(2026, 12, 29, 18, tzinfo=SHANGHAI)


def test_a_complaint_without_an_order_counts_on_the_company_calendar(admin, regions):
    customer = _london_customer()
    complaint = complaints.record(admin, description="Rude on the phone", channel="phone",
                                  grade="green", customer_id=customer.id, now=RECEIVED)
    due = complaints.deadlines(RECEIVED, "green", orders.calendar())
    assert complaint.respond_by == due.respond_by


def test_follow_up_calls_are_due_on_the_order_s_region_calendar(admin, regions):
    in_london, in_shanghai = _orders(admin)
    # What the signature hook does for orders signed at that moment.
    followups.rows_for_signed(db.session, [in_london.id, in_shanghai.id], RECEIVED)
    db.session.expire_all()
    london = followups.for_order(in_london.id)
    shanghai = followups.for_order(in_shanghai.id)
    # Two working days: London Thu 1 h, Tue 29 8 h, Wed 30 7 h → Wed 30 16:00.
    assert london.due_at == datetime(2026, 12, 30, 16, tzinfo=LONDON)
    # Shanghai: Fri 25 and Mon 28, both whole days.
    assert shanghai.due_at == datetime(2026, 12, 28, 18, tzinfo=SHANGHAI)


def test_without_region_calendars_follow_ups_use_the_company_calendar(admin):
    in_london, _in_shanghai = _orders(admin)
    followups.rows_for_signed(db.session, [in_london.id], RECEIVED)
    db.session.expire_all()
    cal = orders.calendar()
    assert followups.for_order(in_london.id).due_at == cal.add_working_time(
        RECEIVED, cal.day_length * 2)


def _technicians():
    london = create_technician(factories.make_user("technician", name="Tom Jones"),
                               ["air_conditioner", "repair"], "London", "Battersea depot",
                               51.4700, -0.1500)
    shanghai = create_technician(factories.make_user("technician", name="李师傅"),
                                 ["air_conditioner", "repair"], "Shanghai", "Xuhui depot",
                                 31.19, 121.44)
    return london, shanghai


@pytest.fixture
def english(app):
    with app.test_request_context("/?lang=en"):
        yield


def test_suggested_slots_follow_the_order_s_region_calendar(admin, regions, english):
    london_tech, shanghai_tech = _technicians()
    now = datetime(2026, 12, 27, 12, tzinfo=UTC)
    in_london, in_shanghai = _orders(admin, now)
    company = orders.calendar()
    # Monday 28 December: a bank holiday in London, a working day in Shanghai.
    holiday = date(2026, 12, 28)
    assert not any(s.slot_start for s in suggestions.suggest(in_london, holiday, now, company))
    assert dispatch.next_free_slot(in_london, london_tech.id, holiday, now) is None
    ranked = suggestions.suggest(in_shanghai, holiday, now, company)
    assert ranked[0].candidate.technician_id == shanghai_tech.id
    assert ranked[0].slot_start.astimezone(SHANGHAI).hour >= 8
    assert ranked[0].slot_start.astimezone(SHANGHAI).date() == holiday
    # Tuesday 29: London opens at 09:00 London time (the company's calendar says 08:00).
    tuesday = date(2026, 12, 29)
    ranked = suggestions.suggest(in_london, tuesday, now, company)
    assert ranked[0].candidate.technician_id == london_tech.id
    start = ranked[0].slot_start.astimezone(LONDON)
    assert start.date() == tuesday and 9 <= start.hour < 17
    start, end = dispatch.next_free_slot(in_london, london_tech.id, tuesday, now)
    assert start.astimezone(LONDON).hour >= 9 and end.astimezone(LONDON).hour <= 17


def test_without_a_region_calendar_a_london_job_keeps_company_hours_in_london_time(admin,
                                                                                   english):
    london_tech, _shanghai_tech = _technicians()
    now = datetime(2026, 12, 27, 12, tzinfo=UTC)
    in_london, _in_shanghai = _orders(admin, now)
    # Monday 28 is a working day on the company's calendar, in London's zone from 08:00.
    ranked = suggestions.suggest(in_london, date(2026, 12, 28), now, orders.calendar())
    assert ranked[0].candidate.technician_id == london_tech.id
    start = ranked[0].slot_start.astimezone(LONDON)
    assert start.date() == date(2026, 12, 28) and start.hour >= 8


def test_a_preferred_morning_is_the_customer_s_morning(admin, regions):
    """A London customer asking for a morning visit means 08:00–12:00 in London, not in the
    company's Shanghai zone (00:00–04:00 London)."""
    from server.intake.service import preferred_window

    day = date(2026, 12, 29)
    start, end = preferred_window(day, "morning", "London")
    assert (start.astimezone(LONDON).hour, end.astimezone(LONDON).hour) == (8, 12)
    start, _ = preferred_window(day, "morning", "上海")
    assert start.astimezone(SHANGHAI).hour == 8
    start, end = preferred_window(day, "any", "London")  # the region's working hours
    assert (start.astimezone(LONDON).hour, end.astimezone(LONDON).hour) == (9, 17)
    start, _ = preferred_window(day, "morning", None)  # no city: the company's zone
    assert start.astimezone(SHANGHAI).hour == 8
