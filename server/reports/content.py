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
from collections import defaultdict

from sqlalchemy import select

from ..assets.service import warranty_status
from ..extensions import db
from ..media.models import Photo

VERSION = 1


def language_of(order) -> str:
    """The report language: "zh" for any Chinese, otherwise "en"."""
    return "zh" if (order.language or "").lower().startswith("zh") else "en"


def address_line(address) -> str:
    """line1, line2, district, city joined with ", ", skipping empty parts."""
    parts = (address.line1, address.line2, address.district, address.city)
    return ", ".join(part for part in parts if part)


def _parts(order, language: str) -> list[dict]:
    """One entry per part: summed line quantities (returns are negative lines), zero omitted.

    The unit price is the one recorded on the part's lines (the catalogue price when it was
    used); should lines of one part carry different prices, the highest is taken.
    """
    quantity: dict = defaultdict(int)
    price: dict = {}
    parts: dict = {}
    for line in order.parts_used:
        quantity[line.part_id] += line.quantity
        price[line.part_id] = max(price.get(line.part_id, line.unit_price_cents),
                                  line.unit_price_cents)
        parts[line.part_id] = line.part
    entries = []
    for part_id, count in quantity.items():
        if count == 0:
            continue
        part = parts[part_id]
        entries.append({"sku": part.sku,
                        "name": part.name_zh if language == "zh" else part.name_en,
                        "quantity": count, "unit_price_cents": price[part_id],
                        "total_cents": count * price[part_id]})
    return sorted(entries, key=lambda entry: entry["sku"])


def signed_content(order) -> dict:
    """The version-1 signed content of ``order``, exactly as docs/signed-content.md says."""
    language = language_of(order)
    asset = order.asset
    parts = _parts(order, language)
    in_warranty = bool(order.in_warranty)
    if in_warranty:
        charges = {"parts_cents": 0, "labour_cents": 0, "travel_cents": 0, "total_cents": 0}
    else:
        parts_cents = sum(entry["total_cents"] for entry in parts)
        charges = {"parts_cents": parts_cents, "labour_cents": order.labour_cents or 0,
                   "travel_cents": order.travel_cents or 0}
        charges["total_cents"] = sum(charges.values())
    photos = db.session.scalars(select(Photo).where(Photo.work_order_id == order.id,
                                                    Photo.status != "failed"))
    return {
        "v": VERSION,
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
        "parts": parts,
        "charges": {"in_warranty": in_warranty, **charges, "currency": order.currency},
        "photos": sorted(({"kind": photo.kind, "sha256": photo.sha256} for photo in photos),
                         key=lambda photo: (photo["kind"], photo["sha256"])),
    }


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
