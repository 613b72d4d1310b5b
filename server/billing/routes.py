"""Quotes, payments and refunds of an order over the JSON API (docs/sync-protocol.md §4a).
The phone writes quotes and payments through sync; the office reads them here and records
refunds."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from ..errors import NotFound
from ..workorders.service import get_order
from . import service
from .schemas import BalanceOut, QuoteOut, RefundIn, RefundOut

blp = Blueprint("billing", __name__, url_prefix="/api/v1/workorders",
                description="Money on site: an order's quote, payments and refunds.")
ALL = ("admin", "dispatcher", "technician")
OFFICE = ("admin", "dispatcher")


@blp.route("/<uuid:order_id>/quote")
class OrderQuote(MethodView):
    @blp.response(200, QuoteOut)
    @api_roles(*ALL)
    def get(self, order_id: uuid.UUID):
        """The quote the customer approved or declined (404 until they decided one).
        Technicians: their own orders."""
        quote = service.quote_for(get_order(g.actor, order_id))
        if quote is None:
            raise NotFound("The customer has not decided on a quote for this order.")
        return quote


@blp.route("/<uuid:order_id>/payments")
class OrderPayments(MethodView):
    @blp.response(200, BalanceOut)
    @api_roles(*ALL)
    def get(self, order_id: uuid.UUID):
        """What the order costs, the payments on site and the refunds, what is still due
        and what is to refund. Technicians: their own orders."""
        return service.balance(get_order(g.actor, order_id))


@blp.route("/<uuid:order_id>/refunds")
class OrderRefunds(MethodView):
    @blp.arguments(RefundIn)
    @blp.response(201, RefundOut)
    @api_roles(*OFFICE)
    def post(self, data, order_id: uuid.UUID):
        """Record money given back: never more than what was paid above the total
        (422 ``refund_exceeds_excess`` naming ``amount_cents``; ``nothing_to_refund``)."""
        order = get_order(g.actor, order_id)
        return service.record_refund(g.actor, order, data["method"], data["amount_cents"],
                                     data.get("reference"))
