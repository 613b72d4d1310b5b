"""Quotes, payments and refunds over the API: what a request may say (In) and what it
answers (Out)."""

from marshmallow import Schema, fields, validate, validates_schema, ValidationError

from ..schemas import InSchema, Integer
from .models import PaymentMethod


class QuoteLineOut(Schema):
    kind = fields.String(metadata={"description": "part | labour | travel"})
    part_id = fields.String(allow_none=True)
    sku = fields.String(allow_none=True)
    name_en = fields.String(allow_none=True)
    name_zh = fields.String(allow_none=True)
    quantity = fields.Integer()
    unit_price_cents = fields.Integer()
    total_cents = fields.Integer()


class QuoteOut(Schema):
    id = fields.UUID()
    work_order_id = fields.UUID()
    decision = fields.String(metadata={"description": "approved | declined"})
    lines = fields.List(fields.Nested(QuoteLineOut))
    total_cents = fields.Integer()
    diagnostic_fee_cents = fields.Integer()
    currency = fields.String()
    signer_name = fields.String()
    content_hash = fields.String()
    content_matches = fields.Boolean(metadata={
        "description": "false when the server's own content of the quote hashes otherwise"})
    decided_at_device = fields.DateTime()
    received_at = fields.DateTime()


class PaymentOut(Schema):
    id = fields.UUID()
    method = fields.String(metadata={"description": "cash | card | transfer"})
    amount_cents = fields.Integer()
    currency = fields.String()
    reference = fields.String(allow_none=True)
    paid_at_device = fields.DateTime()
    received_at = fields.DateTime()


class RefundOut(Schema):
    id = fields.UUID()
    method = fields.String(metadata={"description": "cash | card | transfer"})
    amount_cents = fields.Integer()
    currency = fields.String()
    reference = fields.String(allow_none=True)
    recorded_by_id = fields.UUID()
    created_at = fields.DateTime()


class BalanceOut(Schema):
    total_cents = fields.Integer()
    paid_cents = fields.Integer(metadata={"description": "paid on site, less refunds"})
    due_cents = fields.Integer()
    refunded_cents = fields.Integer()
    to_refund_cents = fields.Integer(metadata={
        "description": "paid above the total (a later declined quote or returned part)"})
    currency = fields.String()
    payments = fields.List(fields.Nested(PaymentOut))
    refunds = fields.List(fields.Nested(RefundOut))


class RefundIn(InSchema):
    method = fields.String(required=True, validate=validate.OneOf(list(PaymentMethod)))
    amount_cents = Integer(required=True, validate=validate.Range(min=1, max=100_000_000))
    reference = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=80))

    @validates_schema
    def _transfer_reference(self, data, **_):
        if data.get("method") == PaymentMethod.TRANSFER and not (data.get("reference") or
                                                                 "").strip():
            raise ValidationError("is required for a transfer", "reference")
