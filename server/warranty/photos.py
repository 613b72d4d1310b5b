"""Photos attached to a warranty claim itself (the manufacturer often asks for the rating
plate or the faulty part), beside the visit's photos.

Uploaded from the claim page through the blob store's image sequence
(``media.blobs.store_uploaded_image``: hashed, checked, stored as renditions, metadata
dropped); added and removed only while the claim is a draft — once submitted, the
manufacturer has seen them. Every change is audited. Flushes only.
"""

from __future__ import annotations

import uuid
from typing import BinaryIO

from flask import send_file
from flask_babel import gettext as _

from ..audit import service as audit
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..media import blobs
from ..media.models import Blob
from ..media.storage import storage
from .models import WarrantyClaim, WarrantyClaimPhoto

MAX_PHOTOS = 20


def _draft_only(claim: WarrantyClaim) -> None:
    if claim.state != "draft":
        raise Conflict(_("Photos can be added or removed only while the claim is a draft."),
                       code="claim_not_draft")


def add_photo(actor, claim: WarrantyClaim, stream: BinaryIO, limit: int,
              caption: str | None = None) -> WarrantyClaimPhoto:
    """Attach an uploaded image. Raises Invalid naming ``photo`` (empty, not an image,
    too many), ``caption`` (too long), TooLarge past ``limit``, Conflict
    ``claim_not_draft``; nothing is stored then."""
    _draft_only(claim)
    caption = (caption or "").strip() or None
    if caption is not None and len(caption) > 200:
        raise Invalid(_("The caption is too long."), {"caption": [_("at most 200 characters")]})
    if len(claim.photos) >= MAX_PHOTOS:
        raise Invalid(_("A claim holds at most %(n)d photos.", n=MAX_PHOTOS),
                      {"photo": [_("at most %(n)d photos", n=MAX_PHOTOS)]})
    try:
        blob = blobs.store_uploaded_image(stream, limit, "photo")
    except blobs.TooLarge:
        megabytes = max(limit // (1024 * 1024), 1)
        raise blobs.TooLarge(_("The photo may be at most %(n)d MB.", n=megabytes),
                             {"photo": [_("larger than %(n)d MB", n=megabytes)]},
                             code="too_large") from None
    except Invalid as refused:
        raise Invalid(_("This file is not an image we can use (JPEG, PNG or WebP)."),
                      {"photo": [_("not a JPEG, PNG or WebP image") if refused.code != "empty"
                                 else _("is empty")]}, code=refused.code) from None
    photo = WarrantyClaimPhoto(claim_id=claim.id, sha256=blob.sha256, caption=caption,
                               uploaded_by=getattr(actor, "id", None))
    db.session.add(photo)
    db.session.flush()
    claim.photos.append(photo) if photo not in claim.photos else None
    audit.record("warranty_claim.photo_added", actor, claim, number=claim.number,
                 photo_id=str(photo.id), sha256=blob.sha256)
    return photo


def get_photo(claim: WarrantyClaim, photo_id: uuid.UUID) -> WarrantyClaimPhoto:
    photo = db.session.get(WarrantyClaimPhoto, photo_id)
    if photo is None or photo.claim_id != claim.id:
        raise NotFound(_("No such photo."))
    return photo


def remove_photo(actor, claim: WarrantyClaim, photo_id: uuid.UUID) -> None:
    """Take a photo off a draft claim (the bytes stay: other rows may share them)."""
    photo = get_photo(claim, photo_id)
    _draft_only(claim)
    audit.record("warranty_claim.photo_removed", actor, claim, number=claim.number,
                 photo_id=str(photo.id), sha256=photo.sha256)
    claim.photos.remove(photo)
    db.session.delete(photo)
    db.session.flush()


def serve(claim: WarrantyClaim, photo_id: uuid.UUID, rendition: str):
    """The photo's ``thumb`` or ``display`` rendition."""
    photo = get_photo(claim, photo_id)
    blob = db.session.get(Blob, photo.sha256)
    if blob is None or blob.rendition_ext is None:
        raise NotFound(_("No such photo."))
    mimetype = "image/png" if blob.rendition_ext == "png" else "image/jpeg"
    return send_file(storage().open(blobs.rendition_key(blob, rendition)), mimetype=mimetype,
                     etag=f"{photo.sha256}.{rendition}", max_age=3600)
