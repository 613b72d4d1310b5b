"""The phone's money mutations: ``decide_quote`` and ``record_payment`` (registered in
sync/mutations.py's table; rules in ``billing.service``; docs/sync-protocol.md, "Quotes
and payments")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates_schema, ValidationError

from server.errors import ServiceError
from server.schemas import AwareDateTime, Integer
from server.workorders import service as orders
from sync.mutations import Context, Rejected, flag_if_out_of_scope, load_order, mutation

from . import service
from .models import LineKind, PaymentMethod, QuoteDecision


class QuoteLine(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(LineKind)))
    part_id = fields.UUID(allow_none=True, load_default=None)
    quantity = Integer(required=True, validate=validate.Range(min=1, max=999))
    unit_price_cents = Integer(required=True, validate=validate.Range(min=0, max=10_000_000))


class DecideQuote(Schema):
    order_id = fields.UUID(required=True)
    quote_id = fields.UUID(required=True)
    lines = fields.List(fields.Nested(QuoteLine), required=True,
                        validate=validate.Length(min=1, max=50))
    decision = fields.String(required=True, validate=validate.OneOf(list(QuoteDecision)))
    diagnostic_fee_cents = Integer(required=True, validate=validate.Range(min=0, max=10_000_000))
    signer_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    image_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    content_hash = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    device_time = AwareDateTime(required=True)


class RecordPayment(Schema):
    order_id = fields.UUID(required=True)
    payment_id = fields.UUID(required=True)
    method = fields.String(required=True, validate=validate.OneOf(list(PaymentMethod)))
    amount_cents = Integer(required=True, validate=validate.Range(min=1, max=100_000_000))
    reference = fields.String(validate=validate.Length(max=80), allow_none=True,
                              load_default=None)
    device_time = AwareDateTime(required=True)

    @validates_schema
    def _transfer_reference(self, data, **_):
        if data.get("method") == PaymentMethod.TRANSFER and not (data.get("reference") or
                                                                 "").strip():
            raise ValidationError("is required for a transfer", "reference")


def _rejected(refused: ServiceError) -> Rejected:
    return Rejected(refused.code or "refused", refused.message, refused.errors)


@mutation("decide_quote", 1, DecideQuote, line_id="quote_id")
def decide_quote(ctx: Context, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    try:
        quote, new = service.record_quote(
            order, args["quote_id"], args["lines"], args["decision"],
            args["diagnostic_fee_cents"], args["signer_name"], args["image_sha256"],
            args["content_hash"], args["device_time"], ctx.technician.id, ctx.now)
    except ServiceError as refused:
        raise _rejected(refused) from None
    if not new:
        return
    orders.add_event(order, "quote_" + quote.decision, ctx.actor, device_id=ctx.device.id,
                     server_time=ctx.now, device_time=args["device_time"],
                     data={"quote_id": str(quote.id), "total_cents": quote.total_cents,
                           "signer_name": quote.signer_name})
    if not quote.content_matches:
        ctx.conflict(order, "quote_content_mismatch",
                     "The quote the customer signed on the device does not match the "
                     "server's copy of the order (edited meanwhile?); the decision was kept.",
                     quote_id=str(quote.id))
    flag_if_out_of_scope(ctx, order, "A quote")


@mutation("record_payment", 1, RecordPayment, line_id="payment_id")
def record_payment(ctx: Context, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    try:
        payment, new = service.record_payment(
            order, args["payment_id"], args["method"], args["amount_cents"],
            args.get("reference"), args["device_time"], ctx.technician.id, ctx.now)
    except ServiceError as refused:
        raise _rejected(refused) from None
    if new:
        orders.add_event(order, "payment", ctx.actor, device_id=ctx.device.id,
                         server_time=ctx.now, device_time=args["device_time"],
                         data={"payment_id": str(payment.id), "method": payment.method,
                               "amount_cents": payment.amount_cents})
        flag_if_out_of_scope(ctx, order, "A payment")
