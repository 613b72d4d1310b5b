"""Service reports: rendered and digitally signed once the customer signed what the server
would print and every photo arrived; verified by us and by poppler; changes detected."""

import hashlib
import io
import logging
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from sqlalchemy import select

from server.extensions import db
from server.media.models import Report
from server.media.storage import key_for
from server.reports import render, signing
from server.reports.service import verify_document
from server.workorders.models import WorkOrderEvent
from tests import factories
from tests.factories import walk_to
from tests.report_scenario import (
    Visit,
    install_report_translations,
    photo,
    restore_translations,
)
from tests.sync.phone import Phone

TEXT = {
    "en": dict(name="Alice Smith", fault="Not cooling; the outdoor unit rattles",
               diagnosis="The run capacitor had failed; the fan motor bearing is worn.",
               resolution="Replaced the capacitor and the fan motor; tested for 20 minutes.",
               captions=("Outdoor unit", "Filter"), comment="On time and tidy"),
    "zh": dict(name="王秀英", fault="空调不制冷，室外机有异响",
               diagnosis="启动电容失效，风扇电机轴承磨损",
               resolution="更换启动电容和风扇电机，试机 20 分钟制冷正常",
               captions=("室外机", "过滤网"), comment="师傅很专业"),
}


@pytest.fixture(scope="module")
def signing_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("report-signing")


@pytest.fixture(autouse=True)
def _signing_key_outside_the_instance_folder(app, signing_dir, monkeypatch):
    """Sign with a development key made once for this module, not in the real instance/."""
    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERT", str(signing_dir / "cert.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_KEY", str(signing_dir / "key.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_DEV_CERT", True)


@pytest.fixture
def zh_labels(app):
    """The Chinese report labels (tests/vectors/report_messages_zh.json) in the catalogue."""
    saved = install_report_translations()
    yield
    restore_translations(saved)


@pytest.fixture
def visit_for(client, make_order, make_customer, make_asset, make_part, dispatcher, technician):
    """``visit_for(language)`` → a Visit on site, with two parts in the van."""
    def start(language="en", warranty_days=-30):
        text = TEXT[language]
        customer = make_customer(name=text["name"], language=language)
        asset = make_asset(customer, warranty_days=warranty_days)
        order = make_order(actor=dispatcher, customer=customer, asset=asset, language=language,
                           description=text["fault"])
        walk_to(order, "scheduled", dispatcher, technician)
        parts = make_part(4500), make_part(12800)
        for part in parts:
            factories.stock_van(technician, part, 5)
        visit = Visit(client, Phone(client, technician), order).arrive()
        visit.parts, visit.text = parts, text
        return visit
    return start


def do_the_work(visit, photos=4, upload=True):
    text = visit.text
    capacitor, motor = visit.parts
    visit.work(text["diagnosis"], text["resolution"],
               parts=((capacitor, 2), (motor, 1), (capacitor, -1)))
    for index in range(photos):
        kind = ("before", "after")[index % 2]
        visit.take_photo(kind, photo(1600, 1200, seed=index),
                         caption=text["captions"][index // 2 % 2], upload=upload)
    return visit.complete(rating=5, comment=text["comment"])


def report_of(visit) -> Report:
    db.session.expire_all()
    return db.session.scalar(select(Report).where(Report.work_order_id == visit.order.id))


def pdf_of(visit) -> bytes:
    response = visit.client.get(f"/api/v1/workorders/{visit.order.id}/report/pdf",
                                headers=visit.phone._headers())
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    return response.data


def pdfsig(tmp_path, data: bytes) -> str:
    path = tmp_path / f"{hashlib.sha256(data).hexdigest()[:12]}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True,
                          timeout=60).stdout


def pdftotext(tmp_path, data: bytes) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, timeout=60).stdout


@pytest.fixture
def signed_report(visit_for):
    """A finished English visit, signed; its report is ready."""
    visit = do_the_work(visit_for("en"))
    visit.sign("Alice Smith")
    assert report_of(visit).status == "ready", report_of(visit).failure_reason
    return visit


# -- when a report is made --------------------------------------------------------------------

