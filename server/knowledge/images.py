"""Images in knowledge articles: uploaded by the office through the blob store (checked as
an image, stored as renditions like photos), referred to from the Markdown as
``![caption](kb:<sha256>)``, served to the console and to phones (which keep a copy for
offline reading)."""

from __future__ import annotations

import os
from typing import BinaryIO

from flask import current_app, send_file

from ..accounts.models import User
from ..errors import Invalid, NotFound
from ..extensions import db
from ..media import images
from ..media.blobs import (
    copy_hashed,
    describe,
    ensure_image,
    is_stored,
    rendition_key,
    scratch_files,
    store_renditions,
)
from ..media.models import Blob
from ..media.storage import key_for, storage
from .models import ArticleImage


def add_image(actor: User, stream: BinaryIO, limit: int) -> ArticleImage:
    """Store the uploaded image (idempotent for the same bytes). Raises Invalid naming
    ``image`` when it is empty or not an acceptable image, TooLarge past ``limit``; nothing
    is stored then."""
    with scratch_files() as (fd, scratch, new_scratch):
        with os.fdopen(fd, "wb") as out:
            sha256, size = copy_hashed(stream, out, limit, "image", "An image")
        if size == 0:
            raise Invalid("Choose an image file.", {"image": ["is empty"]}, code="empty")
        existing = db.session.get(Blob, sha256)
        if existing is not None and is_stored(existing):
            ensure_image(existing)
        else:
            try:
                checked = store_renditions(sha256, scratch, new_scratch)
            except images.BadImage as refused:
                raise Invalid(refused.message, {"image": [refused.message]},
                              code=refused.code) from None
            keep = current_app.config["KEEP_PHOTO_ORIGINALS"]
            if keep:
                storage().put_file(key_for(sha256), scratch)
            blob = existing or Blob(sha256=sha256)
            blob.size, blob.storage_key = size, key_for(sha256)
            blob.content_type, blob.original_kept = checked.content_type, keep
            describe(blob, checked)
            db.session.add(blob)
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
