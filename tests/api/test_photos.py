"""Photos are checked when their bytes arrive: real type, pixel limit before decoding,
truncation, polyglots; metadata stripped, orientation applied, renditions stored."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin
from sqlalchemy import select

from server.extensions import db
from server.media.models import Blob, BlobRefusal, Photo
from server.media.storage import key_for
from tests.factories import walk_to
from tests.report_scenario import photo, sha
from tests.sync.phone import Phone, new_id


@pytest.fixture
def job(make_order, dispatcher, technician):
    order = make_order(actor=dispatcher)
    walk_to(order, "scheduled", dispatcher, technician)
    return order


@pytest.fixture
def phone(client, technician, job):
    phone = Phone(client, technician)
    phone.job = job
    return phone


def upload(phone, data, content_type="image/jpeg"):
    """PUT the bytes, as the app does: after the photo that references them was pushed."""
    if db.session.scalar(select(Photo.id).where(Photo.sha256 == sha(data))) is None:
        attach(phone, phone.job, data)
    return phone.client.put(f"/api/v1/blobs/{sha(data)}", data=data,
                            headers={**phone._headers(), "Content-Type": content_type})


def attach(phone, order, data, kind="before"):
    phone.queue("attach_photo", {"order_id": str(order.id), "photo_id": new_id(), "kind": kind,
                                 "sha256": sha(data), "taken_at": phone.now()})
    assert phone.push().get_json()["results"][-1]["status"] == "applied"
    return db.session.scalar(select(Photo).where(Photo.sha256 == sha(data)))


def stored(app, key) -> Path:
    return Path(app.config["BLOB_DIR"]) / key


def files_for(app, digest) -> list[Path]:
    return sorted(Path(app.config["BLOB_DIR"]).glob(f"*/*/{digest}*"))


def jpeg_segments(data: bytes) -> list[int]:
    """The markers of a JPEG's segments before its image data (an independent walker)."""
    markers, pos = [], 2
    while data[pos] == 0xFF and data[pos + 1] != 0xDA:
        markers.append(data[pos + 1])
        pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    return markers


