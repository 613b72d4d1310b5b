"""The customer's page /c/<token>: what it shows, what the customer can do there, and how
it treats a link that is wrong, tampered, expired or revoked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.database import utcnow
from server.extensions import db, limiter
from server.feedback.models import Complaint, Survey
from server.portal import links
from server.portal.models import AppointmentRequest, CustomerLink
from server.workorders import service as orders
from tests.factories import PASSWORD


def text(response) -> str:
    return response.get_data(as_text=True)


def page_path(order) -> str:
    link = links.ensure_link(order)
    return "/c/" + links.token_of(link)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def booked(make_order, make_customer, make_technician):
    customer = make_customer(name="王秀英", language="zh")
    order = make_order(customer=customer, status="scheduled",
                       assignee=make_technician(name="Li Wei"),
                       customer_notes="internal: customer was rude on the phone")
    return order


def test_the_page_shows_the_order_in_the_customers_language(client, booked):
    response = client.get(page_path(booked))
    assert response.status_code == 200
    body = text(response)
    assert booked.number in body and "预约时间段" in body and "确认此时间段" in body
    assert response.headers["Cache-Control"] == "private, no-store"
    english = text(client.get(page_path(booked) + "?lang=en"))
    assert "Appointment window" in english and "Confirm this window" in english


def test_the_page_shows_nothing_about_other_customers_or_internal_notes(
        client, booked, make_order, make_customer):
    other = make_order(customer=make_customer(name="赵敏", language="zh"), status="scheduled")
    body = text(client.get(page_path(booked)))
    assert other.number not in body and "赵敏" not in body
    assert "rude" not in body and "test step" not in body  # notes and reasons stay inside


def test_wrong_tampered_expired_and_revoked_links_get_the_same_plain_page(
        client, booked, dispatcher):
    good = page_path(booked)
    wrong = client.get("/c/not-a-token")
    tampered = client.get(good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    assert wrong.status_code == tampered.status_code == 404
    link = links.active_link(booked.id)
    link.expires_at = utcnow() - timedelta(seconds=1)
    expired = client.get(good)
    assert expired.status_code == 410
    link.expires_at = utcnow() + timedelta(days=1)
    links.revoke(dispatcher, booked)
    revoked = client.get(good)
    assert revoked.status_code == 410
    pages = {re.sub(r"\s+", " ", text(r)) for r in (wrong, tampered, expired, revoked)}
    assert len(pages) == 1  # nothing tells one case from another
    assert booked.number not in pages.pop()


def test_guessing_links_is_rate_limited_but_the_customer_is_not(app, client, booked):
    app.config["CUSTOMER_PAGE_RATE_LIMIT"] = "3/minute"
    try:
        good = page_path(booked)
        for _ in range(5):
            assert client.get(good).status_code == 200
        statuses = [client.get(f"/c/guess{n}").status_code for n in range(4)]
        assert statuses == [404, 404, 404, 429]
    finally:
        app.config["CUSTOMER_PAGE_RATE_LIMIT"] = "20/minute"


def test_confirming_the_window_is_recorded_once(client, booked):
    path = page_path(booked)
    for _ in range(2):
        response = client.post(path + "/confirm")
        assert response.status_code == 303
    assert "已确认该预约时间段" in text(client.get(response.headers["Location"]))
    kinds = [e.kind for e in orders.history(booked)]
    assert kinds.count("customer_confirmed_window") == 1


def test_asking_for_another_window_reaches_the_dispatchers_board(client, booked, dispatcher):
    response = client.post(page_path(booked) + "/window", data={"note": "周六上午比较方便"})
    assert response.status_code == 303
    (request,) = db.session.scalars(select(AppointmentRequest).where(
        AppointmentRequest.work_order_id == booked.id, AppointmentRequest.kind == "change"))
    assert request.status == "open"
    assert "customer_asked_new_window" in [e.kind for e in orders.history(booked)]

    client.post("/login", data={"email": dispatcher.email, "password": PASSWORD})
    board = text(client.get("/board"))
    assert "周六上午比较方便" in board and booked.number in board


def test_an_empty_request_for_another_window_is_refused_and_stores_nothing(client, booked):
    response = client.post(page_path(booked) + "/window", data={"note": "   "})
    assert response.status_code == 422
    assert "请告诉我们您方便的日期和时间" in text(response)
    assert db.session.scalars(select(AppointmentRequest)).all() == []


def test_the_customer_rates_once_after_the_work_is_done(client, make_order, make_customer):
    order = make_order(customer=make_customer(language="en"), status="completed")
    path = page_path(order)
    assert "How did we do?" in text(client.get(path))
    assert client.post(path + "/rate", data={"rating": "9"}).status_code == 422
    assert client.post(path + "/rate", data={"rating": "4", "comment": "Quick"}).status_code == 303
    (survey,) = db.session.scalars(select(Survey).where(Survey.work_order_id == order.id))
    assert (survey.rating, survey.channel, survey.comment) == (4, "link", "Quick")
    assert "How did we do?" not in text(client.get(path))
    assert client.post(path + "/rate", data={"rating": "5"}).status_code == 422


def test_a_complaint_creates_a_complaint_record_for_the_order(client, booked):
    path = page_path(booked)
    assert client.post(path + "/complaint", data={"description": ""}).status_code == 422
    assert client.post(path + "/complaint",
                       data={"description": "师傅迟到了两个小时"}).status_code == 303
    (complaint,) = db.session.scalars(select(Complaint).where(
        Complaint.work_order_id == booked.id))
    assert complaint.customer_id == booked.customer_id
    assert (complaint.channel, complaint.status) == ("link", "open")


def test_on_the_way_shows_the_technicians_first_name_and_eta(client, booked):
    tech = booked.assignee
    orders.transition(tech.user, booked, "en_route", latitude=31.19 + 10 / 111.2,
                      longitude=121.44)
    body = text(client.get(page_path(booked) + "?lang=en"))
    assert "Li is on the way" in body and "Expected at about" in body
    assert "Wei" not in body


def test_the_api_gives_office_users_the_link_and_revokes_it(client, api_as, booked, dispatcher):
    api = api_as(dispatcher)
    got = api.get(f"/api/v1/workorders/{booked.id}/customer-link").get_json()
    assert got["url"].startswith("http://localhost:5000/c/") and got["expires_at"]
    path = got["url"].removeprefix("http://localhost:5000")
    assert client.get(path).status_code == 200
    assert api.get(f"/api/v1/workorders/{booked.id}/customer-link").get_json()["url"] == got["url"]

    assert api.post(f"/api/v1/workorders/{booked.id}/customer-link/revoke").status_code == 204
    assert client.get(path).status_code == 410
    fresh = api.get(f"/api/v1/workorders/{booked.id}/customer-link").get_json()["url"]
    assert fresh != got["url"]
    assert len(db.session.scalars(select(CustomerLink)).all()) == 2
