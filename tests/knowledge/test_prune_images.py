"""``flask knowledge prune-images``: images no article, version or proposal refers to are
listed (dry run) or deleted from the blob store; an image a saved version still uses, one
uploaded moments ago and bytes a photo shares are never deleted."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import update

from server.database import utcnow
from server.extensions import db
from server.knowledge import service
from server.knowledge.images import add_image
from server.knowledge.models import ArticleImage
from server.media.blobs import RENDITIONS, rendition_key
from server.media.models import Blob, Photo
from server.media.storage import storage

@pytest.fixture
def job(make_order, dispatcher):
    return make_order(actor=dispatcher)


ARTICLE = {"title": "Descaling the heat exchanger", "language": "en",
           "category": "water_heater", "models": [], "symptoms": [], "tags": []}


def _image(admin, color, age_hours=48):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    out.seek(0)
    image = add_image(admin, out, 10_000_000)
    db.session.execute(update(ArticleImage).where(ArticleImage.sha256 == image.sha256)
                       .values(created_at=utcnow() - timedelta(hours=age_hours)))
    return image.sha256


def _stored(sha256):
    blob = db.session.get(Blob, sha256)
    return blob is not None and any(storage().exists(rendition_key(blob, name))
                                    for name in RENDITIONS)


def _files(sha256):
    blob = db.session.get(Blob, sha256)
    return [rendition_key(blob, name) for name in RENDITIONS
            if storage().exists(rendition_key(blob, name))]


def test_prune_images_lists_then_deletes_only_images_nothing_refers_to(app, admin, job):
    current = _image(admin, (200, 0, 0))
    in_old_version = _image(admin, (0, 200, 0))
    in_translation = _image(admin, (0, 0, 200))
    unused = _image(admin, (50, 50, 50))
    just_uploaded = _image(admin, (90, 90, 90), age_hours=1)
    shared_with_photo = _image(admin, (120, 10, 10))
    article = service.create_article(admin, {
        **ARTICLE, "body": f"Before: ![old](kb:{in_old_version})"})
    service.update_article(admin, article, {
        "body": f"Now: ![new](kb:{current})", "translation_title": "热交换器除垢",
        "translation_body": f"![图](kb:{in_translation})"})
    db.session.add(Photo(work_order_id=job.id, kind="before", sha256=shared_with_photo,
                         status="ready"))
    unused_files = _files(unused)
    assert unused_files and _stored(shared_with_photo)
    db.session.commit()

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["knowledge", "prune-images"])
    assert dry.exit_code == 0, dry.output
    assert f"unused: {unused}" in dry.output
    assert f"unused: {shared_with_photo} (bytes kept: used elsewhere)" in dry.output
    assert "2 unused image(s)" in dry.output and "dry run: nothing deleted" in dry.output
    for kept in (current, in_old_version, in_translation, just_uploaded):
        assert kept not in dry.output
    assert db.session.get(ArticleImage, unused) is not None and _stored(unused)

    done = runner.invoke(args=["knowledge", "prune-images", "--delete"])
    assert done.exit_code == 0, done.output
    assert "2 unused image(s) deleted" in done.output
    db.session.expire_all()
    assert db.session.get(ArticleImage, unused) is None
    assert db.session.get(Blob, unused) is None
    assert not any(storage().exists(key) for key in unused_files)
    # The photo's bytes stay; the image is no longer served as an article image.
    assert db.session.get(ArticleImage, shared_with_photo) is None
    assert _stored(shared_with_photo)
    # What a saved version still uses, and what was uploaded an hour ago, stay.
    for kept in (current, in_old_version, in_translation, just_uploaded):
        assert db.session.get(ArticleImage, kept) is not None and _stored(kept)

    again = runner.invoke(args=["knowledge", "prune-images", "--delete"])
    assert "0 unused image(s) deleted" in again.output
    sooner = runner.invoke(args=["knowledge", "prune-images", "--grace-hours", "0"])
    assert f"unused: {just_uploaded}" in sooner.output


def test_an_image_only_a_proposal_names_is_kept(app, admin, technician, job):
    from server.knowledge.models import ArticleProposal
    import uuid

    sha256 = _image(admin, (10, 200, 200))
    db.session.add(ArticleProposal(id=uuid.uuid4(), work_order_id=job.id,
                                   author_id=technician.user.id, title="Tip",
                                   body=f"![x](kb:{sha256})", language="en"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["knowledge", "prune-images", "--delete"])
    assert "0 unused image(s) deleted" in result.output
    assert _stored(sha256)
