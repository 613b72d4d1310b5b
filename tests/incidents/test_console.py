"""The incident pages in the console, in English and Simplified Chinese."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.incidents import service
from server.incidents.models import Incident
from tests.factories import PASSWORD

from .conftest import NOW


def signed_in(client, user, lang="en"):
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.get(f"/incidents/?lang={lang}")
    return client


def _incident(burst, count=60):
    ids = burst(count, symptom="WH_NO_HOT_WATER")
    service.detect(NOW)
    return db.session.scalars(select(Incident)).one(), ids


def test_the_incident_page_shows_level_owner_deadlines_regions_and_orders(client, dispatcher,
                                                                          burst):
    incident, _ = _incident(burst)
    office = signed_in(client, dispatcher)
    listing = office.get("/incidents/").get_data(as_text=True)
    assert incident.number in listing and "Level 2" in listing
    page = office.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "hq technical" in page  # the level's owner, as words
    assert "explanation" in page and "compensation plan" in page
    assert "上海市" in page and "成都市" in page
    assert "60 orders" in page and "60 customers" in page
    assert "Opened at level 2" in page
    assert "free upgrade" in page


def test_the_incident_page_speaks_chinese(client, dispatcher, burst):
    incident, _ = _incident(burst)
    office = signed_in(client, dispatcher, "zh")
    page = office.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "2 级" in page and "总部技术部" in page and "向用户说明" in page
    assert "以 2 级开启" in page and "60 张工单" not in page
    assert "级别历史" in page and "按地区" in page


def test_a_dispatcher_changes_the_level_and_unlinks_an_order(client, dispatcher, burst):
    incident, ids = _incident(burst, 20)
    office = signed_in(client, dispatcher)
    refused = office.post(f"/incidents/{incident.id}/level", data={"level": "3", "reason": ""},
                          follow_redirects=True)
    assert "Choose a level and say why it changes." in refused.get_data(as_text=True)
    assert db.session.get(Incident, incident.id).level == 1
    done = office.post(f"/incidents/{incident.id}/level",
                       data={"level": "3", "reason": "reports on social media"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Level set to 3." in done and "reports on social media" in done
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).level == 3
    office.post(f"/incidents/{incident.id}/unlink/{ids[0]}")
    assert ids[0] not in service.linked_order_ids(db.session.get(Incident, incident.id))


def test_run_detection_from_the_list(client, admin, burst):
    from server.database import utcnow

    burst(12, now=utcnow())
    office = signed_in(client, admin)
    page = office.post("/incidents/detect", follow_redirects=True).get_data(as_text=True)
    assert "1 opened" in page
    assert db.session.scalars(select(Incident)).one().level == 1


def test_a_technician_cannot_open_incident_pages(client, technician):
    client.post("/login", data={"email": technician.user.email, "password": PASSWORD})
    assert client.get("/incidents/").status_code in (302, 403)
