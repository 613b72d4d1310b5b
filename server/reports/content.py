""""Sign what you see": the content a customer signs, and its canonical hash.

The phone builds the same object from the rows it holds, shows it to the customer, and
stores the hash with the signature; the server builds it again from its own rows and
renders the report only if the two hashes are equal. The contract (version 1) is
docs/signed-content.md; tests/vectors/signed_content.json holds the shared test vectors
both implementations must reproduce byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata

from sqlalchemy import select

from ..assets.service import warranty_status
from ..checklists.service import signed_entries
from ..extensions import db
from ..media.models import Photo
from ..workorders.charges import order_charges

VERSION = 1
# Version 2 = version 1 plus "rework_of" and the charges' discount. An order that is no
# rework and has no discount is still signed as version 1, byte for byte as before.
VERSION_2 = 2


def version_of(order) -> int:
    """1, or 2 when the order is a rework or carries the office's discount."""
    return VERSION_2 if (order.rework_of or order.discount_kind) else VERSION


def language_of(order) -> str:
    """The report language: "zh" for any Chinese, otherwise "en"."""
    return "zh" if (order.language or "").lower().startswith("zh") else "en"


def address_line(address) -> str:
    """line1, line2, district, city joined with ", ", skipping empty parts."""
    parts = (address.line1, address.line2, address.district, address.city)
    return ", ".join(part for part in parts if part)


def _parts(charges, language: str) -> list[dict]:
    """One entry per part (``charges.sum_parts``: summed lines, zero omitted, by sku)."""
    return [{"sku": entry.sku, "name": entry.name(language), "quantity": entry.quantity,
             "unit_price_cents": entry.unit_price_cents, "total_cents": entry.total_cents}
            for entry in charges.parts]


def signed_content(order) -> dict:
    """The signed content of ``order`` (version 1 or 2), exactly as docs/signed-content.md
    says."""
    version = version_of(order)
    language = language_of(order)
    asset = order.asset
    charges = order_charges(order)
    photos = db.session.scalars(select(Photo).where(Photo.work_order_id == order.id,
                                                    Photo.status != "failed"))
    content = {
        "v": version,
        "order": {"id": str(order.id).lower(), "number": order.number},
        "language": language,
        "customer": {"name": order.customer.name, "address": address_line(order.address)},
        "asset": None if asset is None else {
            "brand": asset.brand, "model": asset.model, "serial": asset.serial,
            # As of the day the order was taken, like the order's own in_warranty.
            "warranty_status": warranty_status(asset, order.created_at.date()),
        },
        "fault": order.description,
        "diagnosis": order.diagnosis,
        "resolution": order.resolution,
        "root_cause": order.root_cause,
        "parts": _parts(charges, language),
        "charges": charges.as_content(version),
        "photos": sorted(({"kind": photo.kind, "sha256": photo.sha256} for photo in photos),
                         key=lambda photo: (photo["kind"], photo["sha256"])),
    }
    if version >= VERSION_2:
        content["rework_of"] = order.rework_of
    # Only an order with checklist answers has the key, so every earlier content (and its
    # signature) stays byte for byte what it was.
    checklist = signed_entries(order)
    if checklist:
        content["checklist"] = checklist
    return content


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(key): _nfc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    if isinstance(value, float):
        raise TypeError("signed content holds integers only, never floats")
    return value


def canonical(content: dict) -> str:
    """Keys sorted by code point, no whitespace, raw UTF-8, strings in NFC, integers only."""
    return json.dumps(_nfc(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def content_hash(content: dict) -> str:
    """SHA-256 (lowercase hex) of the canonical form's UTF-8 bytes."""
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()
