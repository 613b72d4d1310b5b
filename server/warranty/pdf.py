"""A claim batch as a PDF summary for the manufacturer: the claims of one supplier (and
period, and state) the office filtered, each with the appliance, the fault, the parts with
their faulty and replacement serials, labour, travel, its state and the visit's before and
after photos — laid out with the service report's letterhead and style sheet
(WeasyPrint)."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..reports.render import (
    _asset_fetcher,
    PHOTO_BOX,
    PhotoView,
    _compact_cjk_fonts,
    _image,
    _logo,
    _money,
    _photos,
    _stylesheet,
    _when,
)
from ..settings.service import get as setting
from ..words import term
from .models import WarrantyClaim


def summary_pdf(claims: list[WarrantyClaim], supplier: str | None, start: date | None,
                end: date | None, language: str) -> bytes:
    """The PDF of ``claims`` (already filtered), in ``language``; totals per currency."""
    from weasyprint import HTML

    assets: dict = {}
    with force_locale(language):
        totals: dict[str, list[int]] = {}
        rows = []
        for c in claims:
            money = lambda cents, currency=c.currency: _money(cents, currency, language)  # noqa: E731
            claimed, credited = totals.setdefault(c.currency, [0, 0]), c.credited_cents or 0
            claimed[0] += c.total_cents
            claimed[1] += credited
            # The manufacturer sees the fault and the repair: the before/after pairs only.
            _flat, pairs = _photos(c.work_order, language, assets)
            pairs = [pair for pair in pairs if "other" not in
                     {photo.kind for photo in pair if photo is not None}]
            # Next to them, the photos attached to the claim itself (rating plate, part).
            attached = _claim_photos(c, language, assets)
            pairs += [(attached[i], attached[i + 1] if i + 1 < len(attached) else None)
                      for i in range(0, len(attached), 2)]
            rows.append({"photo_pairs": pairs,
                "number": c.number, "order": c.work_order.number,
                "appliance": " · ".join(v for v in (c.asset_model, c.asset_serial) if v) or "—",
                "fault": c.fault or "—", "state": term(c.state),
                "reason": c.rejection_reason,
                "lines": [{"sku": line.part.sku, "name": line.part.name_zh if language == "zh"
                           else line.part.name_en, "quantity": line.quantity,
                           "faulty": line.faulty_serial or "—",
                           "replacement": line.replacement_serial or "—",
                           "amount": money(line.quantity * line.unit_price_cents)}
                          for line in c.lines],
                "labour": money(c.labour_cents), "travel": money(c.travel_cents),
                "total": money(c.total_cents),
                "credited": money(c.credited_cents) if c.credited_cents is not None else "—",
                "created": _when(c.created_at, language, time=None)})
        page = {
            "company": {"name": setting("DOORSTEP_COMPANY_NAME"),
                        "address": setting("DOORSTEP_COMPANY_ADDRESS"),
                        "phone": setting("DOORSTEP_COMPANY_PHONE"), "logo": _logo(assets)},
            "supplier": supplier, "rows": rows,
            "from": _when_day(start, language), "to": _when_day(end, language),
            "totals": [{"claimed": _money(claimed, currency, language),
                        "credited": _money(credited, currency, language)}
                       for currency, (claimed, credited) in sorted(totals.items())],
        }
        html = render_template("warranty/summary_pdf.html", page=page, language=language)
    stylesheet, fonts = _stylesheet()
    document = HTML(string=html, url_fetcher=_asset_fetcher(assets),
                    base_url="doorstep-asset:").render(stylesheets=[stylesheet],
                                                       font_config=fonts)
    return document.write_pdf(finisher=_compact_cjk_fonts)


def _when_day(day: date | None, language: str) -> str | None:
    from babel.dates import format_date

    from ..reports.render import LOCALES

    return format_date(day, "medium", locale=LOCALES[language]) if day else None


def _claim_photos(claim: WarrantyClaim, language: str, assets: dict) -> list[PhotoView]:
    """The claim's own photos, as the report's photo views (print rendition)."""
    views = []
    for photo in claim.photos:
        image = _image(photo.sha256, PHOTO_BOX)
        if image is None:
            continue
        name = f"doorstep-asset:claim-photo/{photo.id}"
        assets[name] = image
        views.append(PhotoView("claim", _("Claim photo"), photo.caption,
                               _when(photo.created_at, language), name))
    return views
