"""A whole visit as a technician's phone does it, for the photo, report and bench code.

Real images made with Pillow, uploaded as a phone would (``PUT /api/v1/blobs/<sha256>``),
and mutations pushed through the sync protocol (``tests.sync.phone.Phone``). The signed
content is built on the phone side from the rows the phone pulled (``phone_content``), as
the PWA must do it — not by asking the server — so a mismatch in the contract shows.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from PIL import Image, ImageDraw, ImageFilter

from server.extensions import db
from tests.sync.phone import Phone, new_id

# -- images ---------------------------------------------------------------------------------------

def photo(width: int = 1600, height: int = 1200, seed: int = 1, fmt: str = "JPEG",
          quality: int = 90, exif=None, grain: float = 0.08, **save) -> bytes:
    """A photo-like picture: soft light, a few objects, sensor noise; JPEG, PNG or WebP.

    ``grain`` 0.18 gives the detail of a real phone photo (a 12-megapixel JPEG of ~4 MB).
    """
    rng = random.Random(seed)
    small = Image.new("RGB", (64, 48))
    draw = ImageDraw.Draw(small)
    top, bottom = ([rng.randint(60, 200) for _ in range(3)] for _ in range(2))
    for y in range(48):
        mix = y / 47
        colour = tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (64, y)], fill=colour)
    for _ in range(6):
        x, y = rng.randint(0, 56), rng.randint(0, 40)
        draw.rectangle([x, y, x + rng.randint(4, 20), y + rng.randint(4, 16)],
                       fill=tuple(rng.randint(20, 235) for _ in range(3)))
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    image = image.filter(ImageFilter.GaussianBlur(radius=max(1, width // 400)))
    noise = Image.effect_noise((width, height), 9 if grain <= 0.08 else 40).convert("RGB")
    image = Image.blend(image, noise, grain)
    out = io.BytesIO()
    if exif is not None:
        save["exif"] = exif
    if fmt == "JPEG":
        image.save(out, fmt, quality=quality, **save)
    else:
        image.save(out, fmt, **save)
    return out.getvalue()


def signature_png(name: str = "sig") -> bytes:
    """A handwritten-looking signature on a transparent background."""
    rng = random.Random(name)
    image = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    x, y = 30, 120
    points = []
    for _ in range(40):
        x += rng.randint(8, 16)
        y = max(40, min(170, y + rng.randint(-30, 30)))
        points.append((x, y))
    draw.line(points, fill=(20, 35, 90, 255), width=5, joint="curve")
    draw.line([(60, 160), (520, 150)], fill=(20, 35, 90, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the phone's side of "sign what you see" ---------------------------------------------------

def phone_content(phone: Phone, order_id: str) -> dict:
    """The signed content (version 1, or 2 for a rework or a discount) built from what the
    phone pulled (docs/signed-content.md)."""
    order = phone.rows("work_order")[order_id]
    customer = phone.rows("customer")[order["customer_id"]]
    address = phone.rows("address")[order["address_id"]]
    asset = phone.rows("asset").get(order["asset_id"]) if order["asset_id"] else None
    language = "zh" if (order["language"] or "").lower().startswith("zh") else "en"
    quantity, price = defaultdict(int), {}
    for line in phone.rows("part_usage").values():
        if line["work_order_id"] == order_id:
            quantity[line["part_id"]] += line["quantity"]
            price[line["part_id"]] = max(price.get(line["part_id"], line["unit_price_cents"]),
                                         line["unit_price_cents"])
    parts = []
    catalogue = phone.rows("part")
    for part_id, count in quantity.items():
        if count:
            part = catalogue[part_id]
            parts.append({"sku": part["sku"],
                          "name": part["name_zh"] if language == "zh" else part["name_en"],
                          "quantity": count, "unit_price_cents": price[part_id],
                          "total_cents": count * price[part_id]})
    parts.sort(key=lambda entry: entry["sku"])
    in_warranty = bool(order["in_warranty"])
    if in_warranty:
        charges = {"parts_cents": 0, "labour_cents": 0, "travel_cents": 0, "total_cents": 0}
    else:
        charges = {"parts_cents": sum(entry["total_cents"] for entry in parts),
                   "labour_cents": order["labour_cents"], "travel_cents": order["travel_cents"]}
        charges["total_cents"] = sum(charges.values())
    version = 2 if (order.get("rework_of") or order.get("discount_kind")) else 1
    discount = 0
    if not in_warranty and order.get("discount_kind") and order.get("discount_value"):
        gross = charges["total_cents"]
        value = order["discount_value"]
        discount = (gross * min(value, 100) // 100 if order["discount_kind"] == "percent"
                    else min(value, gross)) if gross > 0 else 0
        charges["total_cents"] = gross - discount
    warranty = None
    if asset is not None:
        created = datetime.fromisoformat(order["created_at"]).date()
        end = date.fromisoformat(asset["warranty_end"]) if asset["warranty_end"] else None
        warranty = "unknown" if end is None else \
            "in_warranty" if end >= created else "out_of_warranty"
    photos = [{"kind": row["kind"], "sha256": row["sha256"]}
              for row in phone.rows("photo").values()
              if row["work_order_id"] == order_id and row["status"] != "failed"]
    content = {
        "v": version,
        "order": {"id": order_id.lower(), "number": order["number"]},
        "language": language,
        "customer": {"name": customer["name"],
                     "address": ", ".join(p for p in (address["line1"], address["line2"],
                                                      address["district"], address["city"]) if p)},
        "asset": None if asset is None else {"brand": asset["brand"], "model": asset["model"],
                                             "serial": asset["serial"],
                                             "warranty_status": warranty},
        "fault": order["description"], "diagnosis": order["diagnosis"],
        "resolution": order["resolution"], "root_cause": order["root_cause"],
        "parts": parts,
        "charges": {"in_warranty": in_warranty, **charges, "currency": order["currency"]},
        "photos": sorted(photos, key=lambda p: (p["kind"], p["sha256"])),
        **({"checklist": checklist} if (checklist := _checklist(phone, order_id)) else {}),
    }
    if version == 2:
        content["rework_of"] = order.get("rework_of")
        content["charges"]["discount_cents"] = discount
        content["charges"]["discount_reason"] = (
            order.get("discount_reason") if order.get("discount_kind") and not in_warranty
            else None)
    return content


def _checklist(phone: Phone, order_id: str) -> list[dict]:
    """Each item's current answer (latest device time, then larger id), by template, key."""
    latest = {}
    for row in sorted((r for r in phone.rows("checklist_answer").values()
                       if r["work_order_id"] == order_id),
                      key=lambda r: (datetime.fromisoformat(r["device_time"] or r["created_at"]),
                                     r["id"])):
        latest[(row["template_id"], row["item_key"])] = row
    return [{"template": template.lower(), "version": row["template_version"], "key": key,
             "value": row["value"]} for (template, key), row in sorted(latest.items())]


