"""Turning an order into its service report PDF: the page's data, the template, WeasyPrint.

The page is ``templates/reports/report.html`` rendered in the order's language. Everything
it shows of the signed content comes from ``content.signed_content`` — the same object the
customer's hash covers — and the rest (times, signature, rating) from the order's records.
Photos are embedded as their print renditions (made on upload), never as originals.

Nothing here writes to the database. WeasyPrint may fetch only the images we hand it
(``_asset_fetcher``): a template can never reach the network or the file system.
"""

from __future__ import annotations

import mimetypes
import struct
import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from babel.numbers import format_currency
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..checklists.service import printed as printed_checklists
from ..extensions import db
from ..feedback.models import Survey
from ..media import blobs, images
from ..media.models import Photo, Signature
from ..media.storage import storage
from ..workorders.discounts import REASONS as DISCOUNT_REASONS
from ..workorders.visit import time_on_site
from .content import signed_content
from ..settings.service import get as setting
from ..settings.service import public_url

PHOTO_BOX = images.PRINT_BOX
SIGNATURE_BOX = images.PRINT_BOX
LOCALES = {"en": "en", "zh": "zh_Hans_CN"}

WARRANTY = {"in_warranty": _l("In warranty"), "out_of_warranty": _l("Out of warranty"),
            "unknown": _l("Warranty unknown")}
PHOTO_KINDS = {"before": _l("Before"), "after": _l("After"), "other": _l("Photo")}
ROOT_CAUSES = {
    "wear_and_tear": _l("Wear and tear"), "installation_fault": _l("Installation fault"),
    "manufacturing_defect": _l("Manufacturing defect"), "misuse": _l("Misuse"),
    "power_supply": _l("Power supply"), "water_supply": _l("Water supply"),
    "blockage": _l("Blockage"), "refrigerant_leak": _l("Refrigerant leak"),
    "control_board": _l("Control board"), "no_fault_found": _l("No fault found"),
    "other": _l("Other"),
}


@dataclass
class PhotoView:
    kind: str
    label: str
    caption: str | None
    taken: str | None
    src: str


@dataclass
class Page:
    """What the template shows. ``content`` is the signed content itself."""

    content: dict
    report_number: str
    company: dict
    technician: str | None
    visit: dict
    photos: list[PhotoView]
    photo_pairs: list[tuple[PhotoView | None, PhotoView | None]]
    signature: dict
    rating: dict | None
    root_cause: str | None
    discount_reason: str | None
    warranty: str | None
    money: dict
    verify_url: str
    content_hash: str
    assets: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    timezone: str = "UTC"
    # Not signed content: the quote the customer decided on and what was paid on site
    # (server/billing), as they stood when the report was rendered.
    settlement: dict | None = None
    # The signed checklist answers, labelled (server.checklists.service.printed).
    checklists: list = field(default_factory=list)


