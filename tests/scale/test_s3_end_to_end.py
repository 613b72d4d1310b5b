"""A technician's visit with every byte in object storage: photos uploaded from the phone
are checked and rendered into S3, the signed report PDF is stored there, and downloads are
streamed or redirected to a short-lived link as configured."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from server.media.storage import key_for, sha256_of, storage
from tests.api.test_reports import (  # noqa: F401 (fixtures)
    _signing_key_outside_the_instance_folder,
    do_the_work,
    pdf_of,
    report_of,
    signing_dir,
    visit_for,
)
from tests.report_scenario import sha


def test_photos_renditions_and_the_signed_pdf_live_in_object_storage(s3_app, visit_for,
                                                                     api_as, dispatcher):
    visit = do_the_work(visit_for("en"), photos=2)
    visit.sign("Alice Smith")
    report = report_of(visit)
    assert report.status == "ready", report.failure_reason

    store = storage()
    assert repr(store).startswith("s3://")
    pdf_key = key_for(report.pdf_sha256, ".pdf")
    assert sha256_of(store, pdf_key) == report.pdf_sha256
    for data in visit.photos:
        for rendition in ("display", "print", "thumb"):
            assert store.exists(key_for(sha(data), f".{rendition}.jpg"))
    # Nothing landed in the local folder but (cleaned-up) scratch files.
    local = Path(s3_app.config["BLOB_DIR"])
    assert not list(local.glob(f"??/??/{report.pdf_sha256}*"))

    pdf = pdf_of(visit)
    assert pdf.startswith(b"%PDF") and sha(pdf) == report.pdf_sha256
    thumb = api_as(dispatcher).get(f"/api/v1/blobs/{sha(visit.photos[0])}?rendition=thumb")
    assert thumb.status_code == 200 and thumb.data.startswith(b"\xff\xd8")


def test_downloads_redirect_to_a_short_lived_link_when_configured(s3_app, visit_for,
                                                                  monkeypatch):
    visit = do_the_work(visit_for("en"), photos=1)
    visit.sign("Alice Smith")
    report = report_of(visit)
    monkeypatch.setitem(s3_app.config, "BLOB_PRESIGN_SECONDS", 120)
    response = visit.client.get(f"/api/v1/workorders/{visit.order.id}/report/pdf",
                                headers=visit.phone._headers())
    assert response.status_code == 302
    link = response.headers["Location"]
    assert "Expires=" in link or "X-Amz-Expires=120" in link
    with urllib.request.urlopen(link, timeout=10) as direct:
        assert sha(direct.read()) == report.pdf_sha256
        assert direct.headers["Content-Type"] == "application/pdf"


def test_the_customers_link_also_redirects_to_object_storage(s3_app, visit_for, client, api_as,
                                                              dispatcher, monkeypatch):
    visit = do_the_work(visit_for("en"), photos=1)
    visit.sign("Alice Smith")
    report = report_of(visit)
    url = api_as(dispatcher).get(f"/api/v1/workorders/{visit.order.id}/report") \
        .get_json()["customer_url"]
    monkeypatch.setitem(s3_app.config, "BLOB_PRESIGN_SECONDS", 60)
    response = client.get(url.removeprefix("http://localhost:5000"))
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "private, no-store"
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as direct:
        assert sha(direct.read()) == report.pdf_sha256
