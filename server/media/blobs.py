"""Receiving blob bytes: only bytes an order of the uploader references, hashed in full
while streamed, refused on mismatch or over the size limit, and checked as an image
(``images``) on arrival — photos and signature images are all images.

What is stored is the display rendition (long side 1600), the print one (for reports) and
the thumbnail (320), plus the original only when KEEP_PHOTO_ORIGINALS is set. Bytes stored
before this check existed may still be opaque; they are checked when next used
(``ensure_image``).

An upload grants the bytes to the uploader's orders that reference them (``BlobGrant``):
a photo is ready, a signature image counts and the office reads the bytes only through an
order with a grant, so knowing a hash is never enough to use someone else's photo.

A refusal stores nothing of the bytes. An image refusal is remembered (``BlobRefusal``);
the uploader's photos with that hash are marked failed with the reason, so the work order
shows why — before the customer signs, so the signed content does not change afterwards.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select, union

from ..errors import Invalid, ServiceError
from ..extensions import db
from . import images
from .models import Blob, BlobGrant, BlobRefusal, Photo, Signature
from .storage import key_for, storage


class TooLarge(ServiceError):
    status = 413


CHUNK = 64 * 1024
RENDITIONS = ("display", "print", "thumb")


@contextmanager
def scratch_files() -> Iterator[tuple[int, Path, Callable[[], Path]]]:
    """A scratch file to write an upload into (its open descriptor and its path) and a
    maker of more for the renditions; every one of them is removed on leaving, whatever
    happened."""
    store = storage()
    fd, scratch = store.scratch_file()
    made: list[Path] = []

    def new_scratch() -> Path:
        handle, path = store.scratch_file()
        os.close(handle)
        made.append(path)
        return path

    try:
        yield fd, scratch, new_scratch
    finally:
        scratch.unlink(missing_ok=True)
        for path in made:
            path.unlink(missing_ok=True)


def store_renditions(sha256: str, scratch: Path, new_scratch: Callable[[], Path]
                     ) -> images.Renditions:
    """Check the image in ``scratch`` and store its renditions under ``sha256``.
    Raises images.BadImage (nothing stored) when it is not an acceptable image."""
    checked = images.check_and_render(
        scratch, current_app.config["MAX_PHOTO_PIXELS"], new_scratch)
    store = storage()
    for name, path in checked.files.items():
        store.put_file(key_for(sha256, f".{name}.{checked.ext}"), path)
    return checked


def copy_hashed(stream: BinaryIO, out: BinaryIO | None, limit: int, field: str, what: str
                ) -> tuple[str, int]:
    """Copy ``stream`` into ``out`` (or only read it, when ``out`` is None), hashing every
    byte; returns the SHA-256 hex digest and the size. Raises TooLarge naming ``field``
    as soon as more than ``limit`` bytes arrive (``what``: "A blob", "An image")."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"{what} may be at most {limit} bytes.",
                           {field: [f"larger than {limit} bytes"]}, code="too_large")
        digest.update(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest(), size


def describe(blob: Blob, checked: images.Renditions) -> None:
    """Record on ``blob`` what the check found and which renditions it has."""
    blob.image_format, blob.rendition_ext = checked.format, checked.ext
    blob.width, blob.height = checked.width, checked.height


def rendition_key(blob: Blob, name: str) -> str:
    """The storage key of a checked image's ``display``, ``print`` or ``thumb`` rendition."""
    return key_for(blob.sha256, f".{name}.{blob.rendition_ext}")


def is_stored(blob: Blob) -> bool:
    store = storage()
    if blob.original_kept:
        return store.exists(blob.storage_key)
    return store.exists(rendition_key(blob, "display"))


class NotReferenced(ServiceError):
    status = 409


def orders_referencing(sha256: str, actor) -> set:
    """The orders that reference ``sha256`` (a photo or the signature image) and that
    ``actor`` may work on: for a technician, the orders ever assigned to them; for office
    staff, every order."""
    from sync.models import ScopeInterval

    from ..workorders.service import technician_of

    referencing = union(
        select(Photo.work_order_id).where(Photo.sha256 == sha256),
        select(Signature.work_order_id).where(Signature.image_sha256 == sha256)).subquery()
    query = select(referencing.c.work_order_id)
    if actor.role == "technician":
        technician = technician_of(actor)
        if technician is None:
            return set()
        query = query.where(referencing.c.work_order_id.in_(
            select(ScopeInterval.work_order_id)
            .where(ScopeInterval.technician_id == technician.id)))
    return set(db.session.scalars(query))


def granted(sha256: str, order_id) -> bool:
    """Whether the order may use the bytes (they were uploaded for it)."""
    return db.session.get(BlobGrant, (sha256, order_id)) is not None


def available_for(sha256: str, order_id) -> Blob | None:
    """The stored blob, if the order may use it; None while it may not (yet)."""
    blob = db.session.get(Blob, sha256)
    return blob if blob is not None and granted(sha256, order_id) else None


def readable(sha256: str) -> Blob | None:
    """The blob, if any order may use it (office staff read blobs through orders)."""
    if db.session.scalar(select(BlobGrant.sha256).where(BlobGrant.sha256 == sha256)
                         .limit(1)) is None:
        return None
    return db.session.get(Blob, sha256)


def receive_blob(sha256: str, stream: BinaryIO, content_type: str, limit: int, actor
                 ) -> Blob:
    """Store the bytes of ``stream`` under ``sha256`` for the orders of ``actor`` that
    reference them; returns the blob.

    Only bytes that a photo or signature on one of ``actor``'s orders references are
    accepted (NotReferenced, code ``not_referenced``, otherwise — the same answer whether
    or not the bytes exist). Every upload is hashed in full, even of bytes already
    stored: only someone who holds the bytes gets them granted to an order. Every accepted
    blob is a checked image (photos and signature images are images). Idempotent.

    Raises Invalid when the bytes do not hash to ``sha256`` (or are empty), TooLarge past
    ``limit``, images.BadImage when they are not an acceptable image; nothing is stored
    then. A refusal marks the actor's photos with this hash failed, and an image refusal is
    remembered for the hash (``BlobRefusal``): the exception's ``recorded`` is True and the
    caller should commit that.
    """
    try:
        key = key_for(sha256)
    except ValueError:
        raise Invalid("The blob name must be a SHA-256 hex digest.",
                      {"sha256": ["must be 64 lowercase hex digits"]}) from None
    order_ids = orders_referencing(sha256, actor)
    if not order_ids:
        raise NotReferenced(
            "No photo or signature on your orders references these bytes: push the "
            "mutation that references them (attach_photo, capture_signature) first.",
            {"sha256": ["is not referenced by any of your orders"]}, code="not_referenced")
    existing = db.session.get(Blob, sha256)
    already = existing is not None and is_stored(existing)
    store = storage()
    checked = None
    try:
        with scratch_files() as (fd, scratch, new_scratch):
            with os.fdopen(fd, "wb") as out:
                digest, size = copy_hashed(stream, None if already else out, limit,
                                           "body", "A blob")
            if size == 0:
                raise Invalid("The body is empty.", {"body": ["is empty"]}, code="empty")
            if digest != sha256:
                raise Invalid("The bytes do not match their SHA-256.",
                              {"sha256": [f"the body hashes to {digest}"]},
                              code="hash_mismatch")
            if not already:
                checked = store_renditions(sha256, scratch, new_scratch)
                keep_original = current_app.config["KEEP_PHOTO_ORIGINALS"]
                if keep_original:
                    store.put_file(key, scratch)
                else:
                    store.delete(key)  # an original kept under an earlier setting goes too
    except ServiceError as refused:
        if refused.code != "empty":
            _record_refusal(sha256, refused, order_ids)
        raise
    if checked is not None:
        blob = existing or Blob(sha256=sha256)
        blob.size, blob.storage_key = size, key
        blob.content_type = checked.content_type
        blob.original_kept = keep_original
        describe(blob, checked)
        db.session.add(blob)
        refusal = db.session.get(BlobRefusal, sha256)
        if refusal is not None:
            db.session.delete(refusal)
    else:
        blob = ensure_image(existing)  # stored before images were checked on arrival
    _grant(blob, order_ids)
    db.session.flush()
    return blob


def _record_refusal(sha256: str, refused: ServiceError, order_ids: set) -> None:
    """Mark the uploader's photos with this hash failed; remember an image refusal.

    Only a refusal of bytes that really hash to ``sha256`` (the image check) says anything
    about the hash itself; a mismatch or an oversized body says something about one upload.
    """
    if isinstance(refused, images.BadImage):
        refusal = db.session.get(BlobRefusal, sha256) or BlobRefusal(sha256=sha256)
        refusal.code, refusal.reason = refused.code or "refused", refused.message
        db.session.add(refusal)
    for photo in db.session.scalars(select(Photo).where(
            Photo.sha256 == sha256, Photo.work_order_id.in_(order_ids))):
        photo.status, photo.failure_reason = "failed", refused.message
    db.session.flush()
    refused.recorded = True


def _grant(blob: Blob, order_ids: set) -> None:
    """Let these orders use the blob; their photos waiting for (or refused under) it are ready."""
    for order_id in order_ids:
        if not granted(blob.sha256, order_id):
            db.session.add(BlobGrant(sha256=blob.sha256, work_order_id=order_id))
    for photo in db.session.scalars(select(Photo).where(
            Photo.sha256 == blob.sha256, Photo.work_order_id.in_(order_ids),
            Photo.status != "ready")):
        photo.status, photo.failure_reason = "ready", None
        photo.width, photo.height = blob.width, blob.height


def ensure_image(blob: Blob) -> Blob:
    """Make sure ``blob`` is a checked image with renditions, checking opaque bytes now.

    Raises images.BadImage (the refusal is recorded and its photos marked failed).
    """
    if blob.image_format is not None:
        return blob
    with scratch_files() as (fd, scratch, new_scratch):
        with os.fdopen(fd, "wb") as out, storage().open(blob.storage_key) as source:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        try:
            checked = store_renditions(blob.sha256, scratch, new_scratch)
        except images.BadImage as refused:
            _record_refusal(blob.sha256, refused, set(db.session.scalars(
                select(Photo.work_order_id).where(Photo.sha256 == blob.sha256))))
            raise
    # The original stays: this may run inside a transaction that is later rolled back.
    describe(blob, checked)
    for photo in db.session.scalars(select(Photo).where(Photo.sha256 == blob.sha256)):
        photo.width, photo.height = blob.width, blob.height
    db.session.flush()
    return blob


def image_of(sha256: str, order_id=None) -> Blob | None:
    """The checked image stored under ``sha256``, or None while its bytes have not arrived
    (for ``order_id``, when given: bytes not granted to that order count as not arrived).

    Raises images.BadImage when opaque bytes (stored before images were checked on
    arrival) turn out not to be an acceptable image.
    """
    blob = db.session.get(Blob, sha256) if order_id is None else available_for(sha256, order_id)
    if blob is None:
        return None
    return ensure_image(blob)


def store_uploaded_image(stream: BinaryIO, limit: int, field: str = "image") -> Blob:
    """An image uploaded from the console (a claim's photo, a return's receipt, an article's
    image): hashed while streamed into a scratch file, checked and stored as renditions
    (metadata such as EXIF dropped by the re-encoding), the original only with
    KEEP_PHOTO_ORIGINALS; the same bytes again reuse the stored blob. Raises Invalid naming ``field`` when empty or not an acceptable image,
    TooLarge past ``limit``; nothing is stored then. Flushes only."""
    with scratch_files() as (fd, scratch, new_scratch):
        with os.fdopen(fd, "wb") as out:
            sha256, size = copy_hashed(stream, out, limit, field, "An image")
        if size == 0:
            raise Invalid("Choose an image file.", {field: ["is empty"]}, code="empty")
        existing = db.session.get(Blob, sha256)
        try:
            if existing is not None and is_stored(existing):
                return ensure_image(existing)
            checked = store_renditions(sha256, scratch, new_scratch)
        except images.BadImage as refused:
            raise Invalid(refused.message, {field: [refused.message]},
                          code=refused.code) from None
        keep = current_app.config["KEEP_PHOTO_ORIGINALS"]
        if keep:
            storage().put_file(key_for(sha256), scratch)
        blob = existing or Blob(sha256=sha256)
        blob.size, blob.storage_key = size, key_for(sha256)
        blob.content_type, blob.original_kept = checked.content_type, keep
        describe(blob, checked)
        db.session.add(blob)
        db.session.flush()
    return blob
