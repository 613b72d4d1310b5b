"""The dispatcher console: signing in, the order list and its filters, the order page, and
the two languages it speaks (English and Simplified Chinese).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.workorders import service as orders
from tests.factories import PASSWORD

ZH_PO = Path(__file__).resolve().parents[2] / "server/translations/zh/LC_MESSAGES/messages.po"


def sign_in(client, user, password=PASSWORD, **kwargs):
    return client.post("/login", data={"email": user.email, "password": password}, **kwargs)


def text(response) -> str:
    return response.get_data(as_text=True)


def listed_numbers(response) -> set[str]:
    """Order numbers in the list's table (the filters also name technicians, not orders)."""
    body = text(response).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return set(re.findall(r"WO-\d{4}-\d{6}", body))


@pytest.fixture
def office(client, dispatcher):
    """The client, signed in as a dispatcher."""
    assert sign_in(client, dispatcher).status_code == 302
    return client


# --- signing in ---------------------------------------------------------------------------

def test_the_login_page_shows_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="email"' in text(response) and 'name="password"' in text(response)


def test_a_dispatcher_signs_in_and_lands_on_the_order_list(client, dispatcher):
    response = sign_in(client, dispatcher)
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders"
    page = client.get("/orders")
    assert page.status_code == 200
    assert "Work orders" in text(page) and dispatcher.name in text(page)


def test_an_admin_may_use_the_console_too(client, admin):
    assert sign_in(client, admin).status_code == 302
    assert client.get("/orders").status_code == 200


def test_signing_in_returns_to_the_page_asked_for(client, dispatcher):
    response = sign_in(client, dispatcher, query_string={"next": "/orders?priority=high"})
    assert response.headers["Location"] == "/orders?priority=high"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example/", "/\t/evil.example/"])
def test_signing_in_never_redirects_to_another_site(client, dispatcher, target):
    response = sign_in(client, dispatcher, query_string={"next": target})
    assert response.headers["Location"] == "/orders"


def test_a_wrong_password_is_refused_with_an_error(client, dispatcher):
    response = sign_in(client, dispatcher, password="not the password")
    assert response.status_code == 422
    assert "Wrong e-mail or password." in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert client.get("/orders").status_code == 302


def test_an_unknown_e_mail_gets_the_same_error_as_a_wrong_password(client):
    response = client.post("/login", data={"email": "nobody@example.test", "password": "x"})
    assert response.status_code == 422
    assert "Wrong e-mail or password." in text(response)


