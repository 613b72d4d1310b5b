"""Reviewing a sampled visit: the checklist score, the corrective action a failed item
opens (and a passed one does not), completing actions, supervisor evaluations, the
technician's quality figures, and the API and console pages that carry them."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from server.errors import Conflict, Forbidden, Invalid
from server.extensions import db
from server.qc import service
from server.qc.models import CHECKLIST, CorrectiveAction, Evaluation, QcItem, QcReview
from tests.api.test_console import sign_in, text


@pytest.fixture
def li(make_technician, make_user):
    """Li Wei, supervised by Daniel Brooks."""
    tech = make_technician(name="Li Wei")
    supervisor = make_user("dispatcher", name="Daniel Brooks")
    tech.user.supervisor_id = supervisor.id
    db.session.flush()
    tech.supervisor = supervisor
    return tech


@pytest.fixture
def queued(li, make_order, dispatcher, app):
    order = make_order(status="signed", assignee=li)
    with app.test_request_context():
        return service.add_to_queue(dispatcher, order.id)


def _all_pass(**overrides):
    return [{"item": code, "passed": overrides.get(code, (True, None))[0],
             "note": overrides.get(code, (True, None))[1]} for code in CHECKLIST]


def _actions_of(review) -> list[CorrectiveAction]:
    return list(db.session.scalars(select(CorrectiveAction)
                                   .where(CorrectiveAction.review_id == review.id)))


@pytest.fixture(autouse=True)
def _in_a_request(app):
    with app.test_request_context():
        yield


def test_a_clean_visit_scores_100_and_opens_no_action(queued, dispatcher):
    service.score(dispatcher, queued, _all_pass(), "Tidy job")
    assert (queued.state, queued.score, queued.findings) == ("reviewed", 100, "Tidy job")
    assert [i.item for i in queued.items] == list(CHECKLIST) and all(i.passed
                                                                    for i in queued.items)
    assert _actions_of(queued) == []


def test_a_failed_item_opens_a_corrective_action_for_the_technician(queued, dispatcher, li,
                                                                    app):
    service.score(dispatcher, queued, _all_pass(photos=(False, "No after photo")))
    assert queued.score == 83  # five of six
    [action] = _actions_of(queued)
    assert (action.item, action.note, action.state) == ("photos", "No after photo", "open")
    assert action.owner_id == li.user_id and action.technician_id == li.id
    assert action.due_on == service.local_today() + timedelta(days=app.config[
        "QC_ACTION_DUE_DAYS"])
    # Li Wei's supervisor finds it among his team's open actions; another does not.
    assert service.actions(state="open", supervisor_id=li.supervisor.id) == [action]
    assert service.actions(state="open", supervisor_id=dispatcher.id) == []


def test_a_failed_item_needs_a_note_and_every_item_needs_a_mark(queued, dispatcher):
    with pytest.raises(Invalid) as refused:
        service.score(dispatcher, queued, _all_pass(charges=(False, "  "))[:-1])
    assert set(refused.value.errors) == {"charges", "followup_feedback"}
    assert queued.state == "to_review"
    assert db.session.scalar(select(func.count()).select_from(QcItem)) == 0
    assert db.session.scalar(select(func.count()).select_from(CorrectiveAction)) == 0


def test_a_review_is_scored_once(queued, dispatcher):
    service.score(dispatcher, queued, _all_pass())
    with pytest.raises(Conflict):
        service.score(dispatcher, queued, _all_pass(parts=(False, "x")))


def test_the_technician_completes_their_own_action_with_a_note(queued, dispatcher, li,
                                                               make_technician):
    service.score(dispatcher, queued, _all_pass(diagnosis=(False, "Diagnosis says fan")))
    [action] = _actions_of(queued)
    with pytest.raises(Forbidden):
        service.complete_action(make_technician().user, action, "done")
    with pytest.raises(Invalid) as refused:
        service.complete_action(li.user, action, " ")
    assert "note" in refused.value.errors
    service.complete_action(li.user, action, "Re-read the fault tree")
    assert (action.state, action.done_note, action.done_by_id) == (
        "done", "Re-read the fault tree", li.user_id)
    with pytest.raises(Conflict):
        service.complete_action(dispatcher, action, "again")


def test_evaluation_rules_name_the_field(li, dispatcher):
    with pytest.raises(Invalid) as refused:
        service.evaluate(dispatcher, li.id, 6, None, date(2026, 11, 1), date(2026, 10, 1))
    assert set(refused.value.errors) == {"score", "period_end"}
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0
    e = service.evaluate(dispatcher, li.id, 4, "Careful, polite", date(2026, 11, 1),
                         date(2026, 11, 30))
    assert service.evaluations(technician_id=li.id) == [e]


def test_technician_quality_sums_up_the_period(li, make_order, dispatcher):
    reviews = []
    for failed in ({}, {"photos": (False, "blurry")},
                   {"photos": (False, "none"), "charges": (False, "travel twice")}):
        order = make_order(status="signed", assignee=li)
        review = service.add_to_queue(dispatcher, order.id)
        service.score(dispatcher, review, _all_pass(**failed))
        reviews.append(review)
    service.add_to_queue(dispatcher, make_order(status="signed", assignee=li).id)  # unscored
    today = service.local_today()
    service.evaluate(dispatcher, li.id, 4, "Good", today - timedelta(days=30), today)
    service.evaluate(dispatcher, li.id, 3, "Late twice", today - timedelta(days=60),
                     today - timedelta(days=31))
    service.evaluate(dispatcher, li.id, 1, "Long ago", date(2020, 1, 1), date(2020, 1, 31))
    q = service.technician_quality(db.session, li.id, today - timedelta(days=45), today)
    assert q.reviews == 3
    assert q.average_score == round((100 + 83 + 67) / 3, 1)
    assert q.failed_items == {"photos": 2, "charges": 1}
    assert sorted(a.item for a in q.open_actions) == ["charges", "photos", "photos"]
    assert q.evaluation_average == 3.5 and [e.score for e in q.evaluations] == [4, 3]
    empty = service.technician_quality(db.session, li.id, date(2021, 1, 1), date(2021, 1, 31))
    assert (empty.reviews, empty.average_score, empty.failed_items) == (0, None, {})


# -- the API --------------------------------------------------------------------------------

def test_the_api_scores_a_review_and_the_technician_reads_their_action(
        api_as, dispatcher, queued, li, make_technician):
    office = api_as(dispatcher)
    listed = office.get("/api/v1/qc/reviews?state=to_review").json["items"]
    assert [r["id"] for r in listed] == [str(queued.id)]
    bad = office.post(f"/api/v1/qc/reviews/{queued.id}/score",
                      json={"items": [{"item": "smell", "passed": True}]})
    assert bad.status_code == 422 and "items" in str(bad.json["errors"])
    items = _all_pass(signature_report=(False, "Report not signed on every page"))
    done = office.post(f"/api/v1/qc/reviews/{queued.id}/score", json={"items": items})
    assert done.status_code == 200, done.json
    assert done.json["score"] == 83 and done.json["state"] == "reviewed"
    assert office.post(f"/api/v1/qc/reviews/{queued.id}/score",
                       json={"items": items}).status_code == 409
    mine = api_as(li.user).get("/api/v1/qc/actions").json["items"]
    assert [(a["item"], a["work_order_id"]) for a in mine] == [
        ("signature_report", str(queued.work_order_id))]
    assert api_as(make_technician().user).get("/api/v1/qc/actions").json["items"] == []
    assert api_as(li.user).get("/api/v1/qc/reviews").status_code == 403
    closed = api_as(li.user).post(f"/api/v1/qc/actions/{mine[0]['id']}/done",
                                  json={"note": "Signed copies now"})
    assert closed.status_code == 200 and closed.json["state"] == "done"


def test_the_api_evaluation_refuses_bad_input_naming_the_field(api_as, dispatcher, li):
    api = api_as(dispatcher)
    body = {"technician_id": str(li.id), "score": 6, "period_start": "2026-11-01",
            "period_end": "2026-11-30"}
    r = api.post("/api/v1/qc/evaluations", json=body)
    assert r.status_code == 422 and "score" in str(r.json["errors"])
    r = api.post("/api/v1/qc/evaluations", json={**body, "score": 4, "period_end": "2026-10-01"})
    assert r.status_code == 422 and "period_end" in str(r.json["errors"])
    r = api.post("/api/v1/qc/evaluations", json={**body, "score": 4,
                                                 "technician_id": str(uuid.uuid4())})
    assert r.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0
    r = api.post("/api/v1/qc/evaluations", json={**body, "score": 4, "note": "Steady"})
    assert r.status_code == 201 and r.json["score"] == 4
    listed = api.get(f"/api/v1/qc/evaluations?technician_id={li.id}").json["items"]
    assert [e["note"] for e in listed] == ["Steady"]


def test_adding_by_hand_over_the_api(api_as, dispatcher, li, make_order):
    order = make_order(status="signed", assignee=li)
    api = api_as(dispatcher)
    r = api.post("/api/v1/qc/reviews", json={"work_order_id": str(order.id)})
    assert r.status_code == 201 and r.json["source"] == "hand_picked"
    assert api.post("/api/v1/qc/reviews", json={"work_order_id": str(order.id)}
                    ).status_code == 409
    assert api.get(f"/api/v1/qc/reviews/{r.json['id']}").json["work_order_id"] == str(order.id)


# -- the console ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_console_review_form_scores_and_lists_the_action(client, dispatcher, queued, li,
                                                             lang):
    sign_in(client, dispatcher)
    client.post(f"/language/{lang}")
    page = client.get(f"/qc/reviews/{queued.id}")
    assert page.status_code == 200 and queued.work_order.number in text(page)
    form = {f"item_{code}": "pass" for code in CHECKLIST}
    form["item_parts"] = "fail"
    missing = client.post(f"/qc/reviews/{queued.id}/score", data=form)
    assert missing.status_code == 422  # a failed item without a note
    assert db.session.get(QcReview, queued.id).state == "to_review"
    form["note_parts"] = "Two capacitors for one fault"
    saved = client.post(f"/qc/reviews/{queued.id}/score", data=form)
    assert saved.status_code == 303
    actions = client.get("/qc/actions")
    assert "Two capacitors for one fault" in text(actions) and "Li Wei" in text(actions)
    quality = client.get(f"/qc/technicians/{li.id}")
    assert "Two capacitors for one fault" in text(quality)


def test_the_console_evaluation_form_names_the_field(client, dispatcher, li):
    sign_in(client, dispatcher)
    r = client.post(f"/qc/technicians/{li.id}/evaluations",
                    data={"score": "", "period_start": "2026-11-01", "period_end": "2026-11-30",
                          "note": "x"})
    assert r.status_code == 422 and 'data-error="score"' in text(r)
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0
    r = client.post(f"/qc/technicians/{li.id}/evaluations",
                    data={"score": "5", "period_start": "2026-11-01",
                          "period_end": "2026-11-30", "note": "Customers ask for him"})
    assert r.status_code == 303
    assert "Customers ask for him" in text(client.get(f"/qc/technicians/{li.id}"))


def test_the_order_page_adds_a_signed_visit_to_the_queue(client, dispatcher, li, make_order):
    order = make_order(status="signed", assignee=li)
    sign_in(client, dispatcher)
    assert "qc_console.add_order" not in text(client.get(f"/orders/{order.id}"))
    r = client.post(f"/qc/orders/{order.id}/queue")
    assert r.status_code == 303 and "/qc/reviews/" in r.headers["Location"]
    assert service.review_of_order(order.id).source == "hand_picked"
    assert "/qc/reviews/" in text(client.get(f"/orders/{order.id}"))


def test_technicians_cannot_open_the_quality_pages(client, li, queued):
    sign_in(client, li.user)
    for url in ("/qc/", f"/qc/reviews/{queued.id}", "/qc/actions"):
        response = client.get(url)
        assert response.status_code in (302, 403) and "Li Wei" not in text(response)


@pytest.mark.parametrize("code", [*CHECKLIST, "to_review", "reviewed", "sampled", "hand_picked",
                                  "open", "done"])
def test_every_qc_code_reads_as_a_word_in_both_languages(app, code):
    import re

    from flask_babel import force_locale

    from server.words import term

    with force_locale("en"):
        assert term(code) != code and term(code)[0].isupper()
    with force_locale("zh"):
        assert re.search(r"[\u4e00-\u9fff]", term(code))
