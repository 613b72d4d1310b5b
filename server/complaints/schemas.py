"""Complaints over the API: what a request may say (In) and what it answers (Out)."""

from marshmallow import Schema, fields, validate

from ..schemas import AwareDateTime, InSchema, PageArgs, page_of
from .models import CATEGORIES, CHANNELS, CONFIRMATIONS, GRADES

STEP_CHOICES = ("answer", "verify", "plan", "progress", "result", "note")


class ComplaintCreateIn(InSchema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    grade = fields.String(load_default="green", validate=validate.OneOf(GRADES))
    channel = fields.String(load_default="api", validate=validate.OneOf(CHANNELS))
    work_order_id = fields.UUID(load_default=None, allow_none=True)
    customer_id = fields.UUID(load_default=None, allow_none=True)
    technician_id = fields.UUID(load_default=None, allow_none=True)
    asset_id = fields.UUID(load_default=None, allow_none=True)


class ComplaintQuery(PageArgs):
    grade = fields.String(validate=validate.OneOf(GRADES))
    owner_id = fields.UUID()
    include_closed = fields.Boolean(load_default=False)


class StepIn(InSchema):
    kind = fields.String(required=True, validate=validate.OneOf(STEP_CHOICES))
    said_to_customer = fields.String(load_default=None, allow_none=True,
                                     validate=validate.Length(max=4000))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    plan_due = AwareDateTime(load_default=None, allow_none=True)


class CloseIn(InSchema):
    resolution = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    confirmation = fields.String(required=True, validate=validate.OneOf(CONFIRMATIONS))
    said_to_customer = fields.String(load_default=None, allow_none=True,
                                     validate=validate.Length(max=4000))


class StepOut(Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"description": " | ".join(
        STEP_CHOICES + ("escalated", "closed"))})
    author_id = fields.UUID(allow_none=True)
    said_to_customer = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    level = fields.Integer(allow_none=True)
    recipient_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class ComplaintOut(Schema):
    id = fields.UUID()
    customer_id = fields.UUID()
    work_order_id = fields.UUID(allow_none=True)
    technician_id = fields.UUID(allow_none=True)
    asset_id = fields.UUID(allow_none=True)
    owner_id = fields.UUID(allow_none=True)
    channel = fields.String()
    description = fields.String()
    grade = fields.String(metadata={"description": "green | yellow | red"})
    status = fields.String(metadata={"description": "open | answered | verified | closed"})
    respond_by = fields.DateTime()
    verify_by = fields.DateTime()
    resolve_by = fields.DateTime(metadata={
        "description": "green: closed by; yellow and red: progress reported by"})
    answered_at = fields.DateTime(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    plan = fields.String(allow_none=True)
    plan_due = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True)
    category = fields.String(allow_none=True, metadata={"description": " | ".join(CATEGORIES)})
    confirmation = fields.String(allow_none=True)
    escalation_level = fields.Integer(metadata={"description": "0 none, 1 supervisor, 2 manager"})
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    steps = fields.List(fields.Nested(StepOut))


class ComplaintSummaryOut(ComplaintOut):
    class Meta:
        exclude = ("steps",)


ComplaintPage = page_of(ComplaintSummaryOut, "Complaint")
