"""The board on a laptop (1366×768): every hour at least 60 px wide, the lanes scrolling
sideways, every job card readable, jobs before and after working hours drawn where they
are, and a booking shown as booked. Screenshots go to /tmp/board-1366*.png.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from server.workorders import service as orders
from tests import factories
from tests.e2e.console_helpers import next_working_day

pytestmark = [pytest.mark.live, pytest.mark.browser]

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAPTOP = {"width": 1366, "height": 768}



def book(office, technician, day: date, start: str, minutes: int, customer: str):
    order = factories.make_order(actor=office, customer=factories.make_customer(name=customer),
                                 description="Outdoor unit rattles at start-up")
    begin = datetime.combine(day, datetime.strptime(start, "%H:%M").time(), SHANGHAI)
    orders.update_order(office, order, {"assignee_id": technician.id,
                                        "appointment_start": begin,
                                        "appointment_end": begin + timedelta(minutes=minutes)})
    orders.transition(office, order, "scheduled", reason="booked")
    return order.number


@pytest.fixture
def busy_day(committed):
    day = next_working_day()

    def build():
        office = factories.make_user("dispatcher", name="Chen Jing")
        li = factories.make_technician(name="李师傅")
        wang = factories.make_technician(name="王师傅")
        factories.make_technician(name="张师傅", skills=("water_heater", "repair"))
        numbers = {
            "early": book(office, li, day, "06:00", 60, "Amelia Hughes"),
            "short": book(office, li, day, "10:00", 45, "王秀英"),
            "morning": book(office, wang, day, "08:30", 90, "Samuel Adeyemi"),
            "late": book(office, wang, day, "21:30", 60, "陈静"),
        }
        waiting = factories.make_order(actor=office, customer=factories.make_customer(name="赵丽"),
                                       description="Not cooling at all")
        return {"email": office.email, "numbers": numbers, "waiting": waiting.number}

    return {"day": day, **committed(build)}


def sign_in(page, live_server, email, then):
    page.goto(f"{live_server}/login?next={then}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_board_is_readable_on_a_laptop(live_server, browser, busy_day, committed):
    context = browser.new_context(locale="en-US", viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    try:
        day = busy_day["day"].isoformat()
        sign_in(page, live_server, busy_day["email"], f"/board?day={day}")
        expect(page.locator(".lane .job")).to_have_count(4)
        page.screenshot(path="/tmp/board-1366.png")

        # At least 60 px per hour, the lanes scrolling sideways to make room.
        labels = page.locator(".ruler .hour-label")
        xs = [labels.nth(i).bounding_box()["x"] for i in range(labels.count())]
        assert min(b - a for a, b in zip(xs, xs[1:])) >= 60
        lanes = page.locator(".lanes")
        assert lanes.evaluate("el => el.scrollWidth > el.clientWidth")

        # Every job card shows its time whole and enough of the customer to recognise.
        for card in page.locator(".lane .job").all():
            card.scroll_into_view_if_needed()
            sizes = card.evaluate("""el => [...el.querySelectorAll('.job-link span')].map(
                s => ({cls: s.className, text: s.textContent, client: s.clientWidth,
                       scroll: s.scrollWidth}))""")
            for span in sizes:
                if span["cls"] == "job-time":
                    assert span["client"] >= span["scroll"], span
                else:
                    shown = len(span["text"]) * min(1, span["client"] / max(span["scroll"], 1))
                    assert shown >= min(4, len(span["text"])), span
        page.screenshot(path="/tmp/board-1366-scrolled.png")

        # Jobs outside working hours are where they belong, not squashed at an edge.
        hours = [t.strip() for t in labels.all_text_contents()]
        assert "06" in hours and "22" in hours
        early = page.locator(".job", has_text="Amelia Hughes")
        late = page.locator(".job", has_text="陈静")
        def hour_x(hour: str) -> float:
            box = labels.nth(hours.index(hour)).bounding_box()
            return box["x"] + box["width"] / 2

        early.scroll_into_view_if_needed()
        assert abs(early.bounding_box()["x"] - hour_x("06")) <= 2
        late.scroll_into_view_if_needed()
        half_past = (hour_x("21") + hour_x("22")) / 2
        assert abs(late.bounding_box()["x"] - half_past) <= 2
        track = page.locator(".lane .lane-track").first.bounding_box()
        assert late.bounding_box()["x"] + late.bounding_box()["width"] < track["x"] + track["width"]

        # After booking, the panel shows the booking instead of offering "Book" again.
        page.locator(".queue .card-item", has_text=busy_day["waiting"]).locator("a").click()
        panel = page.locator("#panel")
        expect(panel.locator("[data-suggestion='1']")).to_be_visible()
        panel.locator("[data-suggestion='1']").click()
        expect(page.locator("#panel [data-booked]")).to_contain_text("Booked with")
        expect(page.locator("#panel [data-suggestion]")).to_have_count(0)
        expect(page.locator(".lane .job")).to_have_count(5)
        page.screenshot(path="/tmp/board-1366-booked.png")

        # The 15 s refresh keeps the ticked card and the sideways scroll, without errors.
        card = page.locator(".job", has_text="Samuel Adeyemi")
        card.hover()
        card.locator("input[name=sel]").check()
        lanes.evaluate("el => { el.scrollLeft = 200; }")
        # Someone else takes a call meanwhile: the refresh has something to redraw.
        committed(lambda: factories.make_order(customer=factories.make_customer(name="高峰")))
        with page.expect_response(lambda r: "/board/live" in r.url and r.status == 200,
                                  timeout=45_000):
            pass
        expect(page.locator(".queue")).to_contain_text("高峰")
        expect(page.locator(".job", has_text="Samuel Adeyemi").locator("input[name=sel]")
               ).to_be_checked()
        # The scroll is put back once the swap has settled (htmx:afterSettle).
        for _ in range(50):
            if lanes.evaluate("el => el.scrollLeft") == 200:
                break
            page.wait_for_timeout(100)
        assert lanes.evaluate("el => el.scrollLeft") == 200
        assert problems == []
    finally:
        context.close()


def test_suggested_technicians_names_are_whole_on_a_laptop(live_server, browser, committed):
    """At 1366 px the panel's suggestions read "1 Jam… 76 Book 18:45–20:15": the Book
    button took the name's room. The dispatcher must read whom they are booking."""
    day = next_working_day()

    def build():
        office = factories.make_user("dispatcher", name="Sarah Mitchell")
        factories.make_technician(name="James Wilson")
        factories.make_technician(name="Priya Patel")
        waiting = factories.make_order(actor=office, customer=factories.make_customer(
            name="Isabel Fernandes"), description="Loud humming, audible from the bedroom")
        return {"email": office.email, "waiting": waiting.number}

    built = committed(build)
    context = browser.new_context(locale="en-US", viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, built["email"], f"/board?day={day.isoformat()}")
        page.locator(".queue .card-item", has_text=built["waiting"]).locator("a").click()
        panel = page.locator("#panel")
        expect(panel.locator("[data-suggestion='1']")).to_be_visible()
        page.screenshot(path="/tmp/board-1366-suggestions.png")
        names = panel.locator(".suggestion .name")
        assert sorted(names.all_text_contents()) == ["James Wilson", "Priya Patel"]
        for name in names.all():
            size = name.evaluate("el => [el.clientWidth, el.scrollWidth]")
            assert size[0] >= size[1], (name.text_content(), size)
    finally:
        context.close()
