"""GET /api/v1/kpis: the dashboard's numbers as JSON, filters, grouping, refusals."""

import pytest

from tests.kpis.test_kpi_numbers import week  # noqa: F401  (the hand-computed week)

URL = "/api/v1/kpis?from=2026-03-02&to=2026-03-08"


def test_the_api_answers_the_week_and_the_previous_one(week, api_as, dispatcher):  # noqa: F811
    body = api_as(dispatcher).get(URL).get_json()
    assert body["period"]["from"] == "2026-03-02"
    assert body["period"]["orders"]["requested"] == 7
    assert body["period"]["first_time_fix"] == {"count": 2, "completed": 5, "rate": 0.4}
    assert body["period"]["sla"]["normal"] == {"met": 3, "count": 4, "rate": 0.75}
    assert body["previous"]["orders"]["requested"] == 1


def test_filters_and_grouping_reach_the_numbers(week, api_as, admin):  # noqa: F811
    api = api_as(admin)
    body = api.get(f"{URL}&type=maintenance&channel=web").get_json()
    assert body["period"]["orders"]["requested"] == 1
    assert body["filters"] == {"type": "maintenance", "channel": "web"}
    tech = api.get(f"{URL}&technician_id={week['t1'].id}").get_json()
    assert tech["period"]["orders"]["requested"] == 3
    grouped = api.get(f"{URL}&group_by=region").get_json()
    assert {g["key"]: g["orders"]["requested"] for g in grouped["groups"]} == \
        {"Shanghai": 3, "Suzhou": 2}


@pytest.mark.parametrize("query, field", [
    ("to=2026-03-08", "from"),
    ("from=2026-03-02", "to"),
    ("from=2026-03-09&to=2026-03-08", "to"),
    ("from=2026-13-02&to=2026-03-08", "from"),
    ("from=2020-01-01&to=2026-03-08", "to"),
    ("from=2026-03-02&to=2026-03-08&group_by=colour", "group_by"),
    ("from=2026-03-02&to=2026-03-08&type=party", "type"),
    ("from=2026-03-02&to=2026-03-08&channel=fax", "channel"),
    ("from=2026-03-02&to=2026-03-08&technician_id=nobody", "technician_id"),
])
def test_bad_input_is_a_422_naming_the_field(api_as, dispatcher, query, field):
    response = api_as(dispatcher).get(f"/api/v1/kpis?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["query"]


def test_technicians_may_not_read_kpis(api_as, technician):
    assert api_as(technician.user).get(URL).status_code == 403
