"""Every KPI of a small week, computed by hand (docs/kpis.md gives the definitions).

The period is Monday 2 – Sunday 8 March 2026 in Asia/Shanghai, working days Monday–Friday
08:00–18:00. Times below are local. Runs on SQLite and, with DATABASE_URL, PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.extensions import db
from server.feedback.models import Complaint, Survey
from server.followups.models import FollowUp
from server.kpis import service
from server.kpis.service import Filters, Period
from server.workorders import service as orders
from server.workorders.models import PartUsage, TimeLog

SH = ZoneInfo("Asia/Shanghai")
WEEK = Period(date(2026, 3, 2), date(2026, 3, 8))
H = 3600


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local instant in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SH)


@pytest.fixture
def week(make_user, make_technician, make_customer, make_asset, make_part):
    office = make_user("dispatcher")
    t1 = make_technician(name="Li Lei", region="Shanghai")
    t2 = make_technician(name="Han Meimei", region="Suzhou")
    customer = make_customer()
    asset = make_asset(customer)
    part = make_part(price_cents=2500)

    def order(created, priority="normal", type="repair", channel="phone", tech=None,
              steps=(), cost=(0, 0, 0), warranty=False, customer_=None, asset_=None, **extra):
        c = customer_ or customer
        a = asset_ or asset
        o = orders.create_order(office, {"channel": channel, "type": type, "priority": priority,
                                         "customer_id": c.id, "asset_id": a.id,
                                         "description": "Not cooling", **extra}, now=created)
        o.parts_cents, o.labour_cents, o.travel_cents = cost
        o.in_warranty = warranty
        for target, when in steps:
            if target == "scheduled":
                o.assignee_id, o.appointment_start = tech.id, when + timedelta(hours=1)
                o.appointment_end = when + timedelta(hours=3)
            if target == "completed":
                o.resolution = "Replaced capacitor"
            actor = office if target in {"scheduled", "cancelled", "reopened"} else tech.user
            orders.transition(actor, o, target, reason="step", now=when)
        db.session.flush()
        return o

    def visit(sched, on, done, *, go=None):
        return [("scheduled", sched), ("en_route", go or on - timedelta(hours=1)),
                ("on_site", on), ("completed", done)]

    a = order(at(2, 9), tech=t1, steps=visit(at(2, 10), at(2, 14), at(2, 15)),
              cost=(1000, 8000, 3000))
    b = order(at(6, 17), tech=t1, warranty=True, cost=(0, 0, 0), steps=[
        ("scheduled", at(6, 17, 30)), ("en_route", at(9, 9)), ("on_site", at(9, 10)),
        ("awaiting_parts", at(9, 11)), ("en_route", at(10, 13)), ("on_site", at(10, 14)),
        ("completed", at(10, 16))])
    c = order(at(7, 10), priority="emergency", tech=t2, cost=(2000, 8000, 3000), steps=[
        *visit(at(7, 10, 10), at(7, 11, 30), at(7, 12, 30), go=at(7, 10, 20)),
        ("reopened", at(8, 9)), *visit(at(8, 9, 10), at(9, 9), at(9, 10))])
    d = order(at(4, 11), steps=[("cancelled", at(4, 12))])
    f = order(at(8, 23, 30))
    h = order(at(5, 9), tech=t1, repeat_of_id=a.id, steps=visit(at(5, 9, 20), at(5, 13),
                                                                 at(5, 14)))
    suzhou = make_customer(city="苏州市")
    i = order(at(3, 10), priority="high", type="maintenance", channel="web", tech=t2,
              customer_=suzhou, asset_=make_asset(suzhou, category="water_heater"),
              cost=(0, 6000, 3000), steps=visit(at(3, 15), at(6, 10), at(6, 11)))
    # Outside the week: requested Sunday 1 March 23:00 (the previous week) and Monday 9 March
    # 07:00 (still Sunday in UTC).
    e = order(at(1, 23), priority="high", tech=t1, steps=visit(at(2, 8), at(2, 9), at(2, 10)))
    g = order(at(9, 7))

    db.session.add_all([
        Complaint(customer_id=customer.id, work_order_id=b.id, channel="phone",
                  description="Still noisy", created_at=at(7, 10), respond_by=at(9, 18),
                  answered_at=at(9, 9), verify_by=at(11, 18), verified_at=at(12, 9),
                  category="repair_quality"),
        Complaint(customer_id=customer.id, work_order_id=a.id, channel="phone",
                  description="Late", created_at=at(3, 10), respond_by=at(4, 10),
                  answered_at=at(4, 11), verify_by=at(6, 10), verified_at=at(5, 9),
                  category="timeliness"),
        Survey(work_order_id=a.id, rating=5, channel="link", submitted_at=at(2, 16)),
        Survey(work_order_id=b.id, rating=3, channel="link", submitted_at=at(10, 17)),
        Survey(work_order_id=i.id, rating=4, channel="device", submitted_at=at(6, 11, 30)),
        # B, in warranty: two capacitors used, one returned; nothing charged.
        PartUsage(work_order_id=b.id, part_id=part.id, quantity=2, unit_price_cents=2500,
                  technician_id=t1.id),
        PartUsage(work_order_id=b.id, part_id=part.id, quantity=-1, unit_price_cents=2500,
                  technician_id=t1.id),
        TimeLog(work_order_id=a.id, technician_id=t1.id, kind="travel",
                started_at=at(2, 13), ended_at=at(2, 14)),
        TimeLog(work_order_id=a.id, technician_id=t1.id, kind="work",
                started_at=at(2, 14), ended_at=at(2, 15)),
        TimeLog(work_order_id=i.id, technician_id=t2.id, kind="travel",
                started_at=at(6, 9), ended_at=at(6, 10)),
        TimeLog(work_order_id=i.id, technician_id=t2.id, kind="work",
                started_at=at(6, 10), ended_at=at(6, 11)),
    ])
    db.session.flush()
    # The surveys touched the follow-up queue (followups.hooks); set it as this week had it.
    for row in db.session.scalars(select(FollowUp)):
        db.session.delete(row)
    db.session.flush()
    db.session.add_all([
        FollowUp(work_order_id=a.id, customer_id=customer.id, status="done",
                 due_at=at(3, 10), done_at=at(3, 11), timeliness=5, attitude=4, quality=3),
        FollowUp(work_order_id=b.id, customer_id=customer.id, status="pending",
                 due_at=at(7, 10))])
    db.session.flush()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "h": h, "i": i,
            "t1": t1, "t2": t2}


def test_every_number_of_the_week_matches_the_hand_computation(week):
    k = service.summary(WEEK, Filters())

    assert k["orders"] == {"requested": 7, "cancelled": 1, "completed": 5, "reopened": 1}
    # Response (request → first booking): 600 (C), 1200 (H), 1800 (B), 3600 (A), 18000 (I).
    assert (k["response"]["count"], k["response"]["median_s"], k["response"]["p90_s"]) == \
        (5, 1800, 18000)
    assert k["response"]["tiers"]["normal"] == {"count": 3, "median_s": 1800, "p90_s": 3600}
    assert k["response"]["tiers"]["emergency"] == {"count": 1, "median_s": 600, "p90_s": 600}
    assert k["response"]["tiers"]["low"] == {"count": 0, "median_s": None, "p90_s": None}
    # Arrival (request → first on site): B waited the weekend; I waited until Friday.
    assert (k["arrival"]["median_s"], k["arrival"]["p90_s"]) == (5 * H, 72 * H)
    assert k["arrival"]["tiers"]["normal"] == {"count": 3, "median_s": 5 * H, "p90_s": 65 * H}
    assert k["arrival"]["tiers"]["high"]["median_s"] == 72 * H
    # Resolution (request → last completion): C was reopened and completed again on Monday.
    assert (k["resolution"]["median_s"], k["resolution"]["p90_s"]) == (48 * H, 95 * H)
    assert k["resolution"]["tiers"]["emergency"]["median_s"] == 48 * H
    # B took 95 wall-clock hours yet is within 3 working days (due Wednesday 17:00);
    # I was due Friday 10:00 and completed at 11:00.
    assert (k["resolution"]["within_3wd"], k["resolution"]["within_3wd_rate"]) == (4, 0.8)
    # SLA: F was never booked and its deadline passed; I was booked after its 4 h.
    assert k["sla"]["normal"] == {"met": 3, "count": 4, "rate": 0.75}
    assert k["sla"]["emergency"] == {"met": 1, "count": 1, "rate": 1.0}
    assert k["sla"]["high"] == {"met": 0, "count": 1, "rate": 0.0}
    assert k["sla"]["low"]["count"] == 0
    # First-time fix: H and I. A had a repeat (H), B two visits, C was reopened.
    assert k["first_time_fix"] == {"count": 2, "completed": 5, "rate": 0.4}
    assert k["repeat_repair"] == {"count": 2, "completed": 5, "rate": 0.4}
    # Charged: A 10 + 80 + 30, C 20 + 80 + 30, I 0 + 60 + 30; B's parts were in warranty.
    assert k["cost"] == {"completed": 5, "parts_cents": 3000, "labour_cents": 22000,
                         "travel_cents": 9000, "total_cents": 34000, "per_order_cents": 6800,
                         "parts_per_order_cents": 600, "labour_per_order_cents": 4400,
                         "travel_per_order_cents": 1800, "warranty_parts_cents": 2500,
                         "warranty_credited_cents": 0}
    assert k["complaints"] == {
        "count": 2, "orders": 7, "per_1000_orders": 285.71,
        "answered_24h": 1, "answered_24h_rate": 0.5, "verified_3wd": 1, "verified_3wd_rate": 0.5,
        "categories": [{"category": "repair_quality", "count": 1, "answered_24h": 1,
                        "verified_3wd": 0},
                       {"category": "timeliness", "count": 1, "answered_24h": 0,
                        "verified_3wd": 1}]}
    # B's survey came on Tuesday 10 March: outside the week.
    assert k["satisfaction"]["count"] == 2
    assert (k["satisfaction"]["average"], k["satisfaction"]["good_rate"]) == (4.5, 1.0)
    assert k["satisfaction"]["dimensions"]["quality"] == {"count": 1, "average": 3.0}
    assert k["followups"] == {"due": 2, "done": 1, "rate": 0.5}
    assert k["utilisation"] == {"on_site_s": 2 * H, "travel_s": 2 * H, "technicians": 2,
                                "capacity_s": 5 * 10 * H * 2, "rate": 0.04}


def test_the_previous_week_holds_the_order_requested_sunday_night(week):
    k = service.dashboard(WEEK, Filters())
    assert k["previous"]["from"] == "2026-02-23"
    assert k["previous"]["orders"]["requested"] == 1
    assert k["previous"]["resolution"]["median_s"] == 11 * H


@pytest.mark.parametrize("filters, requested, ftf", [
    (Filters(type="maintenance"), 1, 1),
    (Filters(channel="web"), 1, 1),
    (Filters(category="water_heater"), 1, 1),
    (Filters(city="苏州市"), 1, 1),
    (Filters(region="Suzhou"), 2, 1),
])
def test_each_filter_narrows_the_orders(week, filters, requested, ftf):
    k = service.summary(WEEK, filters)
    assert k["orders"]["requested"] == requested
    assert k["first_time_fix"]["count"] == ftf


def test_a_technician_filter_narrows_orders_complaints_and_utilisation(week):
    k = service.summary(WEEK, Filters(technician_id=week["t2"].id))
    assert k["orders"] == {"requested": 2, "cancelled": 0, "completed": 2, "reopened": 1}
    assert k["first_time_fix"]["rate"] == 0.5
    assert k["complaints"]["count"] == 0
    assert k["utilisation"]["rate"] == round(2 * H / (5 * 10 * H), 4)


def test_grouping_by_technician_gives_each_their_own_numbers(week):
    groups = {g["label"]: g for g in service.dashboard(WEEK, Filters(), "technician")["groups"]}
    assert set(groups) == {"Li Lei", "Han Meimei"}
    assert groups["Li Lei"]["orders"]["requested"] == 3
    assert groups["Han Meimei"]["orders"]["requested"] == 2
    weeks = service.dashboard(WEEK, Filters(), "week")["groups"]
    assert [w["key"] for w in weeks] == ["2026-03-02"]


@pytest.mark.parametrize("key, expected", [
    ("requested", "abcdfhi"), ("cancelled", "d"), ("completed", "abchi"),
    ("within_3wd", "abch"), ("late_3wd", "i"), ("first_time_fix", "hi"), ("repeat", "ac"),
    ("sla_missed", "fi"), ("complaints", "ab"), ("rated", "ai"), ("open", "f"),
])
def test_every_number_drills_down_to_the_orders_behind_it(week, key, expected):
    got = service.orders_behind(WEEK, Filters(), key)
    names = {o.id: n for n, o in week.items() if n in "abcdefghi"}
    assert "".join(sorted(names[o.id] for o in got)) == expected
