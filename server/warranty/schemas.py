"""Warranty claims, returns to suppliers and serial histories over the API."""

from marshmallow import Schema, fields, validate

from ..schemas import InSchema, Integer, PageArgs, page_of
from .models import CLAIM_STATES, RETURN_STATES

SERIAL = validate.Length(min=1, max=80)


class ClaimCreateIn(InSchema):
    work_order_id = fields.UUID(required=True)


class ClaimLineEditIn(InSchema):
    id = fields.UUID(required=True)
    faulty_serial = fields.String(allow_none=True, validate=validate.Length(max=80))
    replacement_serial = fields.String(allow_none=True, validate=validate.Length(max=80))


class ClaimEditIn(InSchema):
    supplier = fields.String(validate=validate.Length(min=1, max=120))
    fault = fields.String(allow_none=True, validate=validate.Length(max=4000))
    labour_cents = Integer(validate=validate.Range(min=0, max=10**9))
    travel_cents = Integer(validate=validate.Range(min=0, max=10**9))
    lines = fields.List(fields.Nested(ClaimLineEditIn), validate=validate.Length(max=200))


class ClaimMoveIn(InSchema):
    state = fields.String(required=True, validate=validate.OneOf(CLAIM_STATES[1:]))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    credited_cents = Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=0, max=10**9))


class ClaimQuery(PageArgs):
    state = fields.String(validate=validate.OneOf(CLAIM_STATES))
    supplier = fields.String(validate=validate.Length(min=1, max=120))
    q = fields.String(validate=validate.Length(min=1, max=80))


class ClaimLineOut(Schema):
    id = fields.UUID()
    part_id = fields.UUID()
    sku = fields.Function(lambda line: line.part.sku)
    quantity = fields.Integer()
    unit_price_cents = fields.Integer()
    faulty_serial = fields.String(allow_none=True)
    replacement_serial = fields.String(allow_none=True)


class ClaimOut(Schema):
    id = fields.UUID()
    number = fields.String()
    work_order_id = fields.UUID()
    supplier = fields.String()
    state = fields.String(metadata={"description": " | ".join(CLAIM_STATES)})
    asset_serial = fields.String(allow_none=True)
    asset_model = fields.String(allow_none=True)
    fault = fields.String(allow_none=True)
    labour_cents = fields.Integer()
    travel_cents = fields.Integer()
    parts_cents = fields.Integer()
    total_cents = fields.Integer()
    currency = fields.String()
    rejection_reason = fields.String(allow_none=True)
    credited_cents = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    credited_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(ClaimLineOut))


ClaimPage = page_of(ClaimOut, "WarrantyClaim")


class ReturnCreateIn(InSchema):
    rma_number = fields.String(required=True, validate=validate.Length(min=1, max=60))
    supplier = fields.String(required=True, validate=validate.Length(min=1, max=120))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    movement_ids = fields.List(fields.UUID(), required=True,
                               validate=validate.Length(min=1, max=500),
                               metadata={"description": "the ledger's defective_return lines"})


class ReturnMoveIn(InSchema):
    state = fields.String(required=True, validate=validate.OneOf(RETURN_STATES[1:]))
    credited_cents = Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=0, max=10**9))
    replacement_serials = fields.Dict(keys=fields.UUID(), values=fields.String(validate=SERIAL),
                                      load_default=None, allow_none=True, metadata={
                                          "description": "line id → the replacement's serial"})


class ReturnQuery(PageArgs):
    state = fields.String(validate=validate.OneOf(RETURN_STATES))


class ReturnLineOut(Schema):
    id = fields.UUID()
    part_id = fields.UUID()
    sku = fields.Function(lambda line: line.part.sku)
    quantity = fields.Integer()
    serial = fields.String(allow_none=True)
    work_order_id = fields.UUID(allow_none=True)
    defective_movement_id = fields.UUID()
    shipped_movement_id = fields.UUID(allow_none=True)
    replacement_serial = fields.String(allow_none=True)


class ReturnOut(Schema):
    id = fields.UUID()
    rma_number = fields.String()
    supplier = fields.String()
    state = fields.String(metadata={"description": " | ".join(RETURN_STATES)})
    note = fields.String(allow_none=True)
    credited_cents = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    shipped_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(ReturnLineOut))


ReturnPage = page_of(ReturnOut, "SupplierReturn")


class AwaitingOut(Schema):
    id = fields.UUID(metadata={"description": "the defective_return ledger line"})
    part_id = fields.UUID()
    quantity = fields.Integer()
    serial = fields.String(allow_none=True)
    work_order_id = fields.UUID(allow_none=True)
    to_location_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class HistoryEntryOut(Schema):
    at = fields.DateTime()
    kind = fields.String(metadata={"description": "order | movement | claim | claim_part | return"
                                                  " | return_request | exchange_replacement"})
    detail = fields.String(allow_none=True, metadata={
        "description": "the order's or claim's or return's state, the movement's kind, or "
                       "faulty | replacement on a claim line"})
    number = fields.String(allow_none=True)
    sku = fields.String(allow_none=True)
    work_order_id = fields.UUID(allow_none=True)
    claim_id = fields.UUID(allow_none=True)
    return_id = fields.UUID(allow_none=True)
    movement_id = fields.UUID(allow_none=True)
    request_id = fields.UUID(allow_none=True, metadata={"description": "a customer return"})
    other_serial = fields.String(allow_none=True, metadata={
        "description": "the replacement's serial (or, for a replacement, the returned one's)"})


class SerialQuery(InSchema):
    serial = fields.String(required=True, validate=validate.Length(min=1, max=80))


class HistoryOut(Schema):
    serial = fields.String()
    entries = fields.List(fields.Nested(HistoryEntryOut))