def _asset_fetcher(assets: dict[str, tuple[bytes, str]]):
    """WeasyPrint's only source of external resources: the images we prepared.

    Anything else (a URL in user text, a file path) fails the render instead of being
    fetched; a missing image fails it too rather than leaving a hole.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Assets(URLFetcher):
        def fetch(self, url, headers=None):
            if url not in assets:
                raise ValueError(f"the report may not load {url!r}")
            data, mime_type = assets[url]
            return URLFetcherResponse(url, data, {"Content-Type": mime_type}, 200)

    return Assets(fail_on_errors=True)


def _when(value: datetime | None, language: str, date: str | None = "yMMMd",
          time: str | None = "Hm") -> str | None:
    """A time in the company's time zone, its date and time parts each in the language's
    usual form (CLDR skeletons)."""
    if value is None:
        return None
    zone = ZoneInfo(setting("DOORSTEP_TIMEZONE"))
    return " ".join(format_skeleton(skeleton, value, tzinfo=zone, locale=LOCALES[language])
                    for skeleton in (date, time) if skeleton)


def _money(cents: int, currency: str, language: str) -> str:
    return format_currency(Decimal(cents) / 100, currency, locale=LOCALES[language])


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=f"{rest:02d}")
    return _("%(minutes)s min", minutes=rest)


def _visit(order, language: str) -> dict:
    """The visit's date, arrival, completion and duration as the report prints them (the
    span is the one the order page shows: workorders.visit.time_on_site)."""
    on_site = time_on_site(order)
    start, end = on_site.arrived_at, on_site.completed_at
    visit = {"date": _when(start or end, language, time=None), "from": None, "to": None,
             "duration": None}
    if on_site.minutes is not None:
        visit["from"] = _when(start, language, date=None)
        visit["to"] = _when(end, language, date=None)
        visit["duration"] = _duration(on_site.minutes)
    return visit


LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}


def _logo(assets: dict) -> str | None:
    """The company logo: the one an admin uploaded (/admin/settings), else the file in
    DOORSTEP_COMPANY_LOGO (a PNG, JPEG or SVG file), if set.

    Raises ValueError when the file is missing or of another type: a report must not be
    issued without the letterhead the company configured.
    """
    from ..settings.service import logo

    uploaded = logo()
    if uploaded is not None:
        assets["doorstep-asset:logo"] = uploaded
        return "doorstep-asset:logo"
    path = current_app.config.get("DOORSTEP_COMPANY_LOGO")
    if not path:
        return None
    mime_type = mimetypes.guess_type(path)[0]
    if mime_type not in LOGO_TYPES:
        raise ValueError(f"DOORSTEP_COMPANY_LOGO must be a PNG, JPEG or SVG file: {path}")
    assets["doorstep-asset:logo"] = (Path(path).read_bytes(), mime_type)
    return "doorstep-asset:logo"


def _image(sha256: str, box: tuple[int, int]) -> tuple[bytes, str] | None:
    """The print-size image of a checked blob, or None when its bytes have not arrived.

    Raises images.BadImage for opaque bytes that are not an acceptable image.
    """
    blob = blobs.image_of(sha256)
    if blob is None:
        return None
    store = storage()
    mime_type = "image/png" if blob.rendition_ext == "png" else "image/jpeg"
    if box == images.PRINT_BOX and store.exists(blobs.rendition_key(blob, "print")):
        with store.open(blobs.rendition_key(blob, "print")) as source:
            return source.read(), mime_type
    with store.open(blobs.rendition_key(blob, "display")) as source:
        data = images.report_image(source, box)
    return data, "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def _photos(order, language: str, assets: dict
            ) -> tuple[list[PhotoView], list[tuple[PhotoView | None, PhotoView | None]]]:
    """The photos in order, and grouped as the report shows them: before/after pairs
    (the n-th before with the n-th after; None where one of a pair is missing), then the
    other photos two by two."""
    rows = list(current_photos(order))
    views: dict = {}
    for photo in rows:
        image = _image(photo.sha256, PHOTO_BOX)
        if image is None:
            continue
        name = f"doorstep-asset:photo/{photo.id}"
        assets[name] = image
        views[photo.id] = PhotoView(photo.kind, str(PHOTO_KINDS.get(photo.kind, photo.kind)),
                                    photo.caption, _when(photo.taken_at, language), name)
    by_kind = {kind: [views[p.id] for p in rows if p.kind == kind and p.id in views]
               for kind in ("before", "after", "other")}
    befores, afters, others = by_kind["before"], by_kind["after"], by_kind["other"]
    pairs = [(befores[i] if i < len(befores) else None, afters[i] if i < len(afters) else None)
             for i in range(max(len(befores), len(afters)))]
    pairs += [(others[i], others[i + 1] if i + 1 < len(others) else None)
              for i in range(0, len(others), 2)]
    flat = [view for pair in pairs for view in pair if view is not None]
    return flat, pairs


def current_photos(order):
    """The order's photos the report shows: not failed, by time taken then arrival."""
    return db.session.scalars(
        select(Photo).where(Photo.work_order_id == order.id, Photo.status != "failed")
        .order_by(Photo.taken_at.is_(None), Photo.taken_at, Photo.created_at, Photo.id))


def _place(order, language: str) -> str:
    address = order.address
    if language == "zh":
        return f"{address.city or ''}{address.district or ''}"
    return ", ".join(part for part in (address.district, address.city) if part)


