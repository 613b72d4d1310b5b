"""Plans over the API: what a request may say (In) and what it answers (Out)."""

from marshmallow import Schema, fields, validate

from ..schemas import Date, InSchema, Integer
from .models import KINDS, SOURCES

Months = lambda **kw: Integer(validate=validate.Range(1, 60), **kw)  # noqa: E731


class PlanQuery(InSchema):
    customer_id = fields.UUID(load_default=None)
    asset_id = fields.UUID(load_default=None)
    active = fields.Boolean(load_default=None, metadata={
        "description": "true: running plans only; false: cancelled or ended only"})


class PlanIn(InSchema):
    customer_id = fields.UUID(required=True)
    asset_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "One appliance of the customer's, or none for the customer as a whole"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS), metadata={
        "description": "call: a follow-up call; visit: a maintenance work order"})
    interval_months = Months(required=True)
    first_due = Date(required=True)
    later_interval_months = Months(load_default=None, allow_none=True)
    switch_on = Date(load_default=None, allow_none=True, metadata={
        "description": "From this day on the plan repeats every later_interval_months"})
    ends_on = Date(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class PlanUpdateIn(InSchema):
    """Only what is sent changes."""

    kind = fields.String(validate=validate.OneOf(KINDS))
    interval_months = Months()
    next_due = Date()
    later_interval_months = Months(allow_none=True)
    switch_on = Date(allow_none=True)
    ends_on = Date(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=1000))


class PlanCancelIn(InSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class PlanOut(Schema):
    id = fields.UUID()
    customer_id = fields.UUID()
    asset_id = fields.UUID(allow_none=True)
    kind = fields.String(validate=validate.OneOf(KINDS))
    source = fields.String(validate=validate.OneOf(SOURCES))
    interval_months = fields.Integer()
    later_interval_months = fields.Integer(allow_none=True)
    switch_on = fields.Date(allow_none=True)
    next_due = fields.Date(metadata={"description": "The next call or visit to be made"})
    ends_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    active = fields.Boolean()
    owner_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class PlanList(Schema):
    items = fields.List(fields.Nested(PlanOut))
