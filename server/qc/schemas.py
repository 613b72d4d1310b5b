"""Quality control over the API: what a request may say (In) and what it answers (Out)."""

from marshmallow import Schema, fields, validate

from ..schemas import Date, InSchema, Integer
from .models import ACTION_STATES, CHECKLIST, REVIEW_STATES, SOURCES


class QcReviewQuery(InSchema):
    week = Date(metadata={"description": "any day of the week (Monday to Sunday)"})
    state = fields.String(validate=validate.OneOf(REVIEW_STATES))
    technician_id = fields.UUID()


class QcReviewCreateIn(InSchema):
    work_order_id = fields.UUID(required=True)


class QcItemIn(InSchema):
    item = fields.String(required=True, validate=validate.OneOf(CHECKLIST))
    passed = fields.Boolean(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class QcScoreIn(InSchema):
    items = fields.List(fields.Nested(QcItemIn), required=True,
                        validate=validate.Length(min=1, max=len(CHECKLIST)),
                        metadata={"description": "every checklist item once: "
                                  + " | ".join(CHECKLIST)})
    findings = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=4000))


class QcItemOut(Schema):
    item = fields.String(metadata={"description": " | ".join(CHECKLIST)})
    passed = fields.Boolean()
    note = fields.String(allow_none=True)


class QcReviewOut(Schema):
    id = fields.UUID()
    work_order_id = fields.UUID()
    technician_id = fields.UUID()
    week_start = fields.Date()
    source = fields.String(metadata={"description": " | ".join(SOURCES)})
    state = fields.String(metadata={"description": " | ".join(REVIEW_STATES)})
    reviewer_id = fields.UUID(allow_none=True)
    score = fields.Integer(allow_none=True,
                           metadata={"description": "share of items passed, 0–100"})
    findings = fields.String(allow_none=True)
    created_at = fields.DateTime()
    reviewed_at = fields.DateTime(allow_none=True)
    items = fields.List(fields.Nested(QcItemOut))


class QcReviewList(Schema):
    items = fields.List(fields.Nested(QcReviewOut))


class QcActionQuery(InSchema):
    state = fields.String(validate=validate.OneOf(ACTION_STATES))
    technician_id = fields.UUID()
    team = fields.Boolean(load_default=False, metadata={
        "description": "only the technicians the caller supervises"})


class QcActionDoneIn(InSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class QcActionOut(Schema):
    id = fields.UUID()
    review_id = fields.UUID()
    item = fields.String(metadata={"description": " | ".join(CHECKLIST)})
    technician_id = fields.UUID()
    owner_id = fields.UUID()
    work_order_id = fields.Function(lambda a: str(a.review.work_order_id))
    order_number = fields.Function(lambda a: a.review.work_order.number,
                                   metadata={"description": "the reviewed visit's order"})
    findings = fields.Function(lambda a: a.review.findings, allow_none=True, metadata={
        "description": "the reviewer's overall findings (``note`` is the failed item's)"})
    due_on = fields.Date()
    state = fields.String(metadata={"description": " | ".join(ACTION_STATES)})
    note = fields.String(allow_none=True)
    done_note = fields.String(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class QcActionList(Schema):
    items = fields.List(fields.Nested(QcActionOut))


class QcEvaluationQuery(InSchema):
    technician_id = fields.UUID()


class QcEvaluationIn(InSchema):
    technician_id = fields.UUID(required=True)
    score = Integer(required=True, validate=validate.Range(min=1, max=5))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    period_start = Date(required=True)
    period_end = Date(required=True)


class QcEvaluationOut(Schema):
    id = fields.UUID()
    technician_id = fields.UUID()
    evaluator_id = fields.UUID()
    period_start = fields.Date()
    period_end = fields.Date()
    score = fields.Integer()
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()


class QcEvaluationList(Schema):
    items = fields.List(fields.Nested(QcEvaluationOut))