def build_page(order, report, signature: Signature, content_hash: str) -> Page:
    """Everything the template needs, in the order's language.

    Raises images.BadImage when a photo's or the signature's bytes are not an image.
    """
    content = signed_content(order)
    language = content["language"]
    assets: dict[str, tuple[bytes, str]] = {}
    with force_locale(language):
        photos, photo_pairs = _photos(order, language, assets)
        signature_image = _image(signature.image_sha256, SIGNATURE_BOX)
        if signature_image is not None:
            assets["doorstep-asset:signature"] = signature_image
        survey = db.session.scalar(
            select(Survey).where(Survey.work_order_id == order.id)
            .order_by(Survey.submitted_at.desc()).limit(1))
        charges = content["charges"]
        currency = charges["currency"]
        money = {key: _money(value, currency, language)
                 for key, value in charges.items() if key.endswith("_cents")}
        money["parts"] = {entry["sku"]: (_money(entry["unit_price_cents"], currency, language),
                                         _money(entry["total_cents"], currency, language))
                          for entry in content["parts"]}
        asset = content["asset"]
        return Page(
            content=content,
            report_number=report.number,
            company={"name": setting("DOORSTEP_COMPANY_NAME"),
                     "address": setting("DOORSTEP_COMPANY_ADDRESS"),
                     "phone": setting("DOORSTEP_COMPANY_PHONE"),
                     "logo": _logo(assets)},
            technician=order.assignee.user.name if order.assignee else None,
            visit=_visit(order, language),
            photos=photos,
            photo_pairs=photo_pairs,
            signature={"name": signature.signer_name,
                       "image": "doorstep-asset:signature" if signature_image else None,
                       "when": _when(signature.signed_at_device or signature.received_at,
                                     language),
                       "place": _place(order, language)},
            rating={"stars": survey.rating, "comment": survey.comment} if survey else None,
            root_cause=str(ROOT_CAUSES.get(content["root_cause"], content["root_cause"]))
            if content["root_cause"] else None,
            warranty=str(WARRANTY[asset["warranty_status"]]) if asset else None,
            discount_reason=str(DISCOUNT_REASONS.get(charges.get("discount_reason"),
                                                     charges.get("discount_reason") or ""))
            or None,
            money=money,
            verify_url=f"{public_url()}/verify",
            content_hash=content_hash,
            assets=assets,
            timezone=setting("DOORSTEP_TIMEZONE"),
            settlement=_settlement(order, language),
            checklists=printed_checklists(content.get("checklist"), language),
        )


PAYMENT_METHODS = {"cash": _l("Cash"), "card": _l("Card"), "transfer": _l("Bank transfer")}
QUOTE_DECISIONS = {"approved": _l("Quote approved by %(name)s"),
                   "declined": _l("Quote declined by %(name)s: diagnostic fee only")}


def _settlement(order, language: str) -> dict | None:
    """The quote's decision and the payments on site, or None when there is neither."""
    from ..billing import service as billing

    quote = billing.quote_for(order)
    owed = billing.balance(order)
    if quote is None and not owed.payments:
        return None
    money = lambda cents: _money(cents, owed.currency, language)  # noqa: E731
    return {
        "quote": str(QUOTE_DECISIONS[quote.decision]) % {"name": quote.signer_name}
        if quote else None,
        "payments": [{"method": str(PAYMENT_METHODS[p.method]), "reference": p.reference,
                      "when": _when(p.paid_at_device, language),
                      "amount": money(p.amount_cents)} for p in owed.payments],
        "paid": money(owed.paid_cents + owed.refunded_cents),
        "refunded": money(owed.refunded_cents) if owed.refunded_cents else None,
        "due": money(owed.due_cents),
        # Paid above the total after a later decision (docs/sync-protocol.md §4a rule 5).
        "to_refund": money(owed.to_refund_cents) if owed.to_refund_cents else None,
    }


_styles = threading.local()


def _stylesheet():
    """reports/report.css, parsed once per thread, with the font configuration it uses.

    Parsing the style sheet and setting up fontconfig cost more than laying out the page;
    neither changes between reports. Per thread, because Pango objects are not shared
    across threads safely.
    """
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    path = Path(current_app.root_path) / "templates" / "reports" / "report.css"
    version = path.stat().st_mtime_ns
    cached = getattr(_styles, "value", None)
    if cached is None or cached[0] != (path, version):
        fonts = FontConfiguration()
        cached = ((path, version), CSS(string=path.read_text(encoding="utf-8"),
                                       font_config=fonts), fonts)
        _styles.value = cached
    return cached[1], cached[2]


def render_pdf(page: Page) -> tuple[bytes, FieldPlace]:  # noqa: F821
    """The unsigned PDF and where its visible signature field goes."""
    from weasyprint import HTML

    language = page.content["language"]
    with force_locale(language):
        html = render_template("reports/report.html", page=page, c=page.content)
    stylesheet, fonts = _stylesheet()
    document = HTML(string=html, url_fetcher=_asset_fetcher(page.assets),
                    base_url="doorstep-asset:").render(
        stylesheets=[stylesheet], font_config=fonts, custom_metadata=True)
    pdf = document.write_pdf(finisher=_compact_cjk_fonts, custom_metadata=True)
    return pdf, _seal_place(document)


def _seal_place(document) -> FieldPlace:  # noqa: F821
    """The page and box (PDF points) of the element with id "seal", where the field goes."""
    from .signing import FieldPlace

    for index, page in enumerate(document.pages):
        if "seal" in page.anchors:
            x1, y1, x2, y2 = page.anchors["seal"]
            height = page.height * 0.75
            return FieldPlace(index, (x1 * 0.75, height - y2 * 0.75, x2 * 0.75,
                                      height - y1 * 0.75))
    raise RuntimeError("the report template has no element with id 'seal'")


# -- smaller CJK fonts ------------------------------------------------------------------------