def phone_hash(content: dict) -> str:
    """The canonical hash, written independently of server.reports.content."""
    import unicodedata

    def nfc(value):
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value)
        if isinstance(value, dict):
            return {nfc(k): nfc(v) for k, v in value.items()}
        if isinstance(value, list):
            return [nfc(v) for v in value]
        return value

    text = json.dumps(nfc(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# -- a visit ---------------------------------------------------------------------------------------

@dataclass
class Visit:
    """A technician's visit to ``order`` through the phone, step by step."""

    client: object
    phone: Phone
    order: object
    photos: list[bytes] = field(default_factory=list)
    quote: dict | None = None

    @property
    def order_id(self) -> str:
        return str(self.order.id)

    def push(self, name: str, **args) -> dict:
        if name == "use_part" or (name == "transition" and args.get("to") == "completed"):
            self._quote_first()  # out of warranty the customer decides first (billing)
        self.phone.queue(name, {"order_id": self.order_id, **args})
        body = self.phone.push().get_json()
        result = body["results"][-1]
        assert result["status"] == "applied", result
        return result

    def upload(self, data: bytes, content_type: str = "image/jpeg"):
        return self.client.put(f"/api/v1/blobs/{sha(data)}", data=data,
                               headers={**self.phone._headers(), "Content-Type": content_type})

    def arrive(self):
        for to in ("en_route", "on_site"):
            self.push("transition", to=to, device_time=self.phone.now())
        return self

    def decide_quote(self, parts: tuple = (), decision: str = "approved",
                     signer: str = "Customer") -> dict:
        """Out of warranty, the customer approves (or declines) the quote for ``parts`` from
        the price list before the work (server/billing); returns the quote's content."""
        self.phone.pull()
        wanted: dict[str, int] = {}
        for part, quantity in parts:
            if quantity > 0:
                wanted[str(part.id)] = wanted.get(str(part.id), 0) + quantity
        lines = self.phone.price_list_lines(self.order_id, wanted)
        _, self.quote = self.phone.decide_quote(self.order_id, lines, decision, signer)
        result = self.phone.push().get_json()["results"][-1]
        assert result["status"] == "applied", result
        return self.quote

    def _quote_first(self, parts: tuple = ()):
        db.session.refresh(self.order)
        if self.quote is None and not self.order.in_warranty:
            self.decide_quote(parts)

    def work(self, diagnosis: str, resolution: str, root_cause: str = "wear_and_tear",
             parts: tuple = ()):
        self._quote_first(parts)
        self.push("set_fields", fields={"diagnosis": diagnosis, "resolution": resolution,
                                        "root_cause": root_cause},
                  device_time=self.phone.now())
        for part, quantity in parts:
            name = "use_part" if quantity > 0 else "return_part"
            self.push(name, line_id=new_id(), part_id=str(part.id), quantity=abs(quantity),
                      device_time=self.phone.now())
        return self

    def take_photo(self, kind: str, data: bytes, caption: str | None = None,
                   upload: bool = True, content_type: str = "image/jpeg"):
        self.push("attach_photo", photo_id=new_id(), kind=kind, sha256=sha(data),
                  taken_at=self.phone.now(), caption=caption)
        if upload:
            response = self.upload(data, content_type)
            assert response.status_code in (200, 201), response.get_json()
        self.photos.append(data)
        return self

    def complete(self, rating: int | None = 5, comment: str | None = None):
        self.push("transition", to="completed", device_time=self.phone.now())
        if rating:
            self.push("submit_survey", survey_id=new_id(), rating=rating, comment=comment)
        return self

    def sign(self, signer: str, content_hash: str | None = None, upload_image: bool = True):
        """The customer signs what the phone shows; returns the content the phone hashed."""
        self.phone.pull()
        content = phone_content(self.phone, self.order_id)
        image = signature_png(signer)
        self.push("capture_signature", signature_id=new_id(), signer_name=signer,
                  image_sha256=sha(image), content_hash=content_hash or phone_hash(content),
                  device_time=self.phone.now(), latitude=31.19, longitude=121.44)
        if upload_image:  # after the mutation that references it, as the app does
            assert self.upload(image, "image/png").status_code in (200, 201)
        return content


# -- Chinese labels before the catalogue has them ---------------------------------------------

REPORT_MESSAGES_ZH = "tests/vectors/report_messages_zh.json"


def install_report_translations() -> dict:
    """Make the Chinese catalogue include tests/vectors/report_messages_zh.json, for this
    process, as if it had been merged into server/translations (which another change does).

    Returns the previous cache entry for ``restore_translations``. Needs an app context.
    """
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations
    from flask import current_app
    from flask_babel import get_domain

    root = Path(current_app.root_path).parent
    po = root / "server" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="zh")
    extra = json.loads((root / REPORT_MESSAGES_ZH).read_text(encoding="utf-8"))
    for msgid, string in extra.items():
        existing = catalog.get(msgid)
        if existing is None or not existing.string:
            catalog.add(msgid, string)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    domain = get_domain()
    key = ("zh", domain.domain[0])
    previous = domain.cache.get(key)
    domain.cache[key] = Translations(fp=buffer, domain=domain.domain[0])
    return {"key": key, "previous": previous}


def restore_translations(saved: dict) -> None:
    from flask_babel import get_domain

    cache = get_domain().cache
    if saved["previous"] is None:
        cache.pop(saved["key"], None)
    else:
        cache[saved["key"]] = saved["previous"]
