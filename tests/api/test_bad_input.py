"""Every bad input gets a clear 4xx in the documented error shape, never a 500, and
nothing partial is stored (issue 10, items 7–12 and 17)."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from server.customers.models import Customer
from server.extensions import db
from server.inventory.models import Part
from server.workorders.models import PartUsage, TimeLog
from tests import factories
from tests.factories import walk_to


@pytest.fixture
def office(api_as, dispatcher):
    return api_as(dispatcher)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def raw(api, method, url, text, content_type="application/json"):
    """Send ``text`` byte for byte: a lone surrogate escape survives only this way."""
    return getattr(api, method)(url, data=text.encode(), headers={"Content-Type": content_type})


def assert_error_shape(response, status):
    """The body is the documented Error schema: exactly these keys, these types."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) - {"reason"} == {"code", "message", "description", "errors"}
    assert body["code"] == status and isinstance(body["description"], str)
    assert isinstance(body["errors"], dict)
    return body


CUSTOMER = {"name": "王秀英", "phone": "+86 138 0000 0000",
            "addresses": [{"line1": "漕溪北路 1 号", "city": "上海"}]}


# -- 7. text no database can store -----------------------------------------------------------

@pytest.mark.parametrize(("body", "path"), [
    ('{"name": "\\ud800", "phone": "+86 138 0000 0000"}', ["name"]),
    ('{"name": "王", "phone": "+86 138 0000 0000", "notes": "ok \\udfff ok"}', ["notes"]),
    ('{"name": "王", "phone": "+86 138 0000 0000", "preferences": ["a", "\\ud800"]}',
     ["preferences", "1"]),
    ('{"name": "王", "phone": "+86 138 0000 0000", '
     '"addresses": [{"line1": "\\ud800", "city": "上海"}]}', ["addresses", "0", "line1"]),
])
def test_a_lone_surrogate_in_any_text_field_is_422_naming_it(office, body, path):
    before = count(Customer)
    response = raw(office, "post", "/api/v1/customers/", body)
    errors = assert_error_shape(response, 422)["errors"]["json"]
    for key in path:
        errors = errors[key]
    assert "surrogate" in errors[0]
    assert count(Customer) == before


def test_a_lone_surrogate_in_a_dict_key_or_value_is_refused(office, make_order):
    order = make_order()
    for answers in ('{"\\ud800": "x"}', '{"noise": "\\udc00"}'):
        response = raw(office, "patch", f"/api/v1/workorders/{order.id}",
                       '{"intake_answers": %s}' % answers)
        assert "intake_answers" in assert_error_shape(response, 422)["errors"]["json"]


def test_a_nul_in_a_query_string_is_422_not_a_database_error(office):
    for url in ("/api/v1/customers/?q=a%00b", "/api/v1/parts/?q=%00",
                "/api/v1/workorders/?q=%00"):
        response = office.get(url)
        assert "q" in assert_error_shape(response, 422)["errors"]["query"]


# -- 8. JSON nested too deep -------------------------------------------------------------------

def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_json_nested_a_thousand_deep_is_400_on_the_rest_api(office):
    before = count(Customer)
    response = raw(office, "post", "/api/v1/customers/",
                   '{"name": "王", "phone": "+86 138 0000 0000", "preferences": %s}' % deep(1000))
    assert assert_error_shape(response, 400)["reason"] == "json_too_deep"
    assert count(Customer) == before


def test_json_nested_a_thousand_deep_is_400_on_push(api_as, technician):
    body = '{"protocol": 1, "mutations": [{"id": 1, "name": "add_note", "version": 1, ' \
           '"args": {"deep": %s}}]}' % deep(1000)
    response = raw(api_as(technician.user), "post", "/api/v1/sync/push", body)
    assert assert_error_shape(response, 400)["reason"] == "json_too_deep"


def test_json_nested_just_past_the_limit_is_refused_and_just_within_it_is_read(
        app, office):
    limit = app.config.get("JSON_MAX_DEPTH", 32)
    within = raw(office, "post", "/api/v1/customers/",
                 '{"name": "王", "phone": "+86 138 0000 0000", "preferences": %s}'
                 % deep(limit - 1))
    assert within.status_code == 422 and "preferences" in within.get_json()["errors"]["json"]
    past = raw(office, "post", "/api/v1/customers/",
               '{"name": "王", "phone": "+86 138 0000 0000", "preferences": %s}' % deep(limit))
    assert_error_shape(past, 400)