def test_empty_fields_are_refused_field_by_field(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert text(response).count('role="alert"') == 2


def test_a_technician_cannot_sign_in_to_the_console(client, technician):
    response = sign_in(client, technician.user)
    assert response.status_code == 422
    assert "technicians use the app" in text(response)
    assert client.get("/orders").headers["Location"].startswith("/login")


def test_a_deactivated_user_cannot_sign_in(client, dispatcher):
    dispatcher.active = False
    assert sign_in(client, dispatcher).status_code == 422


def test_signing_out_ends_the_session(office):
    assert office.post("/logout").status_code == 302
    assert office.get("/orders").status_code == 302


def test_a_post_without_csrf_token_is_refused(app, client, dispatcher, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = sign_in(client, dispatcher)
    assert response.status_code == 400
    assert "CSRF" in text(response)
    assert client.post("/language/zh").status_code == 400


def test_a_post_with_the_form_csrf_token_is_accepted(app, client, dispatcher, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      text(client.get("/login"))).group(1)
    response = client.post("/login", data={"email": dispatcher.email, "password": PASSWORD,
                                            "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/", "/orders", "/orders?status=new",
                                  "/orders/00000000-0000-4000-8000-000000000000"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path, follow_redirects=False)
    if path == "/":
        response = client.get(response.headers["Location"])
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# --- the order list -----------------------------------------------------------------------

def test_the_list_shows_every_order_newest_first(office, make_order):
    first, second = make_order(), make_order()
    page = office.get("/orders")
    body = text(page)
    assert listed_numbers(page) == {first.number, second.number}
    assert body.index(second.number) < body.index(first.number)
    assert "2 orders" in body


def test_the_list_filters_by_status(office, make_order):
    new = make_order(status="new")
    scheduled = make_order(status="scheduled")
    on_site = make_order(status="on_site")
    assert listed_numbers(office.get("/orders?status=scheduled")) == {scheduled.number}
    both = office.get("/orders", query_string=[("status", "new"), ("status", "on_site")])
    assert listed_numbers(both) == {new.number, on_site.number}
    assert listed_numbers(office.get("/orders?status=")) == {
        new.number, scheduled.number, on_site.number}


def test_the_selected_status_stays_selected(office, make_order):
    make_order(status="scheduled")
    body = text(office.get("/orders?status=scheduled"))
    assert '<option value="scheduled" selected>' in body


def test_the_list_filters_by_priority(office, make_order):
    urgent = make_order(priority="emergency")
    make_order(priority="low")
    assert listed_numbers(office.get("/orders?priority=emergency")) == {urgent.number}


def test_the_list_filters_by_technician(office, make_order, make_technician):
    li, zhang = make_technician(name="李师傅"), make_technician(name="张师傅")
    mine = make_order(status="scheduled", assignee=li)
    make_order(status="scheduled", assignee=zhang)
    make_order()
    page = office.get(f"/orders?technician_id={li.id}")
    assert listed_numbers(page) == {mine.number}
    assert f'<option value="{li.id}" selected>' in text(page)


def test_the_list_filters_by_appointment_day_in_the_company_time_zone(office, make_order):
    def booked(start):
        return make_order(appointment_start=start, appointment_end=start + timedelta(hours=2))

    morning = booked(datetime(2030, 3, 10, 2, 0, tzinfo=UTC))    # 10:00 on 10 March, Shanghai
    late = booked(datetime(2030, 3, 10, 17, 30, tzinfo=UTC))     # 01:30 on 11 March, Shanghai
    later = booked(datetime(2030, 3, 20, 2, 0, tzinfo=UTC))
    assert listed_numbers(office.get("/orders?date_from=2030-03-10&date_to=2030-03-10")) \
        == {morning.number}
    assert listed_numbers(office.get("/orders?date_from=2030-03-11")) == {late.number,
                                                                          later.number}
    assert listed_numbers(office.get("/orders?date_to=2030-03-11")) >= {morning.number,
                                                                        late.number}


def test_filters_combine(office, make_order, make_technician):
    tech = make_technician()
    wanted = make_order(status="scheduled", priority="high", assignee=tech)
    make_order(status="scheduled", priority="low", assignee=tech)
    make_order(status="new", priority="high")
    page = office.get(f"/orders?status=scheduled&priority=high&technician_id={tech.id}")
    assert listed_numbers(page) == {wanted.number}


def test_an_invalid_filter_is_explained_not_crashed_on(office, make_order):
    make_order()
    page = office.get("/orders?status=bogus&date_from=yesterday")
    assert page.status_code == 200
    assert 'role="alert"' in text(page)
    assert "status" in text(page) and "date_from" in text(page)


def test_no_match_says_so(office, make_order):
    make_order(priority="low")
    assert "No work orders match these filters." in text(office.get("/orders?priority=high"))


def test_the_list_pages_through_many_orders(office, make_order):
    made = [make_order() for _ in range(3)]
    first = office.get("/orders?per_page=2&priority=normal")
    assert first.status_code == 200
    assert "Page 1 of 2" in text(first)
    assert "page=2" in text(first) and "priority=normal" in text(first)
    second = office.get("/orders?per_page=2&page=2&priority=normal")
    assert second.status_code == 200
    assert "Previous" in text(second)
    assert listed_numbers(first) | listed_numbers(second) == {o.number for o in made}


# --- the order page -----------------------------------------------------------------------

@pytest.fixture
def visited(dispatcher, make_customer, make_asset, make_order, make_technician):
    """An order on site at an elderly customer's, its appliance in warranty."""
    customer = make_customer(name="王秀英", phone="+86 138 1234 5678")
    asset = make_asset(customer, warranty_days=200)
    tech = make_technician(name="李师傅")
    return make_order(dispatcher, customer=customer, asset=asset, assignee=tech,
                      status="on_site")


def test_the_order_page_shows_customer_and_appliance(office, visited):
    page = office.get(f"/orders/{visited.id}")
    body = text(page)
    assert page.status_code == 200
    assert visited.number in body
    assert "王秀英" in body and "+86 138 1234 5678" in body and "徐汇区" in body
    assert "老人在家，只约上午" in body
    assert "Gree KFR-35GW" in body and visited.asset.serial in body
    assert "李师傅" in body


def test_the_order_page_shows_the_warranty_status(office, visited, make_customer,
                                                  make_asset, make_order):
    assert 'class="warranty warranty-in_warranty"' in text(office.get(f"/orders/{visited.id}"))
    customer = make_customer()
    expired = make_order(customer=customer, asset=make_asset(customer, warranty_days=-30))
    assert 'class="warranty warranty-out_of_warranty"' in text(
        office.get(f"/orders/{expired.id}"))


def test_the_order_page_shows_the_history_timeline(office, visited):
    body = text(office.get(f"/orders/{visited.id}"))
    timeline = body.split('<ol class="timeline history">', 1)[1].split("</ol>", 1)[0]
    # One row per event, but an appointment's start and end read as one change.
    assert timeline.count("<li") == len(orders.history(visited)) - 1
    assert timeline.count("Appointment set to") == 1
    assert 'class="event event-created"' in timeline
    assert 'class="event event-assigned"' in timeline
    for step in ("New → Scheduled", "Scheduled → On the way", "On the way → On site"):
        assert step in timeline
    assert "李师傅" in timeline and "test step" in timeline
    assert timeline.index("event-created") < timeline.index("On the way → On site")


def test_the_order_page_lists_previous_visits_to_the_same_appliance(office, visited,
                                                                    make_order):
    again = make_order(customer=visited.customer, asset=visited.asset)
    body = text(office.get(f"/orders/{again.id}"))
    assert "Previous visits" in body and visited.number in body


def test_an_unknown_order_is_not_found(office):
    page = office.get(f"/orders/{uuid.uuid4()}")
    assert page.status_code == 404
    assert "No such work order." in text(page)


# --- languages ----------------------------------------------------------------------------

def test_lang_zh_renders_the_list_in_chinese(office, make_order):
    make_order(status="scheduled", priority="emergency")
    body = text(office.get("/orders?lang=zh"))
    assert '<html lang="zh-Hans">' in body
    assert "工单" in body and "优先级" in body and "共 1 个工单" in body
    assert ">已预约<" in body and ">紧急<" in body and ">维修<" in body
    assert "Work orders" not in body


def test_lang_zh_renders_the_order_page_in_chinese(office, visited):
    body = text(office.get(f"/orders/{visited.id}?lang=zh"))
    for words in ("客户", "产品信息", "保修期内", "处理记录", "创建工单", "派单",
                  "新建 → 已预约", "在途 → 已到场", "空调", "已到场"):
        assert words in body, words


def test_the_language_chosen_by_lang_is_remembered(office):
    office.get("/orders?lang=zh")
    with office.session_transaction() as session:
        assert session["lang"] == "zh"
    assert "工单" in text(office.get("/orders"))
    assert "Work orders" in text(office.get("/orders?lang=en"))
    assert "Work orders" in text(office.get("/orders"))


def test_posting_a_language_switches_and_persists_it(office):
    response = office.post("/language/zh", data={"next": "/orders?priority=high"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders?priority=high"
    with office.session_transaction() as session:
        assert session["lang"] == "zh"
    assert "工单" in text(office.get("/orders"))
    office.post("/language/en", data={"next": "/orders"})
    assert "Work orders" in text(office.get("/orders"))


def test_switching_language_drops_a_lang_left_in_the_address(office):
    office.get("/orders?lang=en")
    response = office.post("/language/zh", data={"next": "/orders?lang=en&priority=low"})
    assert response.headers["Location"] == "/orders?priority=low"
    assert "工单" in text(office.get(response.headers["Location"]))


def test_an_unknown_language_is_ignored(office):
    office.post("/language/fr", data={"next": "/orders"})
    with office.session_transaction() as session:
        assert "lang" not in session
    assert "Work orders" in text(office.get("/orders"))


def test_switching_language_never_redirects_off_site(office):
    response = office.post("/language/zh", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/orders"


def test_the_login_page_speaks_chinese_before_anyone_signs_in(client):
    body = text(client.get("/login?lang=zh"))
    assert "登录调度台" in body and "邮箱" in body and "密码" in body


def test_the_browser_language_is_used_when_nothing_was_chosen(client):
    body = text(client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert "登录调度台" in body


def test_a_user_s_own_language_is_used_after_signing_in(client, make_user):
    user = make_user("dispatcher", locale="zh")
    sign_in(client, user)
    assert "工单" in text(client.get("/orders"))


def test_errors_are_shown_in_chinese(client, technician):
    body = text(sign_in(client, technician.user, query_string={"lang": "zh"}))
    assert "调度台仅供客服和调度人员使用" in body
    body = text(client.post("/login?lang=zh",
                            data={"email": "x@example.test", "password": "x"}))
    assert "邮箱或密码错误。" in body


@pytest.fixture
def billed(dispatcher, make_customer, make_asset, make_order):
    """An out-of-warranty order with an appointment at 10:00 Shanghai time and a charge."""
    customer = make_customer()
    start = datetime(2030, 3, 10, 2, 0, tzinfo=UTC)
    order = make_order(dispatcher, customer=customer,
                       asset=make_asset(customer, warranty_days=-30),
                       appointment_start=start, appointment_end=start + timedelta(hours=2))
    orders.update_order(dispatcher, order, {"labour_cents": 9_000_000, "travel_cents": 876_543})
    return order


def charged(order) -> str:
    """The order's total as digits with thousands separators, e.g. 98,765.43."""
    return f"{(order.parts_cents + order.labour_cents + order.travel_cents) / 100:,.2f}"


def test_dates_and_money_follow_english_conventions(office, billed):
    body = text(office.get(f"/orders/{billed.id}?lang=en"))
    # Stored in UTC, shown in Shanghai time, one way everywhere: no seconds, no AM/PM.
    assert "Sun, Mar 10, 2030 10:00–12:00" in body
    assert "10:00:00" not in body
    assert charged(billed).startswith("98,7")
    assert f"CN¥{charged(billed)}" in body
    assert ">Out of warranty<" in body


def test_dates_and_money_follow_chinese_conventions(office, billed):
    body = text(office.get(f"/orders/{billed.id}?lang=zh"))
    assert "2030年3月10日周日 10:00–12:00" in body
    assert "10:00:00" not in body
    assert f"¥{charged(billed)}" in body and "CN¥" not in body
    assert "已过保" in body


def test_the_list_dates_follow_the_language(office, make_order):
    start = datetime(2030, 3, 10, 2, 0, tzinfo=UTC)
    make_order(appointment_start=start, appointment_end=start + timedelta(hours=2))
    assert "Sun, Mar 10, 2030 10:00" in text(office.get("/orders?lang=en"))
    assert "2030年3月10日周日 10:00" in text(office.get("/orders?lang=zh"))