def test_a_signed_visit_gets_a_digitally_signed_pdf_that_poppler_accepts(
        signed_report, tmp_path, app):
    visit = signed_report
    report = report_of(visit)
    data = pdf_of(visit)

    assert hashlib.sha256(data).hexdigest() == report.pdf_sha256 and len(data) == report.pdf_size
    assert len(data) < 400_000
    out = pdfsig(tmp_path, data)
    assert "Signature Field Name: DoorstepSignature" in out
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out
    assert "Signature Type: ETSI.CAdES.detached" in out  # PAdES
    assert verify_document(data).status == "valid"
    text = pdftotext(tmp_path, data)
    for expected in ("Service report", report.number, visit.order.number, "Alice Smith",
                     "Not cooling; the outdoor unit rattles", "Wear and tear",
                     report.content_hash, f"{app.config['DOORSTEP_PUBLIC_URL']}/verify",
                     "Before", "After", "Outdoor unit", "Time on site"):
        assert expected.lower() in text.lower(), expected  # labels may be upper-cased


def test_the_signature_field_is_visible_on_the_page(signed_report):
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf_of(signed_report)))
    field = reader.embedded_signatures[0].sig_field
    x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
    assert x2 - x1 > 100 and y2 - y1 > 25
    assert "/AP" in field  # it has an appearance


def test_the_order_shows_the_report_status_and_a_customer_link(signed_report, api_as,
                                                                dispatcher):
    body = api_as(dispatcher).get(f"/api/v1/workorders/{signed_report.order.id}/report").get_json()
    report = report_of(signed_report)
    assert body["status"] == "ready" and body["number"] == report.number
    assert body["content_hash"] == body["signed_content_hash"] == report.content_hash
    assert body["customer_url"].startswith("http://localhost:5000/r/")
    events = api_as(dispatcher).get(f"/api/v1/workorders/{signed_report.order.id}/events")
    assert "report_ready" in [e["kind"] for e in events.get_json()]


def test_before_the_signature_there_is_no_report(visit_for, api_as, dispatcher):
    visit = do_the_work(visit_for("en"))
    body = api_as(dispatcher).get(f"/api/v1/workorders/{visit.order.id}/report").get_json()
    assert body == {"work_order_id": str(visit.order.id), "status": "not_signed"}
    response = api_as(dispatcher).get(f"/api/v1/workorders/{visit.order.id}/report/pdf")
    assert response.status_code == 404 and response.get_json()["reason"] == "not_signed"


def test_the_report_waits_for_the_last_photo_even_when_it_arrives_after_the_signature(
        visit_for):
    visit = do_the_work(visit_for("en"), upload=False)
    for data in visit.photos[:3]:
        assert visit.upload(data).status_code == 200
    visit.sign("Alice Smith")
    report = report_of(visit)
    assert report.status == "waiting" and report.pdf_sha256 is None
    assert report.failure_reason == "Waiting for 1 photo to upload."

    assert visit.upload(visit.photos[3]).status_code == 200

    report = report_of(visit)
    assert report.status == "ready" and report.pdf_sha256


def test_the_report_waits_for_the_signature_image_too(visit_for):
    visit = do_the_work(visit_for("en"))
    visit.sign("Alice Smith", upload_image=False)
    assert report_of(visit).failure_reason == "Waiting for the signature image to upload."


def test_a_photo_refused_before_signing_is_left_out_of_what_is_signed(visit_for, tmp_path):
    visit = do_the_work(visit_for("en"), photos=2)
    broken = photo(800, 600, seed=9)[:5000]
    visit.take_photo("other", broken, upload=False)
    assert visit.upload(broken).status_code == 422
    content = visit.sign("Alice Smith")
    assert len(content["photos"]) == 2
    assert report_of(visit).status == "ready"


def test_bytes_that_are_no_image_fail_their_photo_on_arrival_so_the_signature_holds(
        visit_for):
    # Issue 10 item 4: these used to be stored as opaque bytes, the photo became ready and
    # was signed for, and only the render found out: the report ended in hash_mismatch.
    visit = do_the_work(visit_for("en"), photos=2)
    not_a_photo = b"\x00\x01 whatever a broken camera app wrote" * 50
    visit.take_photo("other", not_a_photo, upload=False)
    refused = visit.upload(not_a_photo, "application/octet-stream")
    assert refused.status_code == 422 and refused.get_json()["reason"] == "not_an_image"
    content = visit.sign("Alice Smith")
    assert len(content["photos"]) == 2
    assert report_of(visit).status == "ready", report_of(visit).failure_reason


