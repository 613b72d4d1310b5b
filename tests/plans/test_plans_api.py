"""Plans over the API (/api/v1/plans: list by customer or appliance, create, read, update,
cancel), on the customer page and on the board — in English and Chinese."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from server.database import utcnow
from server.extensions import db
from server.plans import service
from server.plans.models import Plan
from tests.api.test_console import sign_in, text


def body(customer, **extra):
    return {"customer_id": str(customer.id), "kind": "visit", "interval_months": 12,
            "first_due": (date.today() + timedelta(days=20)).isoformat(),
            "note": "Clean the air conditioner every spring", **extra}


def test_a_plan_is_created_read_listed_by_customer_and_appliance(
        api_as, dispatcher, make_customer, make_asset):
    customer, other = make_customer(), make_customer()
    asset = make_asset(customer)
    api = api_as(dispatcher)
    response = api.post("/api/v1/plans", json=body(customer, asset_id=str(asset.id)))
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert (plan["kind"], plan["interval_months"], plan["active"], plan["source"]) == (
        "visit", 12, True, "office")
    assert plan["next_due"] == body(customer)["first_due"]
    assert api.post("/api/v1/plans", json=body(customer, kind="call",
                                               interval_months=3)).status_code == 201
    assert api.post("/api/v1/plans", json=body(other)).status_code == 201

    mine = api.get(f"/api/v1/plans?customer_id={customer.id}").get_json()["items"]
    assert len(mine) == 2 and {p["customer_id"] for p in mine} == {str(customer.id)}
    by_asset = api.get(f"/api/v1/plans?asset_id={asset.id}").get_json()["items"]
    assert [p["id"] for p in by_asset] == [plan["id"]]
    assert api.get(f"/api/v1/plans/{plan['id']}").get_json()["note"] == plan["note"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.created")
                             .limit(1)) is not None


@pytest.mark.parametrize("change, field", [
    ({"kind": "letter"}, "kind"),
    ({"interval_months": 0}, "interval_months"),
    ({"interval_months": 61}, "interval_months"),
    ({"interval_months": "3"}, "interval_months"),
    ({"first_due": "2026-02-30"}, "first_due"),
    ({"ends_on": "2020-01-01"}, "ends_on"),
    ({"later_interval_months": 3}, "switch_on"),
    ({"customer_id": "00000000-0000-4000-8000-000000000000"}, "customer_id"),
])
def test_a_bad_plan_is_422_naming_the_field_and_nothing_is_stored(
        api_as, dispatcher, make_customer, change, field):
    response = api_as(dispatcher).post("/api/v1/plans", json={**body(make_customer()), **change})
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in errors or field in errors.get("json", {})
    assert db.session.scalar(select(Plan).limit(1)) is None


def test_another_customers_appliance_is_refused(api_as, dispatcher, make_customer, make_asset):
    customer, other = make_customer(), make_customer()
    response = api_as(dispatcher).post("/api/v1/plans", json=body(
        customer, asset_id=str(make_asset(other).id)))
    assert response.status_code == 422 and "asset_id" in response.get_json()["errors"]


def test_a_plan_is_updated_then_cancelled_and_a_cancelled_plan_makes_nothing(
        api_as, admin, make_customer):
    customer = make_customer()
    api = api_as(admin)
    plan = api.post("/api/v1/plans", json=body(customer)).get_json()
    soon = (date.today() + timedelta(days=2)).isoformat()
    response = api.patch(f"/api/v1/plans/{plan['id']}", json={"next_due": soon,
                                                               "interval_months": 6})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["next_due"], response.get_json()["interval_months"]) == (soon, 6)
    assert api.post(f"/api/v1/plans/{plan['id']}/cancel", json={}).status_code == 422
    response = api.post(f"/api/v1/plans/{plan['id']}/cancel",
                        json={"reason": "Contract ended"})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert service.generate_due() == 0  # due in 2 days, within the lead, but cancelled
    again = api.patch(f"/api/v1/plans/{plan['id']}", json={"interval_months": 3})
    assert again.status_code == 409 and again.get_json()["reason"] == "plan_cancelled"
    assert api.get(f"/api/v1/plans?customer_id={customer.id}&active=false"
                   ).get_json()["items"][0]["id"] == plan["id"]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"plan.created", "plan.updated", "plan.cancelled"} <= actions


def test_technicians_cannot_see_plans(api_as, technician):
    assert api_as(technician.user).get("/api/v1/plans").status_code == 403


def test_an_unknown_plan_is_404(api_as, dispatcher):
    assert api_as(dispatcher).get(
        "/api/v1/plans/00000000-0000-4000-8000-000000000000").status_code == 404


# -- on the customer page and on the board ---------------------------------------------------------

@pytest.fixture
def planned(make_customer, make_asset, dispatcher):
    customer = make_customer(name="王秀英")
    asset = make_asset(customer)
    soon = service.create(dispatcher, customer_id=customer.id, asset_id=asset.id, kind="visit",
                          interval_months=12, first_due=date.today() + timedelta(days=10),
                          note="春季清洗空调")
    far = service.create(dispatcher, customer_id=customer.id, kind="call", interval_months=3,
                         first_due=date.today() + timedelta(days=90))
    return customer, soon, far


def test_the_customer_page_lists_the_plans_in_english(client, dispatcher, planned):
    customer, soon, far = planned
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get(f"/customers/{customer.id}"))
    assert f'data-plan="{soon.id}"' in page and f'data-plan="{far.id}"' in page
    assert "Maintenance visit" in page and "Follow-up call" in page and "春季清洗空调" in page
    assert "Gree KFR-35GW" in page


def test_the_customer_page_lists_the_plans_in_chinese(client, make_user, planned):
    customer, soon, _ = planned
    assert sign_in(client, make_user("dispatcher", locale="zh")).status_code == 302
    page = text(client.get(f"/customers/{customer.id}"))
    assert "计划" in page and "上门保养" in page and "回访电话" in page and "进行中" in page


def test_the_board_lists_plans_coming_within_its_horizon(client, dispatcher, planned, app):
    customer, soon, far = planned
    assert sign_in(client, dispatcher).status_code == 302
    page = text(client.get("/board"))
    assert "Planned calls and visits" in page
    assert f'data-plan="{soon.id}"' in page and f'data-plan="{far.id}"' not in page
    service.cancel(dispatcher, soon, "customer moved")
    db.session.commit()
    assert f'data-plan="{soon.id}"' not in text(client.get("/board"))


def test_upcoming_is_ordered_by_date_and_skips_stopped_plans(planned, dispatcher):
    _, soon, far = planned
    assert service.upcoming(120, now=utcnow()) == [soon, far]
    service.cancel(dispatcher, soon, "moved")
    assert service.upcoming(120) == [far]


def test_the_customer_page_stops_a_plan_with_a_reason(client, dispatcher, planned):
    customer, soon, _ = planned
    db.session.commit()
    assert sign_in(client, dispatcher).status_code == 302
    refused = client.post(f"/plans/{soon.id}/cancel", data={"reason": "  "})
    assert refused.status_code == 303
    db.session.refresh(soon)
    assert soon.active is True
    response = client.post(f"/plans/{soon.id}/cancel", data={"reason": "Contract ended"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/customers/{customer.id}")
    db.session.refresh(soon)
    assert soon.active is False
    page = text(client.get(f"/customers/{customer.id}"))
    assert "Plan stopped: nothing more is made from it." in page and "stopped" in page


def test_the_customer_page_adds_a_plan_for_one_appliance(client, dispatcher, make_customer,
                                                         make_asset):
    customer, other = make_customer(), make_customer()
    asset, foreign = make_asset(customer), make_asset(other)
    db.session.commit()
    assert sign_in(client, dispatcher).status_code == 302
    first = (date.today() + timedelta(days=40)).isoformat()
    form = {"customer_id": str(customer.id), "kind": "visit", "interval_months": "12",
            "first_due": first, "note": "Spring cleaning"}
    refused = client.post("/plans/", data={**form, "asset_id": str(foreign.id)})
    assert refused.status_code == 303
    assert refused.headers["Location"].endswith(f"/customers/{customer.id}")
    assert db.session.scalar(select(Plan).limit(1)) is None
    response = client.post("/plans/", data={**form, "asset_id": str(asset.id)})
    assert response.headers["Location"].endswith(f"/customers/{customer.id}")
    plan = db.session.scalar(select(Plan))
    assert (plan.customer_id, plan.asset_id, plan.kind, plan.interval_months) == (
        customer.id, asset.id, "visit", 12)
    page = text(client.get(f"/customers/{customer.id}"))
    assert "Plan saved." in page and f'data-plan="{plan.id}"' in page
