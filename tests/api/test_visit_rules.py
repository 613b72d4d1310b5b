"""After the signature, the rules: charges agree everywhere, ``signed`` means a customer
signed, reports render as soon as the last piece arrives (issue 9)."""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.reports.content import signed_content
from server.workorders.charges import order_charges
from server.workorders.models import WorkOrder
from tests.api.test_reports import (  # noqa: F401 — fixtures used by these tests
    zh_labels,
    _signing_key_outside_the_instance_folder,
    do_the_work,
    pdf_of,
    pdftotext,
    report_of,
    signing_dir,
    visit_for,
)

# -- charges agree everywhere -----------------------------------------------------------------


def fresh(order) -> WorkOrder:
    db.session.expire_all()
    return db.session.get(WorkOrder, order.id)


def test_use_two_return_one_charges_one_on_the_order_the_api_the_signed_content_and_the_pdf(
        visit_for, api_as, dispatcher, tmp_path):
    visit = do_the_work(visit_for("en"))  # capacitor (45.00) ×2, motor (128.00) ×1, capacitor −1
    capacitor, motor = visit.parts
    order = fresh(visit.order)
    parts_cents = 4500 + 12800

    assert order.parts_cents == parts_cents
    charges = order_charges(order)
    assert charges.parts_cents == parts_cents
    assert [(p.sku, p.quantity, p.total_cents) for p in charges.parts] == sorted(
        [(capacitor.sku, 1, 4500), (motor.sku, 1, 12800)])
    assert charges.total_cents == parts_cents + order.labour_cents + order.travel_cents

    body = api_as(dispatcher).get(f"/api/v1/workorders/{order.id}").get_json()
    assert body["parts_cents"] == parts_cents

    content = signed_content(order)
    assert content["charges"]["parts_cents"] == parts_cents
    assert content["charges"]["total_cents"] == charges.total_cents
    assert {p["sku"]: p["quantity"] for p in content["parts"]} == {capacitor.sku: 1,
                                                                  motor.sku: 1}

    phone = visit.phone.pull() and visit.phone.rows("work_order")[str(order.id)]
    assert phone["parts_cents"] == parts_cents

    visit.sign("Alice Smith")
    assert report_of(visit).status == "ready", report_of(visit).failure_reason
    text = pdftotext(tmp_path, pdf_of(visit))
    parts_line = next(line for line in text.splitlines() if line.strip().startswith("Parts "))
    assert "173.00" in parts_line, parts_line
    total_line = next(line for line in text.splitlines() if line.strip().startswith("Total"))
    assert f"{charges.total_cents // 100:,}.{charges.total_cents % 100:02d}" in total_line


def test_in_warranty_nothing_is_charged_but_the_parts_are_listed(visit_for):
    visit = do_the_work(visit_for("en", warranty_days=200))
    order = fresh(visit.order)
    charges = order_charges(order)
    assert charges.in_warranty and charges.total_cents == 0 and order.parts_cents == 0
    assert [p.quantity for p in charges.parts] == [1, 1]
    assert signed_content(order)["charges"] == charges.as_content()


def test_lines_pushed_in_one_batch_are_all_counted(visit_for):
    """A return in the same push as its use: the order's loaded lines must not go stale."""
    from tests.sync.phone import new_id

    visit = visit_for("en")
    capacitor, _ = visit.parts
    visit.decide_quote(((capacitor, 3),))  # out of warranty: approved before the work
    for name, quantity in (("use_part", 3), ("return_part", 1), ("return_part", 1)):
        visit.phone.queue(name, {"order_id": visit.order_id, "line_id": new_id(),
                                 "part_id": str(capacitor.id), "quantity": quantity,
                                 "device_time": visit.phone.now()})
    results = visit.phone.push().get_json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3
    assert fresh(visit.order).parts_cents == 4500


# -- `signed` means a customer signed: every door ----------------------------------------------

@pytest.fixture
def completed(make_order, dispatcher, technician):
    return make_order(actor=dispatcher, status="completed", assignee=technician)


def report_status(api, order) -> str:
    return api.get(f"/api/v1/workorders/{order.id}/report").get_json()["status"]


