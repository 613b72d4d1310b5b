"""A missed incident deadline is escalated by the SLA sweep, once, to the executive line."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.incidents import service
from server.incidents.models import Incident
from server.notifications.models import Notification

from .conftest import NOW


def test_the_sla_sweep_escalates_a_missed_deadline_once(burst, admin, make_user, monkeypatch):
    other_admin, dispatcher = make_user("admin"), make_user("dispatcher")
    burst(12)
    service.detect(NOW)
    incident = db.session.scalars(select(Incident)).one()

    # Before the 48 h are up nothing happens.
    assert service.escalate_missed(NOW + timedelta(hours=47)) == 0

    # The sweep runs at "now": pretend now is past the deadline.
    late = NOW + timedelta(hours=49)
    monkeypatch.setattr("server.incidents.service.utcnow", lambda: late)
    from server.tasks import sla_sweep

    sla_sweep.call_local()
    [deadline] = incident.deadlines
    assert deadline.escalated_at == late
    assert service.deadline_state(deadline, late) == "missed"
    notes = db.session.scalars(select(Notification).where(
        Notification.kind == "incident_deadline")).all()
    assert {n.user_id for n in notes} == {admin.id, other_admin.id}
    assert all(n.data["level"] == "hq_technical" and n.data["number"] == incident.number
               for n in notes)
    assert dispatcher.id not in {n.user_id for n in notes}
    assert incident.history[-1].cause == "deadline_missed"

    # The next minute's sweep does not escalate it again.
    assert service.escalate_missed(late + timedelta(minutes=1)) == 0


def test_a_met_deadline_is_not_escalated(burst, admin):
    burst(12)
    service.detect(NOW)
    incident = db.session.scalars(select(Incident)).one()
    [deadline] = incident.deadlines
    service.mark_deadline_met(admin, incident, deadline.id, now=NOW + timedelta(hours=3))
    assert service.escalate_missed(NOW + timedelta(hours=100)) == 0
    assert service.deadline_state(deadline, NOW + timedelta(hours=100)) == "met"


def test_level_three_escalates_the_twelve_hour_apology_first(burst, admin):
    burst(210)
    service.detect(NOW)
    assert service.escalate_missed(NOW + timedelta(hours=13)) == 1
    incident = db.session.scalars(select(Incident)).one()
    states = {d.kind: d.escalated_at is not None for d in incident.deadlines}
    assert states == {"public_apology": True, "recall_plan": False,
                      "compensation_plan": False, "explanation": False}


def test_the_escalation_reads_as_words_in_the_notification_list(burst, admin, client):
    from tests.factories import PASSWORD

    burst(12)
    service.detect(NOW)
    service.escalate_missed(NOW + timedelta(hours=49))
    incident = db.session.scalars(select(Incident)).one()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert f"Incident {incident.number} missed its deadline “compensation plan”" in page
    assert f"/incidents/{incident.id}" in page
    page = client.get("/notifications?lang=zh").get_data(as_text=True)
    assert f"批量故障事件 {incident.number} 已超过时限“检查与补偿方案”" in page
