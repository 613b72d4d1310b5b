"""The weekly QC sample: its share, one visit at least per technician, one draw per week,
the same draw for the same seed, an empty week, and a visit added by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.database import utcnow
from server.errors import Conflict, Invalid
from server.extensions import db
from server.media.models import Signature
from server.qc import service
from server.qc.models import QcReview, QcSampleWeek


def _signed_in(make_order, technician, moment: datetime):
    """A visit of ``technician`` whose signature the server received at ``moment``."""
    order = make_order(status="signed", assignee=technician)
    signature = db.session.scalar(select(Signature).where(Signature.work_order_id == order.id))
    signature.received_at = moment
    db.session.flush()
    return order


@pytest.fixture(autouse=True)
def _in_a_request(app):
    """Refusals are worded in the reader's language, read from the request."""
    with app.test_request_context():
        yield


@pytest.fixture
def week(app):
    """Last week's Monday and an instant in the middle of that week."""
    monday = service.week_of(service.local_today()) - timedelta(days=7)
    start, _ = service.week_bounds(monday)
    return monday, start + timedelta(days=2, hours=10)


@pytest.fixture
def crew(make_technician, make_order, week):
    """Li Wei signed six visits last week, Zhang Min one, Wang Fang none (one this week)."""
    monday, moment = week
    li, zhang, wang = (make_technician(name=n) for n in ("Li Wei", "Zhang Min", "Wang Fang"))
    visits = {"li": [_signed_in(make_order, li, moment + timedelta(hours=i)) for i in range(6)],
              "zhang": [_signed_in(make_order, zhang, moment)],
              "wang_this_week": [_signed_in(make_order, wang, utcnow())]}
    return {"li": li, "zhang": zhang, "wang": wang, "visits": visits}


def _queued(monday: date) -> list[QcReview]:
    return list(db.session.scalars(select(QcReview).where(QcReview.week_start == monday)))


def test_the_sample_takes_the_share_and_every_technician_with_signed_visits(crew, week):
    monday, _ = week
    result = service.sample_week(monday, share=0.5, seed=7)
    assert (result.signed_visits, result.drawn, result.already_drawn) == (7, 4, False)
    by_tech: dict = {}
    for review in _queued(monday):
        by_tech.setdefault(review.technician_id, []).append(review.work_order_id)
        assert review.state == "to_review" and review.source == "sampled"
    # Half of Li Wei's six; Zhang Min's only visit although half of one rounds to nothing.
    assert len(by_tech[crew["li"].id]) == 3
    assert by_tech[crew["zhang"].id] == [crew["visits"]["zhang"][0].id]
    # Wang Fang signed nothing last week: this week's visit is not last week's sample.
    assert crew["wang"].id not in by_tech
    assert set(by_tech[crew["li"].id]) <= {o.id for o in crew["visits"]["li"]}


def test_a_week_is_drawn_once(crew, week):
    monday, _ = week
    first = service.sample_week(monday, share=0.5, seed=1)
    again = service.sample_week(monday, share=0.5, seed=2)
    assert first.drawn == 4 and again.already_drawn and again.drawn == 0
    assert len(_queued(monday)) == 4
    assert db.session.get(QcSampleWeek, monday).drawn == 4


def test_the_same_seed_draws_the_same_visits(crew, week):
    monday, _ = week
    savepoint = db.session.begin_nested()
    service.sample_week(monday, share=0.5, seed="week-48")
    first = sorted(str(r.work_order_id) for r in _queued(monday))
    savepoint.rollback()
    assert _queued(monday) == []
    service.sample_week(monday, share=0.5, seed="week-48")
    assert sorted(str(r.work_order_id) for r in _queued(monday)) == first


def test_an_empty_week_draws_nothing_and_is_still_done(app):
    monday = service.week_of(service.local_today()) - timedelta(days=70)
    result = service.sample_week(monday, share=0.1, seed=1)
    assert (result.signed_visits, result.drawn) == (0, 0)
    assert db.session.get(QcSampleWeek, monday) is not None
    assert service.sample_week(monday).already_drawn


def test_the_periodic_job_draws_last_week_with_the_configured_share_once(crew, week, app):
    from server.tasks import qc_sample_sweep

    monday, _ = week
    assert app.config["QC_SAMPLE_SHARE"] == 0.1
    # 10 % of six rounds to one; one of one: one each.
    assert qc_sample_sweep.call_local() == 2
    assert {r.technician_id for r in _queued(monday)} == {crew["li"].id, crew["zhang"].id}
    assert qc_sample_sweep.call_local() == 0 and len(_queued(monday)) == 2


def test_a_week_not_begun_or_a_share_out_of_range_is_refused(app):
    with pytest.raises(Invalid) as refused:
        service.sample_week(service.local_today() + timedelta(days=8))
    assert "week" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        service.sample_week(date(2026, 1, 5), share=0)
    assert "share" in refused.value.errors


def test_a_manager_adds_a_signed_visit_by_hand_once(crew, week, make_order, dispatcher):
    monday, _ = week
    order = crew["visits"]["li"][0]
    review = service.add_to_queue(dispatcher, order.id)
    assert (review.source, review.week_start, review.added_by_id) == ("hand_picked", monday,
                                                                      dispatcher.id)
    with pytest.raises(Conflict):
        service.add_to_queue(dispatcher, order.id)
    with pytest.raises(Invalid) as refused:
        service.add_to_queue(dispatcher, make_order(status="completed").id)
    assert "work_order_id" in refused.value.errors
    # The sample draws among the others: the hand-added visit is not drawn twice.
    service.sample_week(monday, share=1, seed=1)
    assert db.session.scalar(select(func.count()).select_from(QcReview)
                             .where(QcReview.work_order_id == order.id)) == 1
    assert len(_queued(monday)) == 7
