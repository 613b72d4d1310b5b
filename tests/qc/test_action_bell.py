"""The supervisor is told: a corrective action opened for one of their technicians rings
the console's bell with a link to the team's actions, is flagged once overdue, and leaves
the bell when the action is closed (by the office or by the technician)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.notifications.models import Notification
from server.qc import service
from server.qc.models import CHECKLIST, CorrectiveAction
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


def _failed_review(li, make_order, dispatcher, app, failed=("photos",)):
    order = make_order(status="signed", assignee=li)
    with app.test_request_context():
        review = service.add_to_queue(dispatcher, order.id)
        service.score(dispatcher, review, [
            {"item": code, "passed": code not in failed,
             "note": "No after photo" if code in failed else None} for code in CHECKLIST])
    db.session.commit()
    return order, review


def _badge(client) -> str:
    return text(client.get("/notifications/badge"))


@pytest.mark.parametrize("lang,heading,flag", [("en", "Corrective action for your team",
                                                 "Overdue"),
                                                ("zh", "团队的整改措施", "已逾期")])
def test_the_supervisor_is_told_flagged_when_overdue_and_cleared_when_closed(
        client, li, make_order, dispatcher, app, lang, heading, flag):
    order, _review = _failed_review(li, make_order, dispatcher, app)
    [action] = db.session.scalars(select(CorrectiveAction)).all()
    sign_in(client, li.supervisor)
    client.post(f"/language/{lang}")
    assert 'data-unread="1"' in _badge(client)
    page = text(client.get("/notifications"))
    assert heading in page and order.number in page and "Li Wei" in page
    assert f'data-action-notice="{action.id}"' in page
    assert "/qc/actions?team=1" in page and "data-overdue" not in page
    # Another dispatcher (not Li Wei's supervisor) hears nothing.
    client.post("/logout")
    sign_in(client, dispatcher)
    assert "data-unread" not in _badge(client)
    client.post("/logout")
    # Past its due date the notification is flagged.
    action.due_on = service.local_today() - timedelta(days=1)
    db.session.commit()
    sign_in(client, li.supervisor)
    client.post(f"/language/{lang}")
    page = text(client.get("/notifications"))
    assert "data-overdue" in page and flag in page
    # The supervisor closes it on the actions page: it leaves the bell.
    done = client.post(f"/qc/actions/{action.id}/done", data={"note": "Retrained on photos"})
    assert done.status_code == 303
    assert "data-unread" not in _badge(client)
    assert "data-action-notice" not in text(client.get("/notifications"))
    shown_all = text(client.get("/notifications?show=all"))
    assert f'data-action-notice="{action.id}"' in shown_all and "data-overdue" not in shown_all


def test_an_action_closed_by_the_technician_leaves_the_bell_and_others_stay(
        li, make_order, dispatcher, app):
    _failed_review(li, make_order, dispatcher, app, failed=("photos", "charges"))
    photos, charges = sorted(db.session.scalars(select(CorrectiveAction)).all(),
                             key=lambda a: a.item != "photos")
    notices = db.session.scalars(select(Notification).where(
        Notification.kind == "corrective_action").order_by(Notification.created_at)).all()
    assert len(notices) == 2 and {n.user_id for n in notices} == {li.supervisor.id}
    with app.test_request_context():
        service.complete_action(li.user, photos, "Took the after photo from now on")
    db.session.commit()
    unread = db.session.scalars(select(Notification).where(
        Notification.kind == "corrective_action", Notification.read_at.is_(None))).all()
    assert [n.data["action_id"] for n in unread] == [str(charges.id)]


def test_nobody_is_told_when_the_technician_has_no_supervisor(make_technician, make_order,
                                                              dispatcher, app):
    lone = make_technician(name="Zhao Min")
    _failed_review(lone, make_order, dispatcher, app)
    assert db.session.scalar(select(CorrectiveAction)) is not None
    assert db.session.scalars(select(Notification)).all() == []


def test_the_team_actions_page_the_bell_links_to_flags_the_overdue_one(
        client, li, make_order, dispatcher, app):
    _failed_review(li, make_order, dispatcher, app, failed=("photos", "charges"))
    late = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.item == "charges")).one()
    late.due_on = service.local_today() - timedelta(days=3)
    db.session.commit()
    sign_in(client, li.supervisor)
    page = text(client.get("/qc/actions?team=1"))
    charges = page.split('data-action="charges"', 1)[1].split("</tr>", 1)[0]
    photos = page.split('data-action="photos"', 1)[1].split("</tr>", 1)[0]
    assert "data-overdue" in charges and "Overdue" in charges
    assert "data-overdue" not in photos
