"""Follow-ups over the API: what a request may say (In) and what it answers (Out)."""

from marshmallow import Schema, fields, validate

from ..schemas import InSchema, page_of
from .models import OUTCOMES

Score = lambda **kw: fields.Integer(strict=True, validate=validate.Range(1, 5), **kw)  # noqa: E731


class OutcomeIn(InSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    timeliness = Score(load_default=None, allow_none=True)
    attitude = Score(load_default=None, allow_none=True)
    quality = Score(load_default=None, allow_none=True)
    solved = fields.Boolean(load_default=None, allow_none=True)
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=2000))


class FollowUpOut(Schema):
    id = fields.UUID()
    work_order_id = fields.UUID()
    customer_id = fields.UUID()
    status = fields.String(metadata={"description": "pending | done | failed"})
    reason = fields.String(metadata={"description": "signed | low_rating | negative_comment"})
    urgent = fields.Boolean()
    due_at = fields.DateTime()
    attempts = fields.Integer()
    outcome = fields.String(allow_none=True)
    timeliness = fields.Integer(allow_none=True)
    attitude = fields.Integer(allow_none=True)
    quality = fields.Integer(allow_none=True)
    solved = fields.Boolean(allow_none=True)
    comment = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    return_order_id = fields.UUID(allow_none=True)
    proposes_complaint = fields.Boolean()


FollowUpPage = page_of(FollowUpOut, "FollowUp")
