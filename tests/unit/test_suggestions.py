"""Assignment suggestions: each part of the score, the slot it finds, and the one line that
explains it. ``rank`` is pure, so these tests build jobs and technicians by hand.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from server.dispatch import suggestions as s
from server.dispatch.suggestions import Booking, Candidate, Job, Place

DAY = datetime(2030, 6, 3, 0, 0, tzinfo=UTC)  # a Monday; 08:00 Shanghai is 00:00 UTC
HOME = Place(31.19, 121.44)                  # Xuhui
CUSTOMER = Place(31.20, 121.45)              # about 1.5 km away
FAR = Place(31.30, 121.75)                   # Pudong, ~32 km away
WORKDAY = 600.0


@pytest.fixture(autouse=True)
def _english(app):
    with app.test_request_context("/?lang=en"):
        yield


def tech(name="Li", skills=("water_heater", "repair"), home=HOME, bookings=()):
    return Candidate(uuid.uuid4(), name, "Shanghai", frozenset(skills), home, list(bookings))


def job(category="water_heater", type="repair", place=CUSTOMER, deadline=None, means="finish",
        earliest=DAY, preferred=None, minutes=90):
    return Job(category, type, place, timedelta(minutes=minutes), deadline, means, earliest,
               DAY + timedelta(hours=10), preferred)


def booked(hour, minutes=90, place=HOME, number="WO-2030-000001"):
    start = DAY + timedelta(hours=hour)
    return Booking(start, start + timedelta(minutes=minutes), place, number)


def test_haversine_knows_shanghai_distances():
    assert s.haversine_km(HOME, CUSTOMER) == pytest.approx(1.45, abs=0.02)
    assert s.haversine_km(HOME, FAR) == pytest.approx(31.9, abs=0.5)


def test_a_perfect_match_scores_full_marks_and_says_why():
    [best] = s.rank(job(), [tech()], WORKDAY)
    assert best.score == 99  # 1.5 km costs a point of distance
    assert best.parts["skills"] == 40 and best.parts["workload"] == 15
    assert best.parts["sla"] == 20
    assert best.explanation == (
        "Water heater ✓ repair ✓ · 1.5 km from home base · no other jobs that day · "
        "free at 08:15")


def test_skills_count_the_category_more_than_the_job_type():
    only_category = s.score(job(), tech(skills=("water_heater",)), WORKDAY)
    only_type = s.score(job(), tech(skills=("repair",)), WORKDAY)
    assert only_category.parts["skills"] == 25 and only_type.parts["skills"] == 15
    [a, b] = s.rank(job(), [tech("A", ("repair",)), tech("B", ("water_heater",))], WORKDAY)
    assert a.candidate.name == "B"
    assert "Water heater ✓, no repair skill" in a.explanation
    assert "no water heater skill" in b.explanation


def test_distance_is_from_the_previous_job_that_day_when_there_is_one():
    # Home is far away, but the morning job is next door to the customer.
    busy = tech(home=FAR, bookings=[booked(0, place=CUSTOMER, number="WO-2030-000007")])
    suggestion = s.score(job(), busy, WORKDAY)
    assert suggestion.from_number == "WO-2030-000007"
    assert suggestion.km == pytest.approx(0.0, abs=0.01)
    assert suggestion.slot_start == DAY + timedelta(hours=1, minutes=30)
    [explained] = s.rank(job(), [busy], WORKDAY)
    assert "0.0 km from job WO-2030-000007" in explained.explanation


def test_far_away_technicians_score_nothing_for_distance():
    assert s.score(job(), tech(home=FAR), WORKDAY).parts["distance"] == 0


def test_unknown_places_get_a_modest_neutral_distance_score():
    suggestion = s.score(job(place=None), tech(), WORKDAY)
    assert suggestion.km is None and suggestion.parts["distance"] == 10
    assert "distance unknown" in s.rank(job(place=None), [tech()], WORKDAY)[0].explanation


def test_an_approximate_place_is_marked_as_such():
    rough = Place(31.20, 121.45, approximate=True)
    assert "≈1.5 km from home base" in s.rank(job(place=rough), [tech()], WORKDAY)[0].explanation


def test_workload_is_the_share_of_the_day_still_free():
    half = tech(bookings=[booked(h, minutes=100) for h in (0, 2, 4)])
    suggestion = s.score(job(), half, WORKDAY)
    assert suggestion.parts["workload"] == pytest.approx(15 * 0.5)
    assert suggestion.jobs_that_day == 3
    assert "3 jobs that day" in s.rank(job(), [half], WORKDAY)[0].explanation


def test_the_slot_fits_between_bookings_with_travel_time():
    # Booked 08:00–09:30 at home and 11:00–12:30; 1.5 km takes ~4 min, rounded to 09:45.
    gap = tech(bookings=[booked(0), booked(3)])
    start, _, number, _ = s.first_slot(job(minutes=60), gap)
    assert start == DAY + timedelta(hours=1, minutes=45)
    # A job too long for the gap goes after the second booking.
    start, _, _, _ = s.first_slot(job(minutes=90), gap)
    assert start == DAY + timedelta(hours=4, minutes=45)


def test_a_full_day_has_no_slot_and_no_sla_score():
    full = tech(bookings=[booked(0, minutes=600)])
    suggestion = s.score(job(), full, WORKDAY)
    assert suggestion.slot_start is None and suggestion.parts["sla"] == 0
    assert "no free slot that day" in s.rank(job(), [full], WORKDAY)[0].explanation


def test_sla_risk_rewards_time_to_spare_and_punishes_a_miss():
    deadline = DAY + timedelta(hours=2)
    early = s.score(job(deadline=deadline, means="arrive"), tech(), WORKDAY)
    assert early.margin == timedelta(hours=1, minutes=45) and early.parts["sla"] == 20
    tight = s.score(job(deadline=DAY + timedelta(minutes=45), means="arrive"), tech(), WORKDAY)
    assert tight.parts["sla"] == pytest.approx(20 * 0.5)
    late = s.score(job(deadline=DAY + timedelta(hours=1), means="finish"),
                   tech(bookings=[booked(0, minutes=120)]), WORKDAY)
    assert late.margin < timedelta(0) and late.parts["sla"] == 0
    [explained] = s.rank(job(deadline=DAY + timedelta(hours=1), means="finish"),
                         [tech(bookings=[booked(0, minutes=120)])], WORKDAY)
    assert "misses the deadline by 2 h 45 min" in explained.explanation


def test_a_slot_outside_the_customer_s_window_costs_five_points():
    afternoon = (DAY + timedelta(hours=6), DAY + timedelta(hours=10))
    inside = s.score(job(preferred=afternoon, earliest=afternoon[0]), tech(), WORKDAY)
    outside = s.score(job(preferred=(DAY, DAY + timedelta(minutes=60))), tech(), WORKDAY)
    assert inside.parts["window"] == 0 and outside.parts["window"] == -5
    assert "outside the customer's window" in s.rank(
        job(preferred=(DAY, DAY + timedelta(minutes=60))), [tech()], WORKDAY)[0].explanation


def test_ranking_orders_by_score_then_earliest_slot_then_name():
    ranked = s.rank(job(), [
        tech("Zhang", skills=("refrigerator",)),
        tech("Wang", bookings=[booked(0)]),
        tech("Li"),
        tech("Chen"),
    ], WORKDAY)
    assert [r.candidate.name for r in ranked] == ["Chen", "Li", "Wang", "Zhang"]
    assert ranked[0].score >= ranked[2].score > ranked[3].score


def test_only_the_suggestions_shown_are_explained():
    ranked = s.rank(job(), [tech(str(n)) for n in range(20)], WORKDAY, limit=5)
    assert len(ranked) == 5 and all(r.explanation for r in ranked)


def test_explanations_speak_chinese(app):
    with app.test_request_context("/?lang=zh"):
        [best] = s.rank(job(deadline=DAY + timedelta(hours=4), means="arrive"),
                        [tech(bookings=[booked(3)])], WORKDAY)
    assert "热水器 ✓ 维修 ✓" in best.explanation
    assert "公里" in best.explanation and "当天 1 个工单" in best.explanation


def test_durations_read_at_a_glance():
    assert s.span(timedelta(minutes=40)) == "40 min"
    assert s.span(timedelta(hours=2)) == "2 h"
    assert s.span(-timedelta(hours=1, minutes=5)) == "1 h 05 min"


def test_day_bounds_are_midnight_to_midnight_in_the_company_time_zone():
    from server.workorders.sla import WorkingCalendar

    start, end = s.day_bounds(date(2030, 6, 3), WorkingCalendar())
    assert start == datetime(2030, 6, 2, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1)


def test_a_technician_without_the_product_skill_keeps_half_the_score():
    skilled = s.score(job(), tech(skills=("water_heater", "repair")), WORKDAY)
    unskilled = s.score(job(), tech(skills=("refrigerator", "repair")), WORKDAY)
    assert unskilled.score == round((skilled.score - 25) * 0.5)


def test_technicians_in_another_city_are_not_suggested():
    london = Place(51.5, -0.12)
    ranked = s.rank(job(), [tech("Li"), tech("Wilson", home=london)], WORKDAY)
    assert [r.candidate.name for r in ranked] == ["Li"]


def test_nobody_is_booked_on_a_day_off_except_for_an_emergency(app, make_order):
    from server.workorders.sla import WorkingCalendar

    saturday = date(2030, 6, 8)
    calendar = WorkingCalendar()
    normal = make_order(priority="normal")
    emergency = make_order(priority="emergency")
    friday_night = datetime(2030, 6, 7, 12, 0, tzinfo=UTC)
    assert s.first_slot(s.job_for(normal, saturday, friday_night, calendar), tech())[0] is None
    start = s.first_slot(s.job_for(emergency, saturday, friday_night, calendar), tech())[0]
    assert start is not None and start.astimezone(s.ZoneInfo("Asia/Shanghai")).hour == 7


# --- the customer's window and the job's city ---------------------------------------------

def test_a_slot_inside_the_customer_s_window_is_offered_before_an_earlier_one():
    # 12:00–18:00 Shanghai asked for; the technician is free from 08:15.
    afternoon = (DAY + timedelta(hours=4), DAY + timedelta(hours=10))
    [best] = s.rank(job(preferred=afternoon), [tech()], WORKDAY)
    # Travelling from home takes a few minutes: on the next quarter hour after 12:00.
    assert best.slot_start == afternoon[0] + timedelta(minutes=15)
    assert not best.outside_window
    assert "outside the customer's window" not in best.explanation


def test_when_the_window_is_full_the_first_free_slot_is_offered_and_flagged():
    window = (DAY + timedelta(hours=2), DAY + timedelta(hours=4))
    full = tech(bookings=[booked(1.5, minutes=180)])
    [best] = s.rank(job(preferred=window), [full], WORKDAY)
    assert best.slot_start is not None and best.outside_window
    assert "outside the customer's window" in best.explanation


LONDON_HOME = Place(51.55, -0.14)
SHANGHAI_JOB_ELSEWHERE = Place(31.21, 121.46)


def test_a_technician_from_another_city_is_not_suggested_unless_asked():
    london = Candidate(uuid.uuid4(), "James", "Camden", frozenset({"water_heater", "repair"}),
                       LONDON_HOME, [], city="london")
    shanghai = Candidate(uuid.uuid4(), "Li", "徐汇区", frozenset({"repair"}), HOME, [],
                         city="shanghai")
    shanghai_job = s.Job("water_heater", "repair", None, timedelta(minutes=90), None,
                         "finish", DAY, DAY + timedelta(hours=10), None, city="shanghai")
    # The job has no point yet: distance unknown for both, but the city still decides.
    assert [x.candidate.name for x in s.rank(shanghai_job, [london, shanghai], WORKDAY)] == \
        ["Li"]
    asked = s.rank(shanghai_job, [london, shanghai], WORKDAY, other_cities=True)
    assert {x.candidate.name for x in asked} == {"James", "Li"}


def test_a_job_in_another_city_is_never_where_a_technician_sets_off_from():
    # A booking in Shanghai earlier that day does not make a London job "next door".
    shanghai_booking = booked(0, place=SHANGHAI_JOB_ELSEWHERE, number="WO-2030-000061")
    london_job = job(place=Place(51.54, -0.10))
    london_tech = tech(home=LONDON_HOME, bookings=[shanghai_booking])
    [best] = s.rank(london_job, [london_tech], WORKDAY)
    assert best.from_number is None and best.km == pytest.approx(3.0, abs=1.0)
    assert "WO-2030-000061" not in best.explanation
