"""Returns and exchanges over the API: what a request may say (In) and what it answers
(Out). Photos travel as base64 text in the JSON body (``proof_photo``, ``photos``)."""

from __future__ import annotations

import base64
import binascii
import io

from marshmallow import Schema, ValidationError, fields, validate

from ..schemas import Date, InSchema, Integer, PageArgs, page_of
from .models import CHANNELS, DECISIONS, FINDINGS, MODES, REASONS, STATES, WINDOWS, WISHES
from .service import MAX_PHOTO_BYTES, MAX_PHOTOS

# base64 grows bytes by 4/3; a little more is refused here, the exact limit by the service.
MAX_BASE64 = MAX_PHOTO_BYTES * 4 // 3 + 4


class Base64Image(fields.String):
    """An image's bytes as base64 text; loads as a readable stream."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > MAX_BASE64:
            raise ValidationError(f"larger than {MAX_PHOTO_BYTES} bytes")
        try:
            return io.BytesIO(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise ValidationError("is not base64") from None


class CustomerReturnIn(InSchema):
    asset_id = fields.UUID(required=True)
    work_order_id = fields.UUID(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    wish = fields.String(required=True, validate=validate.OneOf(WISHES))
    purchase_date = Date(required=True)
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=2000))
    proof_photo = Base64Image(load_default=None, allow_none=True, metadata={
        "description": "the receipt or invoice, a JPEG, PNG or WebP image as base64"})


class CustomerReturnQuery(PageArgs):
    state = fields.String(validate=validate.OneOf(STATES))
    decision = fields.String(validate=validate.OneOf(DECISIONS))
    model = fields.String(validate=validate.Length(min=1, max=80))
    month = fields.String(validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
                          metadata={"description": "YYYY-MM, by the day asked"})
    customer_id = fields.UUID()
    asset_id = fields.UUID()


class ReturnInspectIn(InSchema):
    mode = fields.String(required=True, validate=validate.OneOf(MODES))


class ReturnFindingsIn(InSchema):
    finding = fields.String(required=True, validate=validate.OneOf(FINDINGS))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    photos = fields.List(Base64Image(), load_default=list,
                         validate=validate.Length(max=MAX_PHOTOS))


class ReturnDecideIn(InSchema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    refund_cents = Integer(load_default=None, allow_none=True,
                           validate=validate.Range(min=1, max=100_000_000))
    replacement_serial = fields.String(load_default=None, allow_none=True,
                                       validate=validate.Length(min=1, max=80))
    replacement_model = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Length(min=1, max=80))


class ReturnGoodwillIn(InSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CustomerReturnPhotoOut(Schema):
    sha256 = fields.String()
    kind = fields.String(metadata={"description": "proof | inspection"})
    created_at = fields.DateTime()


class CustomerReturnOut(Schema):
    id = fields.UUID()
    number = fields.String()
    customer_id = fields.UUID()
    asset_id = fields.UUID()
    work_order_id = fields.UUID(allow_none=True)
    channel = fields.String(metadata={"description": " | ".join(CHANNELS)})
    reason = fields.String(metadata={"description": " | ".join(REASONS)})
    wish = fields.String(metadata={"description": " | ".join(WISHES)})
    description = fields.String(allow_none=True)
    purchase_date = fields.Date()
    model = fields.String()
    category = fields.String()
    state = fields.String(metadata={"description": " | ".join(STATES)})
    window = fields.String(allow_none=True, metadata={
        "description": " | ".join(WINDOWS) + "; null outside every window"})
    days_since_purchase = fields.Integer()
    allowed = fields.List(fields.String(), attribute="allowed_decisions",
                          metadata={"description": "the decisions it may end in"})
    goodwill = fields.Boolean()
    goodwill_reason = fields.String(allow_none=True)
    mode = fields.String(allow_none=True, metadata={"description": " | ".join(MODES)})
    inspection_order_id = fields.UUID(allow_none=True)
    finding = fields.String(allow_none=True, metadata={"description": " | ".join(FINDINGS)})
    finding_notes = fields.String(allow_none=True)
    inspected_at = fields.DateTime(allow_none=True)
    proposed = fields.String(allow_none=True)
    decision = fields.String(allow_none=True, metadata={"description": " | ".join(DECISIONS)})
    decision_reason = fields.String(allow_none=True)
    refund_cents = fields.Integer(allow_none=True)
    currency = fields.String()
    replacement_asset_id = fields.UUID(allow_none=True)
    replacement_serial = fields.String(allow_none=True)
    repair_order_id = fields.UUID(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    photos = fields.List(fields.Nested(CustomerReturnPhotoOut))


CustomerReturnPage = page_of(CustomerReturnOut, "CustomerReturn")
