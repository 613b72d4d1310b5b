"""Money on the order page and the customer's page: the quote (with its PDF) and the
payments on site, with what is still due."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.auth import console_roles
from ..console.routes import money as money_filter
from ..errors import ServiceError
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



def _cents(text: str) -> int | None:
    """Minor units from what the office typed ("60", "60.5", "60,50"); None if not money."""
    clean = (text or "").strip().replace(",", ".")
    try:
        amount = Decimal(clean)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


@bp.route("/orders/<uuid:order_id>/refunds", methods=["POST"])
@console_roles("admin", "dispatcher")
def order_refund(order_id: uuid.UUID):
    """The office gives back what was paid above the total (the "to refund" line)."""
    order = db.session.get(WorkOrder, order_id)
    if order is None:
        abort(404)
    back = redirect(url_for("console.order_detail", order_id=order.id) + "#order-money",
                    code=303)
    form = request.form
    method = form.get("method", "")
    cents = _cents(form.get("amount", ""))
    if method not in PAYMENT_METHODS:
        flash(_("Choose how the money was given back."), "error")
        return back
    if cents is None or cents > 100_000_000:
        flash(_("Enter the amount to refund, such as 60 or 60.50."), "error")
        return back
    try:
        refund = service.record_refund(current_user, order, method, cents,
                                       form.get("reference"))
    except ServiceError as refused:
        db.session.rollback()
        excess = service.balance(order).to_refund_cents
        flash({"nothing_to_refund": _("Nothing was paid above the total: there is nothing "
                                      "to refund."),
               "reference_required": _("A bank transfer is recorded with its reference."),
               "refund_exceeds_excess": _("At most %(amount)s can be refunded.",
                                          amount=money_filter(excess, order.currency)),
               }.get(refused.code, _("The refund was not recorded.")), "error")
        return back
    flash(_("Refund of %(amount)s recorded.",
            amount=money_filter(refund.amount_cents, refund.currency)), "success")
    return back
