"""The KPI pages in the console: dashboard, drill-down, scorecard, ranking, downloads."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.api.test_console import sign_in, text
from tests.kpis.test_kpi_numbers import week  # noqa: F401  (the hand-computed week)

WEEK = "from=2026-03-02&to=2026-03-08"


def value(page: str, key: str) -> str:
    return re.search(rf'data-kpi-value="{key}">([^<]*)<', page).group(1)


def test_the_dashboard_shows_each_number_with_its_count_and_previous_week(
        client, week, dispatcher):  # noqa: F811
    sign_in(client, dispatcher)
    page = text(client.get(f"/kpis/?{WEEK}"))
    assert value(page, "requested") == "7"
    assert value(page, "first_time_fix") == "40.0%"
    assert value(page, "response_median") == "30 min"
    assert value(page, "resolution_median") == "2 days"
    assert value(page, "within_3wd") == "80.0%"
    assert "4 of 5" in page
    assert value(page, "cost_per_order") == "CN¥68.00"
    assert 'id="kpi-trend"' in page and "kpi-chart" in page
    assert ">KPIs</a>" in page  # the nav item
    assert "Complaints by category" in page and "repair quality" in page


def test_the_dashboard_reads_in_chinese(client, week, make_user):  # noqa: F811
    sign_in(client, make_user("dispatcher", locale="zh"))
    page = text(client.get(f"/kpis/?{WEEK}"))
    assert "首次修复率" in page and "服务单数" in page and "上一周期" in page
    assert value(page, "requested") == "7"
    assert "维修质量" in page  # a complaint category as a word, not its code
    assert "repair_quality" not in page.split('id="kpi-trend"')[0]


def test_a_number_drills_down_to_its_orders(client, week, dispatcher):  # noqa: F811
    sign_in(client, dispatcher)
    page = text(client.get(f"/kpis/?{WEEK}"))
    link = re.search(r'href="([^"]*key=not_first_time_fix[^"]*)"', page).group(1)
    behind = text(client.get(link.replace("&amp;", "&")))
    listed = set(re.findall(r"WO-\d{4}-\d{6}", behind))
    assert listed == {week[n].number for n in "abc"}


def test_filters_narrow_the_dashboard(client, week, dispatcher):  # noqa: F811
    sign_in(client, dispatcher)
    page = text(client.get(f"/kpis/?{WEEK}&type=maintenance&region="))
    assert value(page, "requested") == "1"


@pytest.mark.parametrize("query, field", [
    ("from=2026-03-09&to=2026-03-08", "to"), ("from=yesterday&to=2026-03-08", "from"),
    (f"{WEEK}&channel=fax", "channel"),
])
def test_bad_dashboard_input_is_a_400_naming_the_field(client, dispatcher, query, field):
    sign_in(client, dispatcher)
    response = client.get(f"/kpis/?{query}")
    assert response.status_code == 400
    assert f"{field}:" in text(response)


def test_an_unknown_drill_down_key_is_a_400(client, dispatcher):
    sign_in(client, dispatcher)
    response = client.get(f"/kpis/orders?key=bogus&{WEEK}")
    assert response.status_code == 400 and "key:" in text(response)


def test_the_scorecard_shows_the_technicians_numbers_ratings_and_complaints(
        client, week, dispatcher):  # noqa: F811
    sign_in(client, dispatcher)
    page = text(client.get(f"/kpis/technicians/{week['t1'].id}?{WEEK}"))
    assert "Li Lei" in page
    assert value(page, "requested") == "3"
    assert "★★★★★" in page  # A's rating
    assert "Late" in page  # the complaint about A
    # Windows end 3 h after booking: A (13:00) came at 14:00, H (12:20) at 13:00, B on Monday.
    assert "0 of 3 arrivals within the appointment window" in page


def test_the_scorecard_carries_quality_checks_and_supervisor_evaluations(
        client, week, dispatcher):  # noqa: F811
    from datetime import date

    from server.qc.service import evaluate

    evaluate(dispatcher, week["t1"].id, 4, "Tidy work, explains well",
             date(2026, 3, 2), date(2026, 3, 8))
    sign_in(client, dispatcher)
    page = text(client.get(f"/kpis/technicians/{week['t1'].id}?{WEEK}"))
    assert "Quality checks" in page and "Supervisor evaluation" in page
    assert "4.0 of 5" in page


def test_the_ranking_names_the_service_star(client, week, make_user):  # noqa: F811
    sign_in(client, make_user("dispatcher", locale="zh"))
    page = text(client.get("/kpis/ranking?month=2026-03"))
    assert "服务之星" in page
    assert "Li Lei" in page and "Han Meimei" in page


def test_the_tables_download_as_csv_and_xlsx(client, week, dispatcher):  # noqa: F811
    sign_in(client, dispatcher)
    response = client.get(f"/kpis/export.csv?{WEEK}")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "KPI"
    assert ["First-time-fix rate", "40.0%", "2 of 5"] == rows[[r[0] for r in rows].index(
        "First-time-fix rate")][:3]
    book = load_workbook(io.BytesIO(client.get(f"/kpis/export.xlsx?{WEEK}").data))
    sheet = [[c.value for c in row] for row in book.active.iter_rows()]
    assert sheet[1][:2] == ["Orders requested", "7"]
    ranking = load_workbook(io.BytesIO(client.get("/kpis/ranking.xlsx?month=2026-03").data))
    names = [row[1].value for row in ranking.active.iter_rows(min_row=2)]
    assert set(names) == {"Li Lei", "Han Meimei"}


@pytest.mark.parametrize("path", ["/kpis/", "/kpis/ranking", "/kpis/export.csv",
                                  "/kpis/groups.csv?group_by=region"])
def test_technicians_may_not_open_the_kpi_pages(client, technician, path):
    with client.session_transaction() as session:  # technicians cannot sign in to the console
        session["_user_id"] = str(technician.user.id)
        session["_fresh"] = True
        session["session_version"] = technician.user.session_version
    assert client.get(path).status_code == 403


# -- grouping on the page ----------------------------------------------------------------------

def _group_rows(page: str) -> dict[str, list[str]]:
    """The grouped table's body: {group label: [requested, value, count behind]}."""
    body = page.split('id="kpi-groups"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    out = {}
    for row in re.findall(r"<tr data-group.*?</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        out[cells[0]] = cells[1:]
    return out


def test_the_dashboard_breaks_a_kpi_down_by_technician_with_counts_and_drill_downs(
        client, week, dispatcher):  # noqa: F811
    sign_in(client, dispatcher)
    page = text(client.get(f"/kpis/?{WEEK}&group_by=technician&kpi=first_time_fix"))
    assert "First-time-fix rate by technician" in page
    # A, B, H by Li Lei (H fixed first time); C, I by Han Meimei (I fixed first time).
    assert _group_rows(page) == {"Han Meimei": ["2", "50.0%", "1 of 2"],
                                 "Li Lei": ["3", "33.3%", "1 of 3"]}
    # Each cell opens its orders: Li Lei's not fixed first time are A and B.
    row = page.split(f'data-group="{week["t1"].id}"', 1)[1].split("</tr>", 1)[0]
    link = re.search(r'href="([^"]*)" data-group-cell="value"', row).group(1)
    behind = text(client.get(link.replace("&amp;", "&")))
    assert set(re.findall(r"WO-\d{4}-\d{6}", behind)) == {week[n].number for n in "ab"}
    link = re.search(r'href="([^"]*)" data-group-cell="requested"', row).group(1)
    behind = text(client.get(link.replace("&amp;", "&")))
    assert set(re.findall(r"WO-\d{4}-\d{6}", behind)) == {week[n].number for n in "abh"}
    # The whole period stays beside the groups.
    assert "2 of 5" in page.split('data-group="all"', 1)[1].split("</tr>", 1)[0]


def test_the_dashboard_breaks_down_by_region_category_and_week(client, week, dispatcher
                                                               ):  # noqa: F811
    sign_in(client, dispatcher)
    by_region = _group_rows(text(client.get(f"/kpis/?{WEEK}&group_by=region&kpi=requested")))
    assert by_region == {"Shanghai": ["3", "3", ""], "Suzhou": ["2", "2", ""]}
    by_category = _group_rows(text(client.get(
        f"/kpis/?{WEEK}&group_by=category&kpi=requested")))
    assert by_category["Water heater"][0] == "1"  # I; a word, not the code
    assert sum(int(v[0]) for v in by_category.values()) == 7
    by_week = _group_rows(text(client.get(
        "/kpis/?from=2026-03-02&to=2026-03-15&group_by=week&kpi=requested")))
    assert list(by_week) == ["Mar 2, 2026", "Mar 9, 2026"]
    assert by_week["Mar 2, 2026"][0] == "7"


def test_the_grouped_table_reads_in_chinese_and_downloads(client, week, make_user
                                                          ):  # noqa: F811
    sign_in(client, make_user("dispatcher", locale="zh"))
    page = text(client.get(f"/kpis/?{WEEK}&group_by=category&kpi=first_time_fix"))
    assert "按产品类别：首次修复率" in page and "热水器" in page
    assert "热水器" in _group_rows(page) and "water_heater" not in _group_rows(page)
    csv_ = client.get(f"/kpis/groups.csv?{WEEK}&group_by=technician&kpi=first_time_fix")
    rows = list(csv.reader(io.StringIO(csv_.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["技师", "服务单数", "首次修复率", rows[0][3]]
    assert rows[2][:3] == ["Li Lei", "3", "33.3%"] and rows[2][3]
    book = load_workbook(io.BytesIO(client.get(
        f"/kpis/groups.xlsx?{WEEK}&group_by=region&kpi=requested").data))
    sheet = [[c.value for c in row] for row in book.active.iter_rows()]
    assert [r[:2] for r in sheet[1:]] == [["Shanghai", 3], ["Suzhou", 2]]


@pytest.mark.parametrize("query, field", [(f"{WEEK}&group_by=city", "group_by"),
                                          (f"{WEEK}&group_by=region&kpi=bogus", "kpi")])
def test_bad_grouping_is_a_400_naming_the_field(client, dispatcher, query, field):
    sign_in(client, dispatcher)
    for path in ("/kpis/", "/kpis/groups.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400 and f"{field}:" in text(response)


# -- trends on the scorecard -------------------------------------------------------------------

@pytest.mark.parametrize("lang, company", [("en", "Whole company"), ("zh", "全公司")])
def test_the_scorecard_trends_week_by_week_beside_the_company(client, week, make_user, lang,
                                                              company):  # noqa: F811
    import json

    sign_in(client, make_user("dispatcher", locale=lang))
    page = text(client.get(f"/kpis/technicians/{week['t1'].id}?from=2026-03-02&to=2026-03-15"))
    trend = json.loads(re.search(r'<script type="application/json" id="kpi-trend">(.*?)'
                                 r"</script>", page, re.S).group(1))
    assert trend["labels"] == ["2026-03-02", "2026-03-09"]
    assert trend["series"] == {"own": "Li Lei", "company": company}
    # Li Lei: A, B, H requested in the first week, E's week is before; the company: 7 then 1.
    assert trend["lines"]["requested"]["values"] == [3, 0]
    assert trend["lines"]["requested"]["company"] == [7, 1]
    assert trend["lines"]["first_time_fix"]["company"][0] == 40.0
    # The table beside each chart holds both figures, for those who cannot see the chart.
    table = page.split('id="kpi-requested"', 1)[1].split("</table>", 1)[0]
    assert f'<th scope="col">{company}</th>' in table and "Li Lei" in table
    assert re.findall(r"<td data-company>([^<]*)</td>", table) == ["7", "1"]
    assert 'class="kpi-chart kpi-compared" data-line="first_time_fix"' in page
    assert "/kpis/vendor/echarts.min.js" in page and "kpis.js" in page