def test_a_hash_that_differs_from_the_servers_is_refused_and_shown_to_the_dispatcher(
        visit_for, api_as, dispatcher):
    visit = do_the_work(visit_for("en"))
    visit.sign("Alice Smith", content_hash="f" * 64)
    report = report_of(visit)
    assert report.status == "hash_mismatch" and report.pdf_sha256 is None
    assert "ffffffffffff" in report.failure_reason
    office = api_as(dispatcher)
    body = office.get(f"/api/v1/workorders/{visit.order.id}/report").get_json()
    assert body["status"] == "hash_mismatch" and body["failure_reason"]
    assert body["customer_url"] is None
    events = office.get(f"/api/v1/workorders/{visit.order.id}/events").get_json()
    mismatch = [e for e in events if e["kind"] == "report_hash_mismatch"]
    assert len(mismatch) == 1 and mismatch[0]["reason"] == report.failure_reason


def test_an_edit_after_signing_marks_the_report_for_a_new_signature_and_keeps_the_pdf(
        signed_report, api_as, dispatcher, app):
    visit = signed_report
    before = report_of(visit)
    pdf_before = pdf_of(visit)

    response = api_as(dispatcher).patch(f"/api/v1/workorders/{visit.order.id}",
                                        json={"diagnosis": "Actually the compressor"})

    assert response.status_code == 200
    after = report_of(visit)
    assert after.status == "needs_resign" and "needs a new signature" in after.failure_reason
    assert after.pdf_sha256 == before.pdf_sha256 and pdf_of(visit) == pdf_before
    stored = Path(app.config["BLOB_DIR"]) / key_for(before.pdf_sha256, ".pdf")
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == before.pdf_sha256
    kinds = db.session.scalars(select(WorkOrderEvent.kind).where(
        WorkOrderEvent.work_order_id == visit.order.id)).all()
    assert "report_needs_resign" in kinds


def test_a_part_added_from_the_phone_after_signing_also_needs_a_new_signature(signed_report):
    from tests.sync.phone import new_id

    capacitor, _ = signed_report.parts
    signed_report.push("use_part", line_id=new_id(), part_id=str(capacitor.id), quantity=1,
                       device_time=signed_report.phone.now())
    assert report_of(signed_report).status == "needs_resign"


def test_a_photo_added_from_the_phone_after_signing_also_needs_a_new_signature(
        signed_report):
    """The push writes photo lines in one insert with the batch's others, which no flush of
    the session sees: the report is still brought up to date with the commit."""
    signed_report.take_photo("after", photo(1600, 1200, seed=42), upload=False)
    report = report_of(signed_report)
    assert report.status == "needs_resign" and "needs a new signature" in report.failure_reason


def test_edits_that_are_not_signed_content_leave_the_report_alone(signed_report, api_as,
                                                                   dispatcher):
    api_as(dispatcher).patch(f"/api/v1/workorders/{signed_report.order.id}",
                             json={"customer_notes": "Prefers mornings"})
    assert report_of(signed_report).status == "ready"


# -- Chinese ----------------------------------------------------------------------------------

def test_a_chinese_report_embeds_a_small_subset_of_a_cjk_font(visit_for, tmp_path, zh_labels):
    visit = do_the_work(visit_for("zh", warranty_days=200))
    visit.sign("王秀英")
    report = report_of(visit)
    assert report.status == "ready" and report.language == "zh"
    data = pdf_of(visit)
    assert len(data) < 400_000
    path = tmp_path / "zh.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk and all(" yes yes yes " in line for line in cjk)  # embedded, subset, unicode
    text = pdftotext(tmp_path, data)
    customer = visit.order.customer
    for expected in ("王秀英", customer.addresses[0].line1, "空调不制冷，室外机有异响",
                     "启动电容失效", "室外机", "师傅很专业", "保修期内"):
        assert expected in text, expected
    # Labels from tests/vectors/report_messages_zh.json (to be merged into the catalogue):
    for label in ("售后服务报告", "报告编号", "配件与费用", "维修前", "维修后", "客户确认",
                  "保修范围内，无需付费。"):
        assert label in text, label