@pytest.mark.parametrize("who", ["technician", "dispatcher", "admin"])
def test_the_rest_transitions_endpoint_refuses_signed_without_a_signature(
        completed, api_as, who, technician, dispatcher, admin):
    actor = {"technician": technician.user, "dispatcher": dispatcher, "admin": admin}[who]
    api = api_as(actor)
    response = api.post(f"/api/v1/workorders/{completed.id}/transitions", json={"to": "signed"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["reason"] == "missing_signature" and "to" in body["errors"]
    assert fresh(completed).status == "completed"
    assert report_status(api, completed) == "not_signed"
    # …nor closed, with or without a reason: an order closes only after the customer signed.
    for body in ({"to": "closed"}, {"to": "closed", "reason": "Customer not at home"}):
        closed = api_as(dispatcher).post(f"/api/v1/workorders/{completed.id}/transitions",
                                         json=body)
        assert closed.status_code == 409 and closed.get_json()["reason"] == "not_allowed"
    assert fresh(completed).status == "completed"


def test_the_console_and_any_office_caller_are_held_by_the_same_service_door(
        completed, dispatcher, admin):
    """The console's actions and CLI commands move orders through
    ``workorders.service.transition``; it looks the signature up itself."""
    from server.errors import Conflict
    from server.workorders import lifecycle
    from server.workorders import service as orders

    for actor in (dispatcher, admin):
        with pytest.raises(Conflict) as refused:
            orders.transition(actor, completed, "signed")
        assert refused.value.code == "missing_signature"
        assert lifecycle.Status.SIGNED not in lifecycle.allowed_targets(
            completed.status, actor.role, signed=orders.has_customer_signature(completed))
    assert fresh(completed).status == "completed"


def test_a_sync_transition_to_signed_without_a_signature_is_rejected(visit_for, api_as,
                                                                      dispatcher):
    visit = do_the_work(visit_for("en"))
    visit.phone.queue("transition", {"order_id": visit.order_id, "to": "signed",
                                     "device_time": visit.phone.now()})
    result = visit.phone.push().get_json()["results"][-1]
    assert result["status"] == "rejected" and result["reason"] == "missing_signature"
    assert fresh(visit.order).status == "completed"
    assert report_status(api_as(dispatcher), visit.order) == "not_signed"


def test_capturing_the_signature_signs_the_order_and_the_report_is_made(visit_for):
    visit = do_the_work(visit_for("en"))
    visit.sign("Alice Smith")
    assert fresh(visit.order).status == "signed"
    assert report_of(visit).status == "ready"


def test_a_signature_captured_before_the_completion_arrives_signs_it_on_completion(visit_for):
    """The phone's outbox can carry the signature first (e.g. a completion retried later)."""
    visit = visit_for("en")
    visit.work("Capacitor failed", "Replaced the capacitor")
    visit.sign("Alice Smith")
    assert fresh(visit.order).status == "on_site"
    visit.complete(rating=None)
    assert fresh(visit.order).status == "signed"


def test_the_signature_of_an_earlier_visit_does_not_sign_a_reopened_order(
        make_order, dispatcher, technician):
    from server.errors import Conflict
    from server.workorders import service as orders
    from tests.factories import walk_to

    order = make_order(actor=dispatcher, status="reopened", assignee=technician)
    assert orders.has_customer_signature(order) is False
    walk_to(order, "scheduled", dispatcher, technician)
    for step in ("en_route", "on_site", "completed"):
        orders.transition(technician.user, order, step)
    with pytest.raises(Conflict) as refused:
        orders.transition(technician.user, order, "signed")
    assert refused.value.code == "missing_signature"


# -- reports render as soon as the last piece arrives -------------------------------------------

def test_the_signature_image_arriving_after_the_signature_renders_the_report(visit_for,
                                                                              api_as,
                                                                              dispatcher):
    from tests.report_scenario import signature_png

    visit = do_the_work(visit_for("en"))
    visit.sign("Alice Smith", upload_image=False)
    assert report_of(visit).failure_reason == "Waiting for the signature image to upload."

    assert visit.upload(signature_png("Alice Smith"), "image/png").status_code == 200

    assert report_of(visit).status == "ready"
    body = api_as(dispatcher).get(f"/api/v1/workorders/{visit.order.id}/report").get_json()
    assert body["status"] == "ready" and body["customer_url"]


def test_the_last_photo_and_then_the_signature_image_arriving_renders_once_both_are_in(
        visit_for):
    from tests.report_scenario import signature_png

    visit = do_the_work(visit_for("en"), upload=False)
    visit.sign("Alice Smith", upload_image=False)
    assert report_of(visit).failure_reason == (
        "Waiting for 4 photos to upload, the signature image to upload.")
    for data in visit.photos:
        assert visit.upload(data).status_code == 200
    assert report_of(visit).failure_reason == "Waiting for the signature image to upload."
    assert visit.upload(signature_png("Alice Smith"), "image/png").status_code == 200
    assert report_of(visit).status == "ready"


def test_a_signature_image_that_is_refused_on_arrival_fails_the_report_visibly(visit_for):
    from tests.report_scenario import phone_content, phone_hash, sha
    from tests.sync.phone import new_id

    visit = do_the_work(visit_for("en"))
    broken = b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10
    visit.phone.pull()
    visit.push("capture_signature", signature_id=new_id(), signer_name="Alice Smith",
               image_sha256=sha(broken),
               content_hash=phone_hash(phone_content(visit.phone, visit.order_id)),
               device_time=visit.phone.now())
    assert report_of(visit).status == "waiting"
    assert visit.upload(broken, "image/png").status_code == 422
    report = report_of(visit)
    assert report.status == "failed" and "signature image was refused" in report.failure_reason


# -- the report's details ----------------------------------------------------------------------

LONG_SKU = "GREE-KFR-35GW-NHGD1B-CAPACITOR-450V-35UF"
LONG_NAME_ZH = "压缩机启动电容器（450V 35μF，防爆型，含安装支架及接线端子）"


def words_with_boxes(tmp_path, data: bytes) -> list[tuple[str, float, float, float]]:
    """(word, x min, x max, y min) of every word on the first page, as poppler reads it."""
    import re
    import subprocess

    path = tmp_path / "boxes.pdf"
    path.write_bytes(data)
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
                          capture_output=True, text=True, timeout=60).stdout
    return [(word, float(x1), float(x2), float(y1)) for x1, y1, x2, _, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]


@pytest.fixture
def chinese_visit(visit_for, zh_labels):
    visit = visit_for("zh")
    capacitor, _ = visit.parts
    capacitor.sku, capacitor.name_zh = LONG_SKU, LONG_NAME_ZH
    db.session.commit()
    return visit


def test_a_long_part_number_wraps_in_its_own_column_beside_a_long_cjk_name(chinese_visit,
                                                                           tmp_path):
    visit = do_the_work(chinese_visit)
    visit.sign("王秀英")
    words = words_with_boxes(tmp_path, pdf_of(visit))
    header = next(w for w in words if w[0] == "配件编号")
    table = [w for w in words if header[3] < w[3] < header[3] + 80]
    sku = [w for w in table if len(w[0]) > 1 and w[0] in LONG_SKU]
    name = [w for w in table if len(w[0]) > 1 and w[0] in LONG_NAME_ZH]
    assert "".join(w[0] for w in sku).replace("-", "") == LONG_SKU.replace("-", "")
    assert len({w[3] for w in sku}) > 1, "the part number wraps onto more lines"
    assert len({w[3] for w in name}) > 1, "the name wraps onto more lines"
    assert max(w[2] for w in sku) < min(w[1] for w in name), "part number runs into name"


def visit_of(order, language="en") -> dict:
    from flask_babel import force_locale

    from server.reports.render import _visit

    with force_locale(language):
        return _visit(order, language)


def test_the_visit_runs_from_arrival_to_completion_in_the_company_time_zone(visit_for):
    from datetime import UTC, datetime

    visit = visit_for("en")  # arrived "now" on the phone's clock
    visit.work("Capacitor failed", "Replaced the capacitor")
    order = fresh(visit.order)
    arrival = next(e for e in order.events if e.to_status == "on_site")
    arrival.device_time = datetime(2026, 3, 2, 1, 5, tzinfo=UTC)  # 09:05 in Shanghai
    visit.push("transition", to="completed", device_time="2026-03-02T01:52:30+00:00")
    page = visit_of(fresh(visit.order))
    assert (page["date"], page["from"], page["to"]) == ("Mar 2, 2026", "09:05", "09:52")
    assert page["duration"] == "48 min"


def test_a_visit_of_seconds_is_one_started_minute_never_zero(visit_for):
    visit = visit_for("en")
    visit.work("Capacitor failed", "Replaced the capacitor")
    visit.complete(rating=None)
    assert visit_of(fresh(visit.order))["duration"] == "1 min"
    assert visit_of(fresh(visit.order), "zh")["duration"] == "1 分钟"


def test_a_second_visit_counts_from_its_own_arrival(visit_for):
    from datetime import UTC, datetime, timedelta
    visit = visit_for("en")
    day_one = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    visit.push("transition", to="awaiting_parts", reason="No capacitor on the van",
               device_time=(day_one + timedelta(minutes=20)).isoformat())
    visit.push("transition", to="en_route", device_time=(day_one + timedelta(days=2)).isoformat())
    visit.push("transition", to="on_site",
               device_time=(day_one + timedelta(days=2, minutes=30)).isoformat())
    visit.work("Capacitor failed", "Replaced the capacitor")
    visit.push("transition", to="completed",
               device_time=(day_one + timedelta(days=2, minutes=75)).isoformat())
    page = visit_of(fresh(visit.order))
    assert (page["date"], page["from"], page["to"], page["duration"]) == (
        "Mar 4, 2026", "09:30", "10:15", "45 min")


def test_photos_are_grouped_as_before_and_after_pairs(visit_for):
    from server.media.models import Report, Signature
    from server.reports.content import content_hash
    from server.reports.render import build_page
    from tests.report_scenario import photo

    visit = visit_for("en")
    visit.work("Capacitor failed", "Replaced the capacitor")
    for index, kind in enumerate(("before", "after", "before", "other", "before")):
        visit.take_photo(kind, photo(400, 300, seed=index), caption=f"{kind} {index}")
    visit.complete(rating=None)
    visit.sign("Alice Smith")
    order = fresh(visit.order)
    report = db.session.scalar(select(Report).where(Report.work_order_id == order.id))
    signature = db.session.get(Signature, report.signature_id)
    page = build_page(order, report, signature, content_hash(signed_content(order)))
    captions = [tuple(p.caption if p else None for p in pair) for pair in page.photo_pairs]
    assert captions == [("before 0", "after 1"), ("before 2", None), ("before 4", None),
                        ("other 3", None)]


def test_the_seal_speaks_the_reports_language_and_tells_the_company_time(
        chinese_visit, visit_for, tmp_path):
    import re

    zh = do_the_work(chinese_visit)
    zh.sign("王秀英")
    text = pdftotext(tmp_path, pdf_of(zh))
    assert "企业数字签名" in text and "本报告中的时间均为 Asia/Shanghai 时区时间" in text
    assert "Digitally signed by" not in text and "Verify:" not in text
    stamp = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC\+08:00", text)
    assert stamp, text

    en = do_the_work(visit_for("en"))
    en.sign("Alice Smith")
    text = pdftotext(tmp_path, pdf_of(en))
    assert "Digitally signed by" in text and "UTC+08:00" in text
    assert not re.search(r"\d\d:\d\d:\d\d UTC(?!\+)", text), "a time printed in UTC"


def test_the_letterhead_and_the_verify_address_come_from_configuration(visit_for, app,
                                                                       monkeypatch, tmp_path):
    import subprocess

    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 80), (11, 92, 115)).save(logo)
    monkeypatch.setitem(app.config, "DOORSTEP_COMPANY_ADDRESS", "1 Camden High St, London")
    monkeypatch.setitem(app.config, "DOORSTEP_COMPANY_PHONE", "+44 20 7946 0000")
    monkeypatch.setitem(app.config, "DOORSTEP_COMPANY_LOGO", str(logo))
    monkeypatch.setitem(app.config, "DOORSTEP_PUBLIC_URL", "https://service.example.com")
    visit = do_the_work(visit_for("en"), photos=0)
    visit.sign("Alice Smith")
    data = pdf_of(visit)
    text = pdftotext(tmp_path, data)
    assert "1 Camden High St, London" in text and "+44 20 7946 0000" in text
    assert "https://service.example.com/verify" in text and "localhost" not in text
    (tmp_path / "letter.pdf").write_bytes(data)
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "letter.pdf")],
                            capture_output=True, text=True, timeout=60).stdout
    assert any(line.split()[3:5] == ["300", "80"] for line in images.splitlines()[2:]), images


