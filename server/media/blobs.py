"""Receiving blob bytes: hashed while streamed, refused on mismatch or over the size limit,
and checked as an image (``images``) when they are one.

Bytes declared as an image (``image/*``), or that announce an image type in their first
bytes whatever their label, become a photo's bytes only after the image check: what is
stored then is the display rendition (long side 1600), the print one (for reports) and the
thumbnail (320), plus the original only when KEEP_PHOTO_ORIGINALS is set. Other bytes are
stored as they came, opaque; if they are ever used as an image (a report), they are
checked then (``ensure_image``).

A refusal stores nothing of the bytes but is remembered (``BlobRefusal``), and every photo
with that hash is marked failed with the reason, so the work order shows why.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from ..errors import Invalid, ServiceError
from ..extensions import db
from . import images
from .models import Blob, BlobRefusal, Photo
from .storage import key_for, storage


class TooLarge(ServiceError):
    status = 413


CHUNK = 64 * 1024
RENDITIONS = ("display", "print", "thumb")


def rendition_key(blob: Blob, name: str) -> str:
    """The storage key of a checked image's ``display``, ``print`` or ``thumb`` rendition."""
    return key_for(blob.sha256, f".{name}.{blob.rendition_ext}")


def is_stored(blob: Blob) -> bool:
    store = storage()
    if blob.original_kept:
        return store.exists(blob.storage_key)
    return store.exists(rendition_key(blob, "display"))


def receive_blob(sha256: str, stream: BinaryIO, content_type: str, limit: int
                 ) -> tuple[Blob, bool]:
    """Store the bytes of ``stream`` under ``sha256``; returns the blob and whether it is new.

    Idempotent: bytes already stored are acknowledged without being written again.
    Raises Invalid when the bytes do not hash to ``sha256`` (or are empty), TooLarge past
    ``limit``, images.BadImage when image bytes fail the check; nothing is stored then.
    A refusal that concerns the hash (all but an empty body) is recorded and marks its
    photos failed: the exception's ``recorded`` is True and the caller should commit that.
    """
    try:
        key = key_for(sha256)
    except ValueError:
        raise Invalid("The blob name must be a SHA-256 hex digest.",
                      {"sha256": ["must be 64 lowercase hex digits"]}) from None
    existing = db.session.get(Blob, sha256)
    if existing is not None and is_stored(existing):
        while stream.read(CHUNK):
            pass  # drain the body so the connection can be reused
        return existing, False
    store = storage()
    fd, scratch = store.scratch_file()
    made: list[Path] = []

    def new_scratch() -> Path:
        handle, path = store.scratch_file()
        os.close(handle)
        made.append(path)
        return path

    try:
        digest, size, head = hashlib.sha256(), 0, b""
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"A blob may be at most {limit} bytes.",
                                   {"body": [f"larger than {limit} bytes"]}, code="too_large")
                if len(head) < 64:
                    head += chunk[:64]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Invalid("The body is empty.", {"body": ["is empty"]}, code="empty")
        if digest.hexdigest() != sha256:
            raise Invalid("The bytes do not match their SHA-256.",
                          {"sha256": [f"the body hashes to {digest.hexdigest()}"]},
                          code="hash_mismatch")
        checked = None
        if content_type.lower().startswith("image/") or images.looks_like_an_image(head):
            checked = images.check_and_render(
                scratch, current_app.config["MAX_PHOTO_PIXELS"], new_scratch)
            for name, path in checked.files.items():
                store.put_file(key_for(sha256, f".{name}.{checked.ext}"), path)
        keep_original = checked is None or current_app.config["KEEP_PHOTO_ORIGINALS"]
        if keep_original:
            store.put_file(key, scratch)
        else:
            store.delete(key)  # an original kept under an earlier setting goes too
    except ServiceError as refused:
        if refused.code != "empty":
            _record_refusal(sha256, refused)
        raise
    finally:
        scratch.unlink(missing_ok=True)
        for path in made:
            path.unlink(missing_ok=True)
    blob = existing or Blob(sha256=sha256)
    blob.size, blob.storage_key = size, key
    blob.content_type = checked.content_type if checked else content_type[:100]
    blob.original_kept = keep_original
    if checked:
        blob.image_format, blob.rendition_ext = checked.format, checked.ext
        blob.width, blob.height = checked.width, checked.height
    db.session.add(blob)
    _accepted(blob)
    db.session.flush()
    return blob, True


def _record_refusal(sha256: str, refused: ServiceError) -> None:
    refusal = db.session.get(BlobRefusal, sha256) or BlobRefusal(sha256=sha256)
    refusal.code, refusal.reason = refused.code or "refused", refused.message
    db.session.add(refusal)
    for photo in db.session.scalars(select(Photo).where(Photo.sha256 == sha256)):
        photo.status, photo.failure_reason = "failed", refused.message
    db.session.flush()
    refused.recorded = True


def _accepted(blob: Blob) -> None:
    """Photos waiting for (or refused under) this hash are ready now."""
    refusal = db.session.get(BlobRefusal, blob.sha256)
    if refusal is not None:
        db.session.delete(refusal)
    for photo in db.session.scalars(select(Photo).where(Photo.sha256 == blob.sha256,
                                                        Photo.status != "ready")):
        photo.status, photo.failure_reason = "ready", None
        photo.width, photo.height = blob.width, blob.height


def ensure_image(blob: Blob) -> Blob:
    """Make sure ``blob`` is a checked image with renditions, checking opaque bytes now.

    Raises images.BadImage (the refusal is recorded and its photos marked failed).
    """
    if blob.image_format is not None:
        return blob
    store = storage()
    fd, scratch = store.scratch_file()
    made: list[Path] = []

    def new_scratch() -> Path:
        handle, path = store.scratch_file()
        os.close(handle)
        made.append(path)
        return path

    try:
        with os.fdopen(fd, "wb") as out, store.open(blob.storage_key) as source:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        try:
            checked = images.check_and_render(
                scratch, current_app.config["MAX_PHOTO_PIXELS"], new_scratch)
        except images.BadImage as refused:
            _record_refusal(blob.sha256, refused)
            raise
        for name, path in checked.files.items():
            store.put_file(key_for(blob.sha256, f".{name}.{checked.ext}"), path)
    finally:
        scratch.unlink(missing_ok=True)
        for path in made:
            path.unlink(missing_ok=True)
    # The original stays: this may run inside a transaction that is later rolled back.
    blob.image_format, blob.rendition_ext = checked.format, checked.ext
    blob.width, blob.height = checked.width, checked.height
    for photo in db.session.scalars(select(Photo).where(Photo.sha256 == blob.sha256)):
        photo.width, photo.height = blob.width, blob.height
    db.session.flush()
    return blob


def image_of(sha256: str) -> Blob | None:
    """The checked image stored under ``sha256``, or None while its bytes have not arrived.

    Raises images.BadImage when opaque bytes turn out not to be an acceptable image.
    """
    blob = db.session.get(Blob, sha256)
    if blob is None:
        return None
    return ensure_image(blob)

