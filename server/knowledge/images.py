"""Images in knowledge articles: uploaded by the office through the blob store (checked as
an image, stored as renditions like photos), referred to from the Markdown as
``![caption](kb:<sha256>)``, served to the console and to phones (which keep a copy for
offline reading)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import send_file
from sqlalchemy import select

from ..accounts.models import User
from ..database import utcnow
from ..errors import NotFound
from ..extensions import db
from ..media.blobs import RENDITIONS, rendition_key, store_uploaded_image
from ..media.models import Blob
from ..media.storage import storage
from .models import (
    ArticleImage,
    ArticleProposal,
    KnowledgeArticle,
    KnowledgeArticleVersion,
    image_hashes,
)


def add_image(actor: User, stream: BinaryIO, limit: int) -> ArticleImage:
    """Store the uploaded image (idempotent for the same bytes). Raises Invalid naming
    ``image`` when it is empty or not an acceptable image, TooLarge past ``limit``; nothing
    is stored then."""
    sha256 = store_uploaded_image(stream, limit, "image").sha256
    image = db.session.get(ArticleImage, sha256)
    if image is None:
        image = ArticleImage(sha256=sha256, uploaded_by=actor.id)
        db.session.add(image)
    db.session.flush()
    return image


def serve(sha256: str, rendition: str = "display"):
    """The image's display (or thumb) rendition, if it is a knowledge base image."""
    image = db.session.get(ArticleImage, sha256) if len(sha256) == 64 else None
    blob = db.session.get(Blob, sha256) if image is not None else None
    if blob is None or blob.rendition_ext is None:
        raise NotFound("No such image.")
    key = rendition_key(blob, rendition)
    mimetype = "image/png" if blob.rendition_ext == "png" else "image/jpeg"
    return send_file(storage().open(key), mimetype=mimetype, etag=f"{sha256}.{rendition}",
                     max_age=31536000)


@dataclass
class Prune:
    """What ``prune_images`` found: the unused images (SHA-256, oldest first), the storage
    keys to delete once the database change is committed, and the images whose bytes stay
    because something else (a photo, a signature, a report) uses the same blob."""

    unused: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    bytes_kept: list[str] = field(default_factory=list)
    freed: int = 0


def images_in_use() -> set[str]:
    """Every image the text of an article, any of its versions or a proposal refers to."""
    used: set[str] = set()
    for query in (select(KnowledgeArticle.body, KnowledgeArticle.translation_body),
                  select(KnowledgeArticleVersion.body, KnowledgeArticleVersion.translation_body),
                  select(ArticleProposal.body)):
        for texts in db.session.execute(query):
            used.update(image_hashes(*texts))
    return used


def _blob_used_elsewhere(sha256: str) -> bool:
    from ..billing.models import Quote
    from ..media.models import BlobGrant, Photo, Report, Signature
    from ..returns.models import ReturnPhoto

    for column in (Photo.sha256, Signature.image_sha256, Quote.image_sha256,
                   Report.pdf_sha256, BlobGrant.sha256, ReturnPhoto.sha256):
        if db.session.scalar(select(column).where(column == sha256).limit(1)) is not None:
            return True
    return False


def prune_images(delete: bool = False, grace: timedelta = timedelta(hours=24),
                 now: datetime | None = None) -> Prune:
    """Find the knowledge images no article, article version or proposal refers to any
    more, uploaded more than ``grace`` ago (an image just uploaded in the editor is not in
    a saved text yet). With ``delete``, remove their rows (and their blob rows when nothing
    else uses the bytes) and return the storage keys to delete after the commit: the
    database never names a blob whose bytes are gone. Flushes only."""
    now = now or utcnow()
    used = images_in_use()
    result = Prune()
    candidates = db.session.scalars(
        select(ArticleImage).where(ArticleImage.created_at <= now - grace)
        .order_by(ArticleImage.created_at, ArticleImage.sha256)).all()
    store = storage()
    for image in candidates:
        if image.sha256 in used:
            continue
        result.unused.append(image.sha256)
        blob = db.session.get(Blob, image.sha256)
        if delete:
            db.session.delete(image)
        if blob is None:
            continue
        if _blob_used_elsewhere(image.sha256):
            result.bytes_kept.append(image.sha256)
            continue
        keys = [rendition_key(blob, name) for name in RENDITIONS] \
            if blob.rendition_ext else []
        keys.append(blob.storage_key)
        keys = [key for key in dict.fromkeys(keys) if store.exists(key)]
        result.keys += keys
        result.freed += blob.size
        if delete:
            db.session.flush()  # the image row first: it points at the blob
            db.session.delete(blob)
    db.session.flush()
    return result


def delete_keys(keys: list[str]) -> None:
    """Delete stored bytes (after the commit that forgot them)."""
    store = storage()
    for key in keys:
        store.delete(key)