def _sfnt_table(data: bytes, tag: bytes) -> bytes | None:
    count = struct.unpack(">H", data[4:6])[0]
    for index in range(count):
        record = data[12 + 16 * index:28 + 16 * index]
        if record[:4] == tag:
            offset, length = struct.unpack(">II", record[8:16])
            return data[offset:offset + length]
    return None


def _compact_cjk_fonts(document, pdf) -> None:
    """Embed CJK fonts as small CID-keyed CFF subsets instead of WeasyPrint's default.

    WeasyPrint keeps glyph ids when it subsets a font, so a CFF font with 65,535 glyphs
    (Noto Sans CJK) keeps an empty entry for every id up to the highest one used: about
    100 KB per weight even for a few characters. A CID-keyed CFF font selects glyphs by CID
    through its charset, and HarfBuzz's subsetter preserves CIDs, so the same text embedded
    as bare CFF (FontFile3 /CIDFontType0C) needs only the glyphs used: a few KB. Fonts that
    are not CID-keyed CFF are left as WeasyPrint made them.
    """
    import pydyf
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None or not hasattr(harfbuzz, "hb_set_add_sorted_array"):
        return
    fonts_by_content: dict[int, list] = {}
    for font in document.fonts.values():
        fonts_by_content.setdefault(id(font.file_content), []).append(font)
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Stream) and obj.extra.get("Subtype") == "/OpenType"):
            continue
        fonts = fonts_by_content.get(id(obj.stream[0])) if obj.stream else None
        if not fonts:
            continue
        cff = _sfnt_table(obj.stream[0], b"CFF ")
        if cff is None or not _is_cid_keyed(cff):
            continue
        glyphs = {0}
        for font in fonts:
            glyphs.update(font.to_unicode)
        subset = _hb_subset(fonts[0].hb_face, sorted(glyphs), ffi, harfbuzz, harfbuzz_subset)
        table = _sfnt_table(subset, b"CFF ") if subset else None
        if table and _is_cid_keyed(table):
            obj.stream = [table]
            obj.extra["Subtype"] = "/CIDFontType0C"


def _cff_index(cff: bytes, offset: int) -> tuple[list[bytes], int]:
    """The items of the CFF INDEX at ``offset``, and the offset just after it."""
    count = int.from_bytes(cff[offset:offset + 2], "big")
    if count == 0:
        return [], offset + 2
    size = cff[offset + 2]
    starts = [int.from_bytes(cff[offset + 3 + i * size:offset + 3 + (i + 1) * size], "big")
              for i in range(count + 1)]
    base = offset + 3 + (count + 1) * size - 1
    return [cff[base + starts[i]:base + starts[i + 1]] for i in range(count)], base + starts[-1]


def _dict_operators(data: bytes) -> set[int]:
    """The operators of a CFF DICT (two-byte ones as 1200 + second byte)."""
    operators, i = set(), 0
    while i < len(data):
        byte = data[i]
        if byte == 12:
            operators.add(1200 + data[i + 1])
            i += 2
        elif byte <= 21:
            operators.add(byte)
            i += 1
        elif byte == 28:
            i += 3
        elif byte == 29:
            i += 5
        elif byte == 30:  # a real number: nibbles up to an 0xf one
            i += 1
            while i < len(data):
                nibbles = data[i]
                i += 1
                if nibbles & 0x0F == 0x0F or nibbles >> 4 == 0x0F:
                    break
        elif byte >= 247:
            i += 2
        else:
            i += 1
    return operators


def _is_cid_keyed(cff: bytes) -> bool:
    """Whether a CFF table's top DICT has the ROS operator (12 30): a CID-keyed font."""
    try:
        _, after_names = _cff_index(cff, cff[2])
        top, _ = _cff_index(cff, after_names)
        return bool(top) and 1230 in _dict_operators(top[0])
    except IndexError:
        return False


def _hb_subset(face, glyphs, ffi, harfbuzz, harfbuzz_subset) -> bytes | None:
    plan = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(),
                  harfbuzz_subset.hb_subset_input_destroy)
    if plan == ffi.NULL:
        return None
    glyph_set = harfbuzz_subset.hb_subset_input_glyph_set(plan)
    array = ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs)
    harfbuzz.hb_set_add_sorted_array(glyph_set, array, len(glyphs))
    harfbuzz_subset.hb_subset_input_set_flags(
        plan, harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        | harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING)
    subset = harfbuzz_subset.hb_subset_or_fail(face, plan)
    if subset == ffi.NULL:
        return None
    subset = ffi.gc(subset, harfbuzz.hb_face_destroy)
    blob = ffi.gc(harfbuzz.hb_face_reference_blob(subset), harfbuzz.hb_blob_destroy)
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(blob, length)
    return bytes(ffi.buffer(data, length[0])) if length[0] else None
