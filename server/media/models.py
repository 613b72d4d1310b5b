"""Blobs (content-addressed bytes), photos, signatures and signed reports."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Syncable, UTCDateTime, new_uuid, utcnow
from ..extensions import db


class PhotoKind(enum.StrEnum):
    BEFORE = "before"
    AFTER = "after"
    OTHER = "other"


class Blob(db.Model):
    """Bytes stored once under their SHA-256; the storage key is made by the server.

    A blob that is an image was checked on arrival (``media.images``): ``image_format`` is
    its real type, and metadata-free renditions sit beside it (``rendition_key``). Its
    original bytes are kept only when KEEP_PHOTO_ORIGINALS is set (``original_kept``).
    Other bytes are opaque: ``image_format`` is None and nothing was derived from them.
    """

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    image_format: Mapped[str | None] = mapped_column(String(10))  # jpeg | png | webp
    # Pixel size after the EXIF orientation was applied.
    width: Mapped[int | None]
    height: Mapped[int | None]
    # File extension of the renditions: "jpg", or "png" for images with transparency.
    rendition_ext: Mapped[str | None] = mapped_column(String(4))
    original_kept: Mapped[bool] = mapped_column(default=True, server_default=sa_true())


class BlobRefusal(db.Model):
    """Bytes refused on arrival, and why; nothing of them is stored.

    A photo attached later with this hash is marked failed with the same reason instead of
    waiting forever for bytes that will never be accepted. Accepted bytes remove the row.
    """

    __tablename__ = "blob_refusals"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlobGrant(db.Model):
    """An order that may use a blob: its bytes were uploaded by someone who may work on it.

    Content-addressed bytes are shared, so knowing a hash must never be enough to use the
    bytes behind it: a photo becomes ready, a signature image counts and the office can read
    the bytes only through an order that has a grant, and a grant is made only by a ``PUT``
    of the very bytes from someone whose order references them (``media.blobs``).
    """

    __tablename__ = "blob_grants"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"),
                                                     primary_key=True, index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Photo(Syncable, db.Model):
    __tablename__ = "photos"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    caption: Mapped[str | None] = mapped_column(String(200))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # pending (bytes not yet uploaded) | ready | failed
    status: Mapped[str] = mapped_column(String(10), default="pending")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Signature(Syncable, db.Model):
    """The customer's signature on an order's report. Write-once."""

    __tablename__ = "signatures"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    signer_name: Mapped[str] = mapped_column(String(120))
    image_sha256: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at_device: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # indexed: the weekly QC draw reads a week's signatures by when they arrived
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]


class Report(Syncable, db.Model):
    """The rendered, digitally signed PDF of an order's service report: one per signature.

    Its life is kept by ``server.reports.service`` (see the status list there).
    """

    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    work_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("work_orders.id"), index=True)
    signature_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("signatures.id"),
                                                           unique=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    # waiting | hash_mismatch | rendering | ready | failed | needs_resign
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    # The signed-content hash the PDF proves, set once the signature's hash matched.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdf_size: Mapped[int | None]
    language: Mapped[str] = mapped_column(String(10), default="en")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