# -- 9. page numbers too large for the database ---------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/workorders/", "/api/v1/customers/",
                                 "/api/v1/assets/", "/api/v1/parts/"])
@pytest.mark.parametrize("query", ["page=4611686018427387905", "per_page=4611686018427387905",
                                   "page=-1", "page=1.5"])
def test_every_paginated_list_refuses_a_page_out_of_range(office, url, query):
    response = office.get(f"{url}?{query}")
    field = query.split("=")[0]
    assert field in assert_error_shape(response, 422)["errors"]["query"]


def test_the_last_allowed_page_is_an_empty_page_not_an_error(office):
    from server.schemas import MAX_PAGE

    response = office.get(f"/api/v1/customers/?page={MAX_PAGE}&per_page=200")
    assert response.status_code == 200 and response.get_json()["items"] == []


def test_a_pull_cursor_beyond_any_position_is_refused(api_as, technician):
    response = api_as(technician.user).get(
        "/api/v1/sync/pull?protocol=1&cursor=4611686018427387905000")
    assert "cursor" in assert_error_shape(response, 422)["errors"]["query"]


# -- 10. integers are integers -------------------------------------------------------------------

@pytest.mark.parametrize("value", [1.9999, 1.0, "100", True])
def test_money_must_be_a_json_integer(office, make_order, value):
    order = make_order()
    response = office.patch(f"/api/v1/workorders/{order.id}", json={"labour_cents": value})
    assert "labour_cents" in assert_error_shape(response, 422)["errors"]["json"]
    db.session.refresh(order)
    assert order.labour_cents == 0


def test_a_part_price_given_as_a_string_is_refused(api_as, admin):
    response = api_as(admin).post("/api/v1/parts/", json={
        "sku": "AC-1", "name_en": "Filter", "name_zh": "滤网", "category": "air_conditioner",
        "price_cents": "100"})
    assert "price_cents" in assert_error_shape(response, 422)["errors"]["json"]
    assert count(Part) == 0


@pytest.fixture
def job(make_order, dispatcher, technician, make_part):
    order = make_order(actor=dispatcher)
    walk_to(order, "scheduled", dispatcher, technician)
    return order


