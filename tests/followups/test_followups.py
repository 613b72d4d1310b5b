"""Follow-up calls: one per signed visit, who is called, the queue, outcomes, the return
visit, the proposed complaint and the order that closes when the loop does."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.database import utcnow
from server.errors import Conflict, Invalid
from server.extensions import db
from server.feedback.models import Survey
from server.followups import service
from server.followups.models import FollowUp


@pytest.fixture
def signed(make_order, make_technician):
    return make_order(status="signed", assignee=make_technician(name="Li Wei"))


def followup_of(order) -> FollowUp:
    return db.session.scalar(select(FollowUp).where(FollowUp.work_order_id == order.id))


def test_a_signed_visit_owes_a_follow_up_two_working_days_later(signed):
    f = followup_of(signed)
    assert f is not None and f.status == "pending" and f.reason == "signed"
    assert f.due_at == service.due_after(f.created_at)


@pytest.mark.parametrize(("signed_at", "due"), [
    # Signed during Monday's hours: due at the same hour on Wednesday.
    ("2026-11-30 10:00", "2026-12-02 10:00"),
    # Signed on Monday evening, after 18:00: the working time starts on Tuesday, so the
    # two working days end on Wednesday at closing time — less than 48 hours later.
    ("2026-11-30 19:00", "2026-12-02 18:00"),
    # Signed on Friday afternoon: the weekend does not count.
    ("2026-12-04 17:00", "2026-12-08 17:00"),
])
def test_two_working_days_are_counted_on_the_company_calendar(app, signed_at, due):
    zone = ZoneInfo("Asia/Shanghai")
    moment = datetime.strptime(signed_at, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    assert service.due_after(moment).astimezone(zone) == \
        datetime.strptime(due, "%Y-%m-%d %H:%M").replace(tzinfo=zone)


def test_an_order_not_yet_signed_owes_none(make_order):
    assert followup_of(make_order(status="completed")) is None


def test_a_good_survey_answer_settles_it_and_the_sweep_closes_the_order(signed):
    db.session.add(Survey(work_order_id=signed.id, rating=5, comment="很好", channel="device"))
    db.session.flush()
    f = followup_of(signed)
    db.session.refresh(f)
    assert f.status == "done" and f.answered_by == "survey"
    assert service.close_answered() == 1
    assert signed.status == "closed"
    assert service.queue() == []


@pytest.mark.parametrize("rating,comment,reason", [(3, None, "low_rating"),
                                                   (5, "修完没几天又坏了", "negative_comment")])
def test_a_poor_or_negative_answer_is_called_first(signed, make_order, rating, comment, reason):
    other = make_order(status="signed")
    db.session.add(Survey(work_order_id=signed.id, rating=rating, comment=comment,
                          channel="link"))
    db.session.flush()
    f = followup_of(signed)
    db.session.refresh(f)
    assert f.status == "pending" and f.urgent and f.reason == reason
    assert [q.work_order_id for q in service.queue()] == [signed.id, other.id]


def test_the_queue_is_oldest_due_first(make_order):
    first = make_order(status="signed")
    second = make_order(status="signed")
    followup_of(second).due_at = followup_of(first).due_at - timedelta(hours=1)
    db.session.flush()
    assert [q.work_order_id for q in service.queue()] == [second.id, first.id]


def test_reaching_the_customer_closes_the_follow_up_and_the_order(signed, dispatcher):
    f = followup_of(signed)
    service.record_outcome(dispatcher, f, "reached", timeliness=5, attitude=5, quality=4,
                           solved=True, comment="满意")
    assert f.status == "done" and signed.status == "closed"
    assert not service.proposes_complaint(f)
    with pytest.raises(Conflict):
        service.record_outcome(dispatcher, f, "no_answer")


def test_no_answer_is_tried_again_later(signed, dispatcher, app):
    f = followup_of(signed)
    now = utcnow()
    service.record_outcome(dispatcher, f, "no_answer", now=now)
    assert f.status == "pending" and f.attempts == 1
    assert f.due_at == now + timedelta(hours=app.config["FOLLOWUP_RETRY_HOURS"])
    assert signed.status == "signed"


def test_a_reached_call_needs_every_score_and_the_solved_answer(signed, dispatcher):
    f = followup_of(signed)
    with pytest.raises(Invalid) as refused:
        service.record_outcome(dispatcher, f, "reached", timeliness=9, attitude=5)
    assert set(refused.value.errors) == {"timeliness", "quality", "solved"}
    assert f.status == "pending" and signed.status == "signed"


def test_problem_not_solved_opens_a_linked_return_visit_once(signed, dispatcher):
    f = followup_of(signed)
    service.record_outcome(dispatcher, f, "reached", timeliness=4, attitude=4, quality=2,
                           solved=False, comment="还是不制冷")
    again = service.open_return_visit(dispatcher, f)
    assert again.repeat_of_id == signed.id and again.asset_id == signed.asset_id
    assert "还是不制冷" in again.description and f.return_order_id == again.id
    with pytest.raises(Conflict):
        service.open_return_visit(dispatcher, f)


def test_a_score_of_two_or_less_proposes_a_complaint_prefilled_from_the_visit(signed,
                                                                            dispatcher):
    f = followup_of(signed)
    service.record_outcome(dispatcher, f, "reached", timeliness=2, attitude=4, quality=4,
                           solved=True, comment="来得太晚")
    assert service.proposes_complaint(f)
    prefill = service.complaint_prefill(f)
    assert prefill["work_order_id"] == signed.id and prefill["description"] == "来得太晚"


# -- API and console ----------------------------------------------------------------------------

from tests.api.test_console import sign_in, text  # noqa: E402


def test_the_api_lists_due_follow_ups_and_records_an_outcome(api_as, dispatcher, signed):
    api = api_as(dispatcher)
    items = api.get("/api/v1/followups").json["items"]
    assert [i["work_order_id"] for i in items] == [str(signed.id)]
    fid = items[0]["id"]
    r = api.post(f"/api/v1/followups/{fid}/outcome", json={"outcome": "reached", "timeliness": 6})
    assert r.status_code == 422 and "timeliness" in str(r.json["errors"])
    r = api.post(f"/api/v1/followups/{fid}/outcome", json={
        "outcome": "reached", "timeliness": 1, "attitude": 3, "quality": 2, "solved": False})
    assert r.status_code == 200 and r.json["status"] == "done" and r.json["proposes_complaint"]
    r = api.post(f"/api/v1/followups/{fid}/return-visit")
    assert r.status_code == 201 and r.json["return_order_id"]
    assert signed.status == "closed"


def test_the_console_call_shows_the_script_in_the_customers_language_and_records_it(
        client, dispatcher, signed):
    assert sign_in(client, dispatcher).status_code == 302
    f = followup_of(signed)
    assert signed.number in text(client.get("/followups/"))
    page = text(client.get(f"/followups/{f.id}"))
    assert "师傅是否准时" in page  # the customer speaks Chinese; the dispatcher reads English
    client.post(f"/followups/{f.id}/outcome", data={
        "outcome": "reached", "timeliness": "5", "attitude": "5", "quality": "1",
        "solved": "no", "comment": "还是漏水"})
    page = text(client.get(f"/followups/{f.id}"))
    assert "Problem not solved" in page and "Open a return visit" in page
    assert "A score this low proposes a complaint." in page and "还是漏水" in page
    response = client.post(f"/followups/{f.id}/return-visit")
    assert response.status_code == 303
    db.session.refresh(f)
    assert f.return_order_id is not None


def test_the_order_page_shows_its_follow_up_and_the_return_visit(client, dispatcher, signed):
    f = followup_of(signed)
    service.record_outcome(dispatcher, f, "reached", timeliness=4, attitude=4, quality=3,
                           solved=False)
    again = service.open_return_visit(dispatcher, f)
    db.session.flush()
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get(f"/orders/{signed.id}"))
    assert "Follow-up call" in page and again.number in page and "reached" in page


def test_the_call_is_due_from_when_the_customer_signed_not_when_it_synced():
    """An offline signature synced three days late is still called about two working days
    after the visit; a phone clock before the request or in the future is bounded."""
    from datetime import UTC, datetime

    now = datetime(2026, 12, 3, 9, tzinfo=UTC)
    requested = datetime(2026, 11, 28, 2, tzinfo=UTC)
    offline = datetime(2026, 11, 30, 6, tzinfo=UTC)
    assert service.signed_when(offline, requested, now) == offline
    assert service.signed_when(None, requested, now) == now
    assert service.signed_when(datetime(2020, 1, 1, tzinfo=UTC), requested, now) == requested
    assert service.signed_when(now + timedelta(days=9), requested, now) == now
    assert service.due_after(offline) < service.due_after(now)


def test_a_late_synced_signature_gives_a_follow_up_due_from_the_signing(
        make_order, make_technician):
    import uuid as uuid_module

    from server.media.models import Signature

    order = make_order(status="completed", assignee=make_technician(name="Li Wei"))
    order.created_at = utcnow() - timedelta(days=5)
    signed_at = utcnow() - timedelta(days=3)
    db.session.add(Signature(id=uuid_module.uuid4(), work_order_id=order.id,
                             signer_name="王秀英", image_sha256="0" * 64,
                             content_hash="0" * 64, signed_at_device=signed_at))
    db.session.flush()
    service.rows_for_signed(db.session, [order.id], utcnow())
    f = followup_of(order)
    assert f.due_at == service.due_after(signed_at) < service.due_after(utcnow())


def test_a_follow_up_the_survey_answered_shows_the_customers_rating_on_its_page(
        client, dispatcher, signed):
    """Settled without a call, the follow-up's result is the survey answer (the page showed
    an empty "Result" card, so the office could not see why nobody called)."""
    db.session.add(Survey(work_order_id=signed.id, rating=5, comment="师傅很专业",
                          channel="link"))
    db.session.flush()
    f = followup_of(signed)
    db.session.refresh(f)
    assert f.answered_by == "survey"
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get(f"/followups/{f.id}"))
    assert "Customer rated the visit 5 of 5" in page and "师傅很专业" in page
