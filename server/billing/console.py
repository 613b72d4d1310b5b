"""Money on the order page and the customer's page: the quote (with its PDF) and the
payments on site, with what is still due."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort
from flask_babel import lazy_gettext as _l

from ..accounts.auth import console_roles
from ..extensions import db
from ..workorders.models import WorkOrder
from . import service
from .pdf import quote_pdf

bp = Blueprint("billing_console", __name__)

PAYMENT_METHODS = {"cash": _l("Cash"), "card": _l("Card"), "transfer": _l("Bank transfer")}


@bp.app_context_processor
def _helpers():
    def order_money(order):
        """The order's quote, payments and balance, for the order and customer pages."""
        return {"quote": service.quote_for(order), "balance": service.balance(order),
                "methods": PAYMENT_METHODS, "needs_quote": service.needs_quote(order)}

    return {"order_money": order_money}


def pdf_response(order: WorkOrder) -> Response:
    """The order's quote as a PDF (404 while the customer has not decided on one)."""
    quote = service.quote_for(order)
    if quote is None:
        abort(404)
    response = Response(quote_pdf(quote), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{order.number}-quote.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/orders/<uuid:order_id>/quote.pdf")
@console_roles("admin", "dispatcher")
def order_quote(order_id: uuid.UUID):
    order = db.session.get(WorkOrder, order_id)
    if order is None:
        abort(404)
    return pdf_response(order)