def push_one(api, name, args):
    from sync.mutations import LATEST

    response = api.post("/api/v1/sync/push", json={"protocol": 1, "mutations": [
        {"id": 1, "name": name, "version": LATEST[name], "args": args,
         "client_time": datetime.now(UTC).isoformat()}]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"][0]


def test_a_part_quantity_of_one_and_a_half_is_rejected_not_applied_as_one(
        api_as, technician, job, make_part):
    part = make_part()
    factories.stock_van(technician, part, 5)
    result = push_one(api_as(technician.user), "use_part", {
        "order_id": str(job.id), "line_id": str(uuid.uuid4()), "part_id": str(part.id),
        "quantity": 1.5, "device_time": datetime.now(UTC).isoformat()})
    assert result["status"] == "rejected" and "quantity" in result["errors"]["args"]
    assert count(PartUsage) == 0


# -- 11. authenticate before validating ------------------------------------------------------

def test_an_anonymous_caller_gets_401_not_the_list_of_required_fields(client):
    for method, url in (("post", "/api/v1/workorders/"), ("post", "/api/v1/customers/"),
                        ("post", "/api/v1/sync/push"), ("get", "/api/v1/workorders/?page=x")):
        response = getattr(client, method)(url, json={}) if method == "post" \
            else client.get(url)
        body = assert_error_shape(response, 401)
        assert body["errors"] == {} and body["reason"] == "token_missing"


def test_a_caller_in_the_wrong_role_gets_403_before_validation(api_as, technician):
    response = api_as(technician.user).post("/api/v1/customers/", json={})
    assert assert_error_shape(response, 403)["errors"] == {}


def test_an_expired_or_bad_token_is_401_before_validation(client):
    response = client.post("/api/v1/customers/", json={},
                           headers={"Authorization": "Bearer not-a-token"})
    assert assert_error_shape(response, 401)["errors"] == {}


# -- 12. what the document says is what is sent ----------------------------------------------------

def test_a_patch_with_no_body_is_400_not_a_silent_200(office, make_order):
    order = make_order()
    response = office.patch(f"/api/v1/workorders/{order.id}")
    assert assert_error_shape(response, 400)["reason"] == "body_required"


def test_a_body_that_is_not_json_is_415(office, make_order):
    order = make_order()
    response = raw(office, "patch", f"/api/v1/workorders/{order.id}", "priority=high",
                   content_type="application/x-www-form-urlencoded")
    assert assert_error_shape(response, 415)["reason"] == "not_json"
    db.session.refresh(order)
    assert order.priority == "normal"


def test_a_url_too_long_is_414_in_the_error_shape(office):
    response = office.get("/api/v1/customers/?q=" + "x" * 5000)
    assert assert_error_shape(response, 414)["reason"] == "url_too_long"


def test_the_documented_error_schema_allows_what_errors_carry(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "description", "errors", "reason"}
    assert set(error["required"]) == {"code", "message", "description", "errors"}


def test_malformed_json_is_400_naming_the_body(office):
    response = raw(office, "post", "/api/v1/customers/", '{"name": ')
    assert assert_error_shape(response, 400)["reason"] == "invalid_json"


# -- 17. dates in a sane range --------------------------------------------------------------

@pytest.mark.parametrize("when", ["0001-01-01T09:00:00+08:00", "9998-12-31T09:00:00+00:00",
                                  "1999-12-31T23:59:59+00:00"])
def test_an_appointment_outside_a_sane_range_is_refused(office, make_order, when):
    order = make_order()
    response = office.patch(f"/api/v1/workorders/{order.id}",
                            json={"appointment_start": when})
    assert "appointment_start" in assert_error_shape(response, 422)["errors"]["json"]
    db.session.refresh(order)
    assert order.appointment_start is None


def test_an_asset_purchased_in_year_one_is_refused(office, make_customer):
    response = office.post("/api/v1/assets/", json={
        "customer_id": str(make_customer().id), "category": "air_conditioner",
        "brand": "Gree", "model": "KFR-35", "serial": "S1", "purchase_date": "0001-01-01"})
    assert "purchase_date" in assert_error_shape(response, 422)["errors"]["json"]


def test_a_time_log_in_year_9998_is_rejected_naming_the_field(api_as, technician, job):
    result = push_one(api_as(technician.user), "log_time", {
        "order_id": str(job.id), "log_id": str(uuid.uuid4()), "kind": "work",
        "started_at": "9998-11-23T09:00:00+08:00", "ended_at": "9998-11-23T10:30:00+08:00"})
    assert result["status"] == "rejected" and "started_at" in result["errors"]["args"]
    assert count(TimeLog) == 0


def test_the_openapi_document_states_the_ranges(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = next(p for p in spec["paths"]["/api/v1/customers/"]["get"]["parameters"]
                if p["name"] == "page")
    assert page["schema"]["maximum"] > 1 and json.dumps(page["schema"])


def _argument_schemas(app):
    for endpoint, view in app.view_functions.items():
        view_class = getattr(view, "view_class", None)
        for method in ("get", "post", "put", "patch", "delete"):
            handler = getattr(view_class, method, None) if view_class else None
            for parameter in getattr(handler, "_apidoc", {}).get("arguments", {}).get(
                    "parameters", []):
                yield f"{endpoint}.{method}", parameter["schema"]


def test_every_request_schema_takes_the_shared_checks(app):
    """A new endpoint whose schema skips InSchema would let unstorable text through."""
    from server.schemas import InSchema

    schemas = dict(_argument_schemas(app))
    assert len(schemas) >= 20
    skipping = {name: schema for name, schema in schemas.items()
                if not isinstance(schema, InSchema)
                and not (isinstance(schema, type) and issubclass(schema, InSchema))}
    assert skipping == {}, "derive these from server.schemas.InSchema"


def test_a_phone_number_longer_than_the_column_is_422_not_a_database_error(office):
    response = office.post("/api/v1/customers/", json={
        "name": "Long Phone", "phone": "+" + "1" * 40,
        "addresses": [{"line1": "1 High St", "city": "London", "country": "GB"}]})
    assert response.status_code == 422
    assert "phone" in response.get_json()["errors"]["json"]