def test_a_configured_logo_that_is_missing_fails_the_report_visibly(visit_for, app,
                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "DOORSTEP_COMPANY_LOGO", "/nonexistent/logo.png")
    visit = do_the_work(visit_for("en"), photos=0)
    visit.sign("Alice Smith")
    report = report_of(visit)
    assert report.status == "failed" and "logo.png" in report.failure_reason


@pytest.mark.parametrize(("env", "url"), [
    ({}, "http://localhost:5000"),
    ({"PORT": "5103"}, "http://localhost:5103"),
    ({"HOST": "127.0.0.1", "PORT": "5103"}, "http://127.0.0.1:5103"),
    ({"HOST": "0.0.0.0", "PORT": "8080"}, "http://localhost:8080"),
    ({"PORT": "5103", "DOORSTEP_PUBLIC_URL": "https://service.example.com/"},
     "https://service.example.com"),
])
def test_the_public_url_defaults_to_the_address_the_server_serves(env, url, tmp_path,
                                                                 monkeypatch):
    from server.config import load_config

    for name in ("HOST", "PORT", "DOORSTEP_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_config(tmp_path)["DOORSTEP_PUBLIC_URL"] == url


def test_make_run_points_links_at_the_port_it_serves():
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("DOORSTEP_PUBLIC_URL", "PORT")}
    out = subprocess.run(["make", "-n", "run", "PORT=5103"], env=env,
                         capture_output=True, text=True, timeout=60).stdout
    assert "5000" not in out
    assert "Links in reports and messages: http://127.0.0.1:5103" in out