def red_left_blue_right(width=400, height=200):
    image = Image.new("RGB", (width, height), (220, 20, 20))
    image.paste((20, 20, 220), (width // 2, 0, width, height))
    return image


def jpeg_with_gps_and_orientation() -> bytes:
    image = red_left_blue_right()
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 11.0, 30.0), 3: "E", 4: (121.0, 26.0, 10.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif, icc_profile=icc,
               comment=b"shot at Wang's flat")
    return out.getvalue()


# -- accepted ---------------------------------------------------------------------------------

def test_a_jpeg_is_turned_upright_and_loses_gps_and_every_other_metadata(app, phone, job):
    data = jpeg_with_gps_and_orientation()
    assert b"Exif" in data and b"shot at" in data
    photo_row = attach(phone, job, data)
    assert photo_row.status == "pending"

    response = upload(phone, data)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["content_type"] == "image/jpeg"
    db.session.refresh(photo_row)
    assert (photo_row.status, photo_row.width, photo_row.height) == ("ready", 200, 400)
    blob = db.session.get(Blob, sha(data))
    assert (blob.image_format, blob.original_kept, blob.rendition_ext) == ("jpeg", False, "jpg")
    assert not stored(app, key_for(sha(data))).exists(), "originals are not kept by default"
    for name, side in (("display", 400), ("thumb", 320)):
        rendition = stored(app, key_for(sha(data), f".{name}.jpg")).read_bytes()
        # No APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC) or comment segment.
        assert not {0xE1, 0xE2, 0xED, 0xFE} & set(jpeg_segments(rendition)), name
        assert b"Exif" not in rendition and b"shot at" not in rendition
        image = Image.open(io.BytesIO(rendition))
        assert len(image.getexif()) == 0 and "icc_profile" not in image.info
        assert max(image.size) == side and image.size[0] < image.size[1]  # portrait now
        top, bottom = image.getpixel((image.width // 2, 5)), \
            image.getpixel((image.width // 2, image.height - 5))
        assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0], "the red half is on top"


def test_a_big_photo_gets_display_print_and_thumbnail_renditions(app, phone):
    data = photo(2400, 1800, seed=3)
    assert upload(phone, data).status_code == 200
    sizes = {name: Image.open(stored(app, key_for(sha(data), f".{name}.jpg"))).size
             for name in ("display", "print", "thumb")}
    assert sizes == {"display": (1600, 1200), "print": (520, 390), "thumb": (320, 240)}


def test_png_with_transparency_keeps_it_and_loses_its_text_chunks(app, phone):
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    image.paste((10, 40, 120, 255), (20, 40, 280, 60))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 31.19N 121.44E")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    data = out.getvalue()
    response = upload(phone, data, "image/png")
    assert response.status_code == 200
    rendition = stored(app, key_for(sha(data), ".display.png")).read_bytes()
    assert b"tEXt" not in rendition and b"GPS" not in rendition
    assert Image.open(io.BytesIO(rendition)).mode == "RGBA"


def test_webp_is_accepted(app, phone):
    data = photo(640, 480, fmt="WEBP", quality=80)
    assert upload(phone, data, "image/webp").status_code == 200
    assert db.session.get(Blob, sha(data)).image_format == "webp"
    assert stored(app, key_for(sha(data), ".display.jpg")).exists()


def test_a_photo_sent_without_an_image_type_is_still_checked(app, phone):
    data = photo(320, 240)
    assert upload(phone, data, "application/octet-stream").status_code == 200
    assert db.session.get(Blob, sha(data)).image_format == "jpeg"


def test_originals_are_kept_when_configured_and_office_staff_can_fetch_each_rendition(
        app, phone, api_as, dispatcher, monkeypatch):
    monkeypatch.setitem(app.config, "KEEP_PHOTO_ORIGINALS", True)
    data = photo(800, 600, seed=5)
    assert upload(phone, data).status_code == 200
    assert stored(app, key_for(sha(data))).read_bytes() == data
    office = api_as(dispatcher)
    assert office.get(f"/api/v1/blobs/{sha(data)}").data == data
    thumb = office.get(f"/api/v1/blobs/{sha(data)}?rendition=thumb")
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.data)).size == (320, 240)


def test_without_the_original_the_office_gets_the_display_rendition(app, phone, api_as,
                                                                    dispatcher):
    data = photo(800, 600, seed=6)
    upload(phone, data)
    response = api_as(dispatcher).get(f"/api/v1/blobs/{sha(data)}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data == stored(app, key_for(sha(data), ".display.jpg")).read_bytes()


# -- refused ----------------------------------------------------------------------------------

def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels: a decompression bomb."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024, 9)) + chunk(b"IEND", b""))


def zip_appended_to(data: bytes) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    return data + archive.getvalue()


def jpeg_with_comment(comment: bytes) -> bytes:
    out = io.BytesIO()
    red_left_blue_right().save(out, "JPEG", comment=comment)
    return out.getvalue()


REFUSALS = [
    ("decompression bomb", lambda: png_claiming(100_000, 100_000), "image/png", "too_many_pixels"),
    ("truncated JPEG", lambda: photo(800, 600)[:20_000], "image/jpeg", "truncated_image"),
    ("truncated PNG", lambda: photo(300, 200, fmt="PNG")[:-40], "image/png", "truncated_image"),
    ("JPEG with a ZIP appended", lambda: zip_appended_to(photo(320, 240)), "image/jpeg",
     "polyglot"),
    ("PNG with HTML appended", lambda: photo(64, 64, fmt="PNG") + b"<html><script>x()</script>",
     "image/png", "polyglot"),
    ("JPEG that is also a PDF", lambda: jpeg_with_comment(b"%PDF-1.7 1 0 obj"), "image/jpeg",
     "polyglot"),
    ("text file", lambda: b"just some text, not a photo\n" * 10, "image/jpeg", "not_an_image"),
    ("PDF labelled as a photo", lambda: b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n",
     "image/jpeg", "not_an_image"),
    ("GIF", lambda: photo(32, 32, fmt="GIF"), "image/gif", "unsupported_image_type"),
    ("HEIC", lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
     "image/heic", "unsupported_image_type"),
]


@pytest.mark.parametrize(("name", "make", "content_type", "code"), REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_bad_images_are_refused_by_name_nothing_is_stored_and_the_photo_fails(
        app, phone, job, name, make, content_type, code):
    data = make()
    photo_row = attach(phone, job, data)

    response = upload(phone, data, content_type)

    body = response.get_json()
    assert response.status_code == 422, body
    assert body["reason"] == code and body["errors"]["body"] == [body["description"]]
    assert files_for(app, sha(data)) == []
    assert list(Path(app.config["BLOB_DIR"], "tmp").glob("*")) == []
    assert db.session.get(Blob, sha(data)) is None
    db.session.refresh(photo_row)
    assert photo_row.status == "failed" and photo_row.failure_reason == body["description"]


def test_the_pixel_limit_is_read_from_the_header_before_decoding(app, phone, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_PHOTO_PIXELS", 10_000)
    response = upload(phone, photo(200, 100))
    assert response.status_code == 422 and response.get_json()["reason"] == "too_many_pixels"
    assert "200 × 100" in response.get_json()["description"]


def test_a_photo_attached_after_its_bytes_were_refused_fails_at_once(phone, job):
    data = b"not an image at all"
    upload(phone, data, "image/png")
    assert db.session.get(BlobRefusal, sha(data)).code == "not_an_image"
    photo_row = attach(phone, job, data, kind="after")
    assert photo_row.status == "failed" and "not an image" in photo_row.failure_reason


def test_an_upload_over_the_size_limit_fails_the_photo_too(app, phone, job, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_BLOB_BYTES", 1000)
    data = photo(320, 240)
    photo_row = attach(phone, job, data)
    response = upload(phone, data)
    assert response.status_code == 413 and response.get_json()["reason"] == "too_large"
    db.session.refresh(photo_row)
    assert photo_row.status == "failed" and "at most 1000 bytes" in photo_row.failure_reason


def test_good_bytes_after_a_refusal_make_the_photo_ready(app, phone, job, monkeypatch):
    data = photo(320, 240)
    photo_row = attach(phone, job, data)
    monkeypatch.setitem(app.config, "MAX_PHOTO_PIXELS", 100)
    assert upload(phone, data).status_code == 422
    monkeypatch.setitem(app.config, "MAX_PHOTO_PIXELS", 50_000_000)
    assert upload(phone, data).status_code == 200
    db.session.refresh(photo_row)
    assert (photo_row.status, photo_row.failure_reason) == ("ready", None)
    assert db.session.get(BlobRefusal, sha(data)) is None


def test_bytes_that_are_not_an_image_are_refused_on_arrival_not_at_the_report(app, phone, job):
    # Once, these were stored as opaque bytes and the photo was ready; the report then
    # found out, after the customer had signed, and changed the signed content.
    data = b"signature strokes as a vector list"
    photo_row = attach(phone, job, data)
    response = upload(phone, data, "application/octet-stream")
    assert response.status_code == 422 and response.get_json()["reason"] == "not_an_image"
    assert db.session.get(Blob, sha(data)) is None and files_for(app, sha(data)) == []
    db.session.refresh(photo_row)
    assert photo_row.status == "failed"
