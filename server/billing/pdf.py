"""The quote as a PDF, laid out and sealed like the service report (WeasyPrint, the
report's style sheet and signing key): rendered on request from the quote as signed."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..reports import signing
from ..reports.render import (
    SIGNATURE_BOX,
    _asset_fetcher,
    _compact_cjk_fonts,
    _image,
    _logo,
    _money,
    _seal_place,
    _stylesheet,
    _when,
)
from ..settings.service import get as setting
from ..settings.service import public_url
from ..workorders.models import WorkOrder
from .content import content_hash
from .models import Quote
from .service import server_content

LINE_KINDS = {"part": _l("Part"), "labour": _l("Labour"), "travel": _l("Travel")}
DECISIONS = {"approved": _l("Approved by the customer"),
             "declined": _l("Declined by the customer")}


def quote_pdf(quote: Quote) -> bytes:
    """The sealed PDF of ``quote`` in its order's language."""
    from weasyprint import HTML

    order = db.session.get(WorkOrder, quote.work_order_id)
    content = server_content(quote)
    language = content["language"]
    assets: dict = {}
    currency = content["currency"]
    with force_locale(language):
        signature = _image(quote.image_sha256, SIGNATURE_BOX)
        if signature is not None:
            assets["doorstep-asset:signature"] = signature
        page = {
            "company": {"name": setting("DOORSTEP_COMPANY_NAME"),
                        "address": setting("DOORSTEP_COMPANY_ADDRESS"),
                        "phone": setting("DOORSTEP_COMPANY_PHONE"), "logo": _logo(assets)},
            "lines": [{**line, "label": line["name"] or str(LINE_KINDS[line["kind"]]),
                       "unit": _money(line["unit_price_cents"], currency, language),
                       "amount": _money(line["total_cents"], currency, language)}
                      for line in content["lines"]],
            "total": _money(content["total_cents"], currency, language),
            "fee": _money(content["diagnostic_fee_cents"], currency, language),
            "decision": str(DECISIONS[content["decision"]]),
            "signer": quote.signer_name,
            "signature": "doorstep-asset:signature" if signature else None,
            "when": _when(quote.decided_at_device, language),
            "hash": quote.content_hash,
            "matches": quote.content_matches and content_hash(content) == quote.content_hash,
            "technician": order.assignee.user.name if order.assignee else None,
            "timezone": setting("DOORSTEP_TIMEZONE"),
        }
        html = render_template("billing/quote.html", c=content, page=page)
    stylesheet, fonts = _stylesheet()
    document = HTML(string=html, url_fetcher=_asset_fetcher(assets),
                    base_url="doorstep-asset:").render(
        stylesheets=[stylesheet], font_config=fonts, custom_metadata=True)
    pdf = document.write_pdf(finisher=_compact_cjk_fonts, custom_metadata=True)
    return signing.sign_pdf(pdf, _seal_place(document),
                            reason=f"Quote for work order {content['order']['number']}",
                            location=None, verify_url=f"{public_url()}/verify",
                            language=language, timezone=setting("DOORSTEP_TIMEZONE"))
