"""KPIs over the API: the query a request may ask (In) and the numbers it answers (Out)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import Date, InSchema
from ..workorders.models import Channel, OrderType
from .service import GROUPS, MAX_DAYS, Filters, Period


class KpiQuery(InSchema):
    from_ = Date(required=True, data_key="from", metadata={"description": "first day (local)"})
    to = Date(required=True, metadata={"description": "last day, included (local)"})
    group_by = fields.String(validate=validate.OneOf(GROUPS))
    region = fields.String(validate=validate.Length(min=1, max=80),
                           metadata={"description": "the assigned technician's region"})
    city = fields.String(validate=validate.Length(min=1, max=100),
                         metadata={"description": "the order address's city"})
    category = fields.String(validate=validate.Length(min=1, max=40),
                             metadata={"description": "the appliance's product category"})
    type = fields.String(validate=validate.OneOf(list(OrderType)))
    channel = fields.String(validate=validate.OneOf(list(Channel)))
    technician_id = fields.UUID()

    @validates_schema
    def _period(self, data, **kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end and end < start:
            raise ValidationError("must not be before from", "to")
        if start and end and (end - start).days + 1 > MAX_DAYS:
            raise ValidationError(f"the period may span at most {MAX_DAYS} days", "to")


def parse(args: dict) -> tuple[Period, Filters, str | None]:
    """A loaded ``KpiQuery`` as the service's period, filters and grouping."""
    filters = Filters(**{k: args[k] for k in ("region", "city", "category", "type", "channel",
                                              "technician_id") if args.get(k) is not None})
    return Period(args["from_"], args["to"]), filters, args.get("group_by")


class DurationOut(Schema):
    count = fields.Integer()
    median_s = fields.Integer(allow_none=True)
    p90_s = fields.Integer(allow_none=True)


class DurationsOut(DurationOut):
    tiers = fields.Dict(keys=fields.String(), values=fields.Nested(DurationOut),
                        metadata={"description": "per SLA tier (priority)"})


class ResolutionOut(DurationsOut):
    within_3wd = fields.Integer()
    completed = fields.Integer()
    within_3wd_rate = fields.Float(allow_none=True)


class SlaOut(Schema):
    met = fields.Integer()
    count = fields.Integer()
    rate = fields.Float(allow_none=True)


class ShareOut(Schema):
    count = fields.Integer()
    completed = fields.Integer()
    rate = fields.Float(allow_none=True)


class OrdersOut(Schema):
    requested = fields.Integer()
    cancelled = fields.Integer()
    completed = fields.Integer()
    reopened = fields.Integer()


class CostOut(Schema):
    completed = fields.Integer()
    parts_cents = fields.Integer()
    labour_cents = fields.Integer()
    travel_cents = fields.Integer()
    total_cents = fields.Integer()
    per_order_cents = fields.Integer(allow_none=True)
    parts_per_order_cents = fields.Integer(allow_none=True)
    labour_per_order_cents = fields.Integer(allow_none=True)
    travel_per_order_cents = fields.Integer(allow_none=True)
    warranty_parts_cents = fields.Integer()
    warranty_credited_cents = fields.Integer(metadata={
        "description": "credited by manufacturers on the warranty claims of completed orders"})


class ComplaintCategoryOut(Schema):
    category = fields.String(allow_none=True)
    count = fields.Integer()
    answered_24h = fields.Integer()
    verified_3wd = fields.Integer()


class ComplaintsOut(Schema):
    count = fields.Integer()
    orders = fields.Integer()
    per_1000_orders = fields.Float(allow_none=True)
    answered_24h = fields.Integer()
    answered_24h_rate = fields.Float(allow_none=True)
    verified_3wd = fields.Integer()
    verified_3wd_rate = fields.Float(allow_none=True)
    categories = fields.List(fields.Nested(ComplaintCategoryOut))


class AverageOut(Schema):
    count = fields.Integer()
    average = fields.Float(allow_none=True)


class SatisfactionOut(AverageOut):
    good = fields.Integer(metadata={"description": "ratings of 4 or 5 stars"})
    good_rate = fields.Float(allow_none=True)
    dimensions = fields.Dict(keys=fields.String(), values=fields.Nested(AverageOut))


class FollowupsOut(Schema):
    due = fields.Integer()
    done = fields.Integer()
    rate = fields.Float(allow_none=True)


class UtilisationOut(Schema):
    on_site_s = fields.Integer()
    travel_s = fields.Integer()
    technicians = fields.Integer()
    capacity_s = fields.Integer()
    rate = fields.Float(allow_none=True)


class SummaryOut(Schema):
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    orders = fields.Nested(OrdersOut)
    response = fields.Nested(DurationsOut, metadata={"description": "request → booked"})
    arrival = fields.Nested(DurationsOut, metadata={"description": "request → on site"})
    resolution = fields.Nested(ResolutionOut, metadata={"description": "request → completed"})
    sla = fields.Dict(keys=fields.String(), values=fields.Nested(SlaOut))
    first_time_fix = fields.Nested(ShareOut)
    repeat_repair = fields.Nested(ShareOut)
    cost = fields.Nested(CostOut)
    complaints = fields.Nested(ComplaintsOut)
    satisfaction = fields.Nested(SatisfactionOut)
    followups = fields.Nested(FollowupsOut)
    utilisation = fields.Nested(UtilisationOut)


class GroupOut(SummaryOut):
    key = fields.String()
    label = fields.String()


class DashboardOut(Schema):
    period = fields.Nested(SummaryOut)
    previous = fields.Nested(SummaryOut, metadata={"description": "the previous equal period"})
    filters = fields.Dict(keys=fields.String(), values=fields.String())
    group_by = fields.String(allow_none=True)
    groups = fields.List(fields.Nested(GroupOut))
