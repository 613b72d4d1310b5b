"""Customers, assets and parts over the API: search, creation, validation."""

from datetime import date, timedelta


def test_dispatcher_creates_a_customer_with_an_address_and_finds_them(api_as, dispatcher):
    office = api_as(dispatcher)
    created = office.post("/api/v1/customers/", json={
        "name": "李建国", "phone": "+86 139 1234 5678", "language": "zh",
        "preferences": ["到达前请先电话联系"],
        "addresses": [{"line1": "天山路 600 弄 5 号 402 室", "district": "长宁区",
                       "city": "上海市", "latitude": 31.21, "longitude": 121.40}]})
    assert created.status_code == 201
    body = created.get_json()
    assert body["addresses"][0]["district"] == "长宁区"
    for query in ("李建国", "1234", "天山路"):
        found = office.get("/api/v1/customers/", query_string={"q": query}).get_json()
        assert body["id"] in [c["id"] for c in found["items"]], query


def test_customer_validation_names_nested_address_fields(api_as, dispatcher):
    response = api_as(dispatcher).post("/api/v1/customers/", json={
        "name": "", "phone": "call me", "addresses": [{"city": "London", "latitude": 123}]})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert {"name", "phone", "addresses"} <= set(errors)
    assert {"line1", "latitude"} <= set(errors["addresses"]["0"])


def test_asset_warranty_status_follows_its_dates(api_as, dispatcher, make_customer):
    office, customer = api_as(dispatcher), make_customer()

    def create(warranty_end):
        return office.post("/api/v1/assets/", json={
            "customer_id": str(customer.id), "category": "refrigerator", "brand": "Haier",
            "model": "BCD-470", "serial": f"HR{warranty_end}",
            "purchase_date": (date.today() - timedelta(days=800)).isoformat(),
            "warranty_end": warranty_end}).get_json()

    assert create((date.today() + timedelta(days=1)).isoformat())["warranty_status"] == "in_warranty"
    assert create((date.today() - timedelta(days=1)).isoformat())["warranty_status"] == "out_of_warranty"
    listed = office.get("/api/v1/assets/", query_string={"customer_id": str(customer.id)})
    assert listed.get_json()["total"] == 2


def test_warranty_cannot_end_before_purchase(api_as, dispatcher, make_customer):
    response = api_as(dispatcher).post("/api/v1/assets/", json={
        "customer_id": str(make_customer().id), "category": "range_hood", "brand": "Fotile",
        "model": "JQ01", "serial": "F1", "purchase_date": "2025-05-01", "warranty_end": "2024-05-01"})
    assert response.status_code == 422 and "warranty_end" in response.get_json()["errors"]


def test_parts_search_in_both_languages_and_duplicate_sku_is_409(api_as, admin, technician):
    catalogue = api_as(admin)
    part = {"sku": "AC-CAP-35UF", "name_en": "Run capacitor 35µF", "name_zh": "运行电容 35µF",
            "category": "air_conditioner", "price_cents": 4800}
    assert catalogue.post("/api/v1/parts/", json=part).status_code == 201
    duplicate = catalogue.post("/api/v1/parts/", json=part)
    assert duplicate.status_code == 409 and "sku" in duplicate.get_json()["errors"]
    phone = api_as(technician.user)
    for query in ("capacitor", "电容", "AC-CAP"):
        items = phone.get("/api/v1/parts/", query_string={"q": query}).get_json()["items"]
        assert [p["sku"] for p in items] == ["AC-CAP-35UF"], query


def test_negative_price_is_refused(api_as, admin):
    response = api_as(admin).post("/api/v1/parts/", json={
        "sku": "X-1", "name_en": "x", "name_zh": "x", "category": "c", "price_cents": -1})
    assert response.status_code == 422 and "price_cents" in response.get_json()["errors"]["json"]


def test_unknown_ids_are_404_in_the_error_shape(api_as, dispatcher):
    response = api_as(dispatcher).get("/api/v1/customers/00000000-0000-4000-8000-000000000001")
    assert response.status_code == 404
    assert response.get_json() == {"code": 404, "message": "Not Found",
                                   "description": "No such customer.", "errors": {}}