def test_the_compact_cjk_fonts_look_exactly_like_weasyprints_own(
        signed_report, tmp_path, monkeypatch, zh_labels):
    """Re-embedding CID-keyed fonts (render._compact_cjk_fonts) must not change a pixel."""
    visit = signed_report
    order, report = visit.order, report_of(visit)
    order.language = "zh"
    page = render.build_page(order, report, report_signature(report), report.content_hash)
    small, _ = render.render_pdf(page)
    monkeypatch.setattr(render, "_compact_cjk_fonts", lambda document, pdf: None)
    large, _ = render.render_pdf(page)
    assert len(small) < len(large) - 100_000
    images = []
    for name, data in (("small", small), ("large", large)):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile",
                        str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
        images.append(Image.open(tmp_path / f"{name}.png").convert("RGB"))
    assert ImageChops.difference(*images).getbbox() is None


def report_signature(report):
    from server.media.models import Signature

    return db.session.get(Signature, report.signature_id)


# -- verification -----------------------------------------------------------------------------

def flip_one_byte(data: bytes, where: float = 0.4) -> bytes:
    altered = bytearray(data)
    altered[int(len(data) * where)] ^= 0x01
    return bytes(altered)


def append_an_incremental_update(data: bytes) -> bytes:
    """What an editor does: a new revision after the signed one (here: a changed title)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("Edited after signing")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_flipping_one_byte_is_detected_by_us_and_by_poppler(signed_report, tmp_path):
    data = pdf_of(signed_report)
    for where in (0.05, 0.4, 0.7):
        altered = flip_one_byte(data, where)
        assert "Signature Validation: Digest Mismatch." in pdfsig(tmp_path, altered)
        assert verify_document(altered).status == "altered"


def test_an_appended_incremental_update_is_detected_by_us_and_by_poppler(signed_report,
                                                                        tmp_path):
    altered = append_an_incremental_update(pdf_of(signed_report))
    out = pdfsig(tmp_path, altered)
    assert "Not total document signed" in out
    assert "Signature is Valid." in out  # the signed revision itself is intact
    result = verify_document(altered)
    assert result.status == "altered" and "added" in result.check.detail


def test_unsigned_foreign_and_non_pdf_files_are_named_as_such(signed_report, tmp_path, app):
    from pyhanko.sign import signers

    order, report = signed_report.order, report_of(signed_report)
    page = render.build_page(order, report, report_signature(report), report.content_hash)
    unsigned, place = render.render_pdf(page)
    assert verify_document(unsigned).status == "unsigned"
    assert verify_document(b"GIF89a not a pdf").status == "not_pdf"

    cert, key = tmp_path / "other-cert.pem", tmp_path / "other-key.pem"
    signing.create_development_certificate(cert, key, "Somebody Else Ltd")
    other = signers.SimpleSigner.load(str(key), str(cert))
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    # pyHanko's sign_pdf runs its own event loop: outside the browser tests' loop, as the
    # app does it.
    forged = signing._outside_any_event_loop(lambda: signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unsigned)),
        signers.PdfSignatureMetadata(field_name="Forged"), signer=other)).getvalue()
    assert "Signature is Valid." in pdfsig(tmp_path, forged)  # valid, but not ours
    result = verify_document(forged)
    assert result.status == "untrusted" and result.report is None


def test_the_public_page_says_which_order_a_genuine_report_is_for(signed_report, client):
    data = pdf_of(signed_report)
    form = client.get("/verify")
    assert form.status_code == 200 and b'type="file"' in form.data

    response = client.post("/verify", data={"file": (io.BytesIO(data), "report.pdf")},
                           content_type="multipart/form-data")

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-verdict="valid"' in page
    assert signed_report.order.number in page and report_of(signed_report).number in page
    assert "Alice Smith" in page


def test_the_public_page_shows_alterations(signed_report, client):
    altered = append_an_incremental_update(pdf_of(signed_report))
    response = client.post("/verify", data={"file": (io.BytesIO(altered), "edited.pdf")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert 'data-verdict="altered"' in page and "Altered after signing" in page
    assert signed_report.order.number not in page


def test_the_public_page_speaks_chinese(signed_report, client, zh_labels):
    from flask_babel import refresh

    data = pdf_of(signed_report)
    refresh()  # requests share the test's app context: forget the locale cached so far
    response = client.post("/verify?lang=zh", data={"file": (io.BytesIO(data), "r.pdf")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "报告真实，未被修改" in page and 'lang="zh-CN"' in page


def test_the_public_page_asks_for_a_file(client):
    response = client.post("/verify", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a PDF file" in response.get_data(as_text=True)


def test_the_public_page_refuses_huge_files_and_survives_garbage(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_VERIFY_MAX_BYTES", 1000)
    big = client.post("/verify", data={"file": (io.BytesIO(b"%PDF-1.7" + b"0" * 2000), "x.pdf")},
                      content_type="multipart/form-data")
    assert big.status_code == 413 and "at most 0 MB" in big.get_data(as_text=True)
    garbage = client.post("/verify", data={"file": (io.BytesIO(b"%PDF-1.7\n\x00\xff junk"),
                                                    "junk.pdf")},
                          content_type="multipart/form-data")
    assert garbage.status_code == 200
    assert 'data-verdict="damaged"' in garbage.get_data(as_text=True)


def test_flask_verify_report(signed_report, app, tmp_path):
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf_of(signed_report))
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(flip_one_byte(good.read_bytes()))
    db.session.commit()

    ok = app.test_cli_runner().invoke(args=["verify-report", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "valid" in ok.output and signed_report.order.number in ok.output
    refused = app.test_cli_runner().invoke(args=["verify-report", str(bad)])
    assert refused.exit_code == 1 and "altered" in refused.output


# -- the customer's link ----------------------------------------------------------------------

def customer_url(visit, api_as, dispatcher):
    return api_as(dispatcher).get(f"/api/v1/workorders/{visit.order.id}/report") \
        .get_json()["customer_url"]


def test_the_customer_link_downloads_the_signed_pdf(signed_report, client, api_as, dispatcher):
    url = customer_url(signed_report, api_as, dispatcher)
    response = client.get(url.removeprefix("http://localhost:5000"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == pdf_of(signed_report)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_browser_opening_the_report_link_is_led_to_the_customers_page(
        signed_report, client, api_as, dispatcher):
    from server.portal import links

    path = customer_url(signed_report, api_as, dispatcher).removeprefix("http://localhost:5000")
    page = links.url_of(links.ensure_link(signed_report.order))
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    response = client.get(path, headers=browser)
    assert response.status_code == 303 and response.headers["Location"] == page
    # The PDF itself stays one request away, for a download manager or ?pdf=1.
    assert client.get(path, headers=browser, query_string={"pdf": "1"}).mimetype == \
        "application/pdf"


def test_an_expired_link_says_so(signed_report, client, api_as, dispatcher, monkeypatch):
    import time

    path = customer_url(signed_report, api_as, dispatcher).removeprefix("http://localhost:5000")
    later = time.time() + timedelta(days=31).total_seconds()
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    response = client.get(path)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_a_tampered_or_foreign_token_is_not_a_link(signed_report, client, app):
    from itsdangerous import URLSafeTimedSerializer

    report = report_of(signed_report)
    claims = {"r": str(report.id), "p": report.pdf_sha256}
    other_purpose = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="password-reset")
    for token in (other_purpose.dumps(claims), "garbage", other_purpose.dumps(claims)[:-2] + "xx"):
        response = client.get(f"/r/{token}")
        assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)


# -- the signing key --------------------------------------------------------------------------

def test_a_development_certificate_is_made_on_first_use_and_announced(
        visit_for, app, tmp_path, monkeypatch, caplog):
    cert, key = tmp_path / "instance" / "cert.pem", tmp_path / "instance" / "key.pem"
    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERT", str(cert))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_KEY", str(key))
    caplog.set_level(logging.WARNING)
    visit = do_the_work(visit_for("en"), photos=1)
    visit.sign("Alice Smith")
    assert report_of(visit).status == "ready"
    assert cert.exists() and key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"
    assert "self-signed development certificate" in caplog.text
    assert verify_document(pdf_of(visit)).status == "valid"


def test_a_configured_certificate_that_is_missing_fails_the_report_visibly_until_fixed(
        visit_for, app, tmp_path, monkeypatch, api_as, dispatcher):
    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERT", str(tmp_path / "company.pem"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_KEY", str(tmp_path / "company.key"))
    monkeypatch.setitem(app.config, "REPORT_SIGNING_DEV_CERT", False)
    visit = do_the_work(visit_for("en"), photos=1)
    visit.sign("Alice Smith")
    report = report_of(visit)
    assert report.status == "failed" and "company.pem" in report.failure_reason

    signing.create_development_certificate(tmp_path / "company.pem", tmp_path / "company.key",
                                           "Doorstep Home Services")
    response = api_as(dispatcher).post(f"/api/v1/workorders/{visit.order.id}/report/retry")
    assert response.status_code == 200, response.get_json()
    assert report_of(visit).status == "ready"
