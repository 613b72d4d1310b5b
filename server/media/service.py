"""Photos and signatures attached to orders. Functions flush; the caller commits.

Blob bytes arrive separately (``blobs``); a photo or signature may reference a hash whose
bytes have not arrived yet and stays ``pending`` until they do. A photo whose bytes were
refused (not an image, truncated, too large…) is ``failed`` with the reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from ..errors import Conflict
from ..extensions import db
from .blobs import available_for
from .models import BlobRefusal, Photo, Signature


def attach_photo(order, photo_id: uuid.UUID, kind: str, sha256: str,
                 taken_at: datetime | None, caption: str | None = None,
                 known_new: bool = False, bytes_unknown: bool = False,
                 flush: bool = True) -> Photo:
    """Add a photo line to ``order``; a second call with the same id changes nothing.

    Raises Conflict if the id is already used for another order or other bytes.
    ``known_new``: the caller has just made sure the id is unused (sync's ``claim_line``).
    ``bytes_unknown``: the caller has just made sure no bytes and no refusal are recorded
    for ``sha256`` (a sync batch reads that for all its photos at once): the photo waits.
    ``flush=False`` leaves the flush to the caller.
    """
    existing = None if known_new else db.session.get(Photo, photo_id)
    if existing is not None:
        if existing.work_order_id != order.id or existing.sha256 != sha256:
            raise Conflict("This photo id is already used for something else.",
                           {"photo_id": ["is already used"]}, code="duplicate_id")
        return existing
    photo = Photo(**photo_row(order, photo_id, kind, sha256, taken_at, caption,
                              bytes_unknown=bytes_unknown))
    db.session.add(photo)
    if flush:
        db.session.flush()
    return photo


def photo_row(order, photo_id: uuid.UUID, kind: str, sha256: str, taken_at: datetime | None,
              caption: str | None = None, bytes_unknown: bool = False) -> dict:
    """A new photo line of ``order`` as ``attach_photo`` makes it (every column but
    ``created_at`` and ``sync_pos``), for a caller that inserts many at once (a sync batch:
    it then tells ``reports.triggers.note_written``, as a flush of the line would)."""
    # Ready only when the bytes were uploaded for this order (media.blobs): bytes stored for
    # someone else's order stay out of reach until this device uploads them too.
    blob = None if bytes_unknown else available_for(sha256, order.id)
    refusal = db.session.get(BlobRefusal, sha256) if blob is None and not bytes_unknown \
        else None
    return {"id": photo_id, "work_order_id": order.id, "kind": kind, "sha256": sha256,
            "taken_at": taken_at, "caption": caption,
            "status": "ready" if blob else "failed" if refusal else "pending",
            "failure_reason": refusal.reason if refusal else None,
            "width": blob.width if blob else None, "height": blob.height if blob else None}


def capture_signature(order, signature_id: uuid.UUID, signer_name: str, image_sha256: str,
                      content_hash: str, signed_at: datetime | None,
                      latitude: float | None, longitude: float | None) -> Signature:
    """Record the customer's signature. Write-once: a different second signature is refused.

    Raises Conflict (code ``already_signed``) when the order already has another signature.
    """
    existing = db.session.scalar(select(Signature).where(Signature.work_order_id == order.id))
    if existing is not None:
        if existing.id == signature_id:
            return existing
        raise Conflict("The order is already signed; a new signature needs a reopened order.",
                       {"signature_id": ["the order already has a signature"]},
                       code="already_signed")
    signature = Signature(id=signature_id, work_order_id=order.id, signer_name=signer_name,
                          image_sha256=image_sha256, content_hash=content_hash,
                          signed_at_device=signed_at, latitude=latitude, longitude=longitude)
    db.session.add(signature)
    db.session.flush()
    return signature

