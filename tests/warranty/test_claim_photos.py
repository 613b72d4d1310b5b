"""Photos attached to a warranty claim itself (the rating plate, the faulty part): uploaded
on the claim page through the blob store's image sequence (EXIF dropped, renditions),
shown as thumbnails that open full size, removable while the claim is a draft, printed in
the claim batch PDF next to the visit's photos. A bad, empty or huge file is a 4xx naming
the field, with nothing stored."""

from __future__ import annotations

import io
import subprocess
import tempfile
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.extensions import db
from server.media.models import Blob
from server.warranty import service
from server.warranty.models import WarrantyClaimPhoto
from tests.api.test_console import sign_in, text


def _jpeg_with_exif(color=(200, 40, 40)) -> bytes:
    image = Image.new("RGB", (640, 480), color)
    exif = image.getexif()
    exif[0x010F] = "SecretCamera"   # Make
    gps = exif.get_ifd(0x8825)      # where the photo was taken
    gps.update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def claim(client, dispatcher, warranty_job):
    order, _part, _tech = warranty_job(serials=("PLATE-1",))
    made = service.create_claim(dispatcher, order.id)
    db.session.commit()
    sign_in(client, dispatcher)
    return made


def _upload(client, claim, data: bytes, name="plate.jpg", caption="Rating plate"):
    return client.post(f"/warranty/claims/{claim.id}/photos", data={
        "photo": (io.BytesIO(data), name), "caption": caption},
        content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_photo_is_added_shown_as_a_thumbnail_without_its_exif_and_audited(client, claim):
    original = _jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()[0x010F] == "SecretCamera"
    answer = _upload(client, claim, original)
    assert answer.status_code == 303
    page = text(client.get(f"/warranty/claims/{claim.id}"))
    (photo,) = db.session.scalars(select(WarrantyClaimPhoto)).all()
    thumb = f"/warranty/claims/{claim.id}/photos/{photo.id}/thumb"
    full = f"/warranty/claims/{claim.id}/photos/{photo.id}/display"
    assert thumb in page and full in page and "data-gallery" in page and "data-full" in page
    assert "Rating plate" in page and "Photo added to the claim." in page
    for url in (thumb, full):
        served = client.get(url)
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        image = Image.open(io.BytesIO(served.data))
        assert dict(image.getexif()) == {}  # no camera, no GPS position
    assert Image.open(io.BytesIO(client.get(thumb).data)).size[0] <= 320
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "warranty_claim.photo_added"))
    assert event.entity_id == str(claim.id) and event.data["photo_id"] == str(photo.id)
    # Another claim's id does not open this photo.
    other = f"/warranty/claims/{photo.id}/photos/{photo.id}/thumb"
    assert client.get(other).status_code == 404


@pytest.mark.parametrize("data, name, status", [
    (b"%PDF-1.4 not an image at all", "plate.jpg", 422),
    (b"", "plate.jpg", 422),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "truncated.jpg", 422),
])
def test_a_bad_file_is_refused_naming_the_photo_and_nothing_is_stored(
        client, claim, data, name, status):
    answer = _upload(client, claim, data, name)
    assert answer.status_code == status
    page = answer.get_data(as_text=True)
    assert "This file is not an image we can use" in page or "is empty" in page
    assert _count(WarrantyClaimPhoto) == 0 and _count(Blob) == 0


def test_a_huge_file_is_refused_with_413(client, claim, app):
    app.config["MAX_BLOB_BYTES"] = 20_000
    try:
        answer = _upload(client, claim, _jpeg_with_exif() + b"\x00" * 30_000)
    finally:
        app.config["MAX_BLOB_BYTES"] = 20 * 1024 * 1024
    assert answer.status_code == 413
    assert "The photo may be at most 1 MB." in answer.get_data(as_text=True)
    assert _count(WarrantyClaimPhoto) == 0


def test_photos_are_removable_only_while_the_claim_is_a_draft(client, claim, dispatcher):
    _upload(client, claim, _jpeg_with_exif((10, 10, 200)))
    _upload(client, claim, _jpeg_with_exif((10, 200, 10)), caption="Faulty board")
    first, second = db.session.scalars(select(WarrantyClaimPhoto).order_by(
        WarrantyClaimPhoto.created_at, WarrantyClaimPhoto.id)).all()
    removed = client.post(f"/warranty/claims/{claim.id}/photos/{first.id}/remove")
    assert removed.status_code == 303
    db.session.expire_all()
    assert [p.id for p in db.session.scalars(select(WarrantyClaimPhoto))] == [second.id]
    service.move_claim(dispatcher, claim, "submitted")
    db.session.commit()
    page = text(client.get(f"/warranty/claims/{claim.id}"))
    assert "claim-photo-upload" not in page and "/remove" not in page
    refused = client.post(f"/warranty/claims/{claim.id}/photos/{second.id}/remove")
    assert "only while the claim is a draft" in text(client.get(refused.headers["Location"]))
    late = _upload(client, claim, _jpeg_with_exif((1, 2, 3)))
    assert late.status_code == 409
    db.session.expire_all()
    assert _count(WarrantyClaimPhoto) == 1
    actions = sorted(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("warranty_claim.photo_%"))))
    assert actions == ["warranty_claim.photo_added", "warranty_claim.photo_added",
                       "warranty_claim.photo_removed"]


def test_the_claim_batch_prints_the_claim_s_photos_next_to_the_visit_s(client, claim):
    _upload(client, claim, _jpeg_with_exif(), caption="铭牌 SN-PLATE-1")
    today = date.today()
    r = client.get("/warranty/claims", query_string={
        "supplier": claim.supplier, "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(), "export": "pdf", "lang": "zh"})
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    printed = subprocess.run(["pdftotext", "-layout", "-", "-"], input=r.data,
                             capture_output=True, check=True).stdout.decode()
    assert "索赔照片" in printed and "铭牌 SN-PLATE-1" in printed
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(r.data)
        pdf.flush()
        listed = subprocess.run(["pdfimages", "-list", pdf.name], capture_output=True,
                                check=True).stdout.decode().splitlines()[2:]
    assert len(listed) >= 1


def test_the_claim_photos_read_in_chinese(client, claim, dispatcher):
    dispatcher.locale = "zh"
    db.session.commit()
    page = text(client.get(f"/warranty/claims/{claim.id}"))
    assert "给厂家的照片" in page and "添加照片" in page
