from marshmallow import Schema, fields, validate

from ..assets.service import warranty_status
from ..customers.schemas import AddressOut, CustomerBrief
from ..schemas import (
    MAX_SAFE_INTEGER,
    AwareDateTime,
    Date,
    InSchema,
    Integer,
    Language,
    PageArgs,
    page_of,
)
from .discounts import REASONS as DISCOUNT_REASONS
from .lifecycle import Status
from .models import Channel, OrderType, Priority, SlaState
from .service import ROOT_CAUSES

_text = lambda n: fields.String(validate=validate.Length(max=n), allow_none=True)  # noqa: E731


class WorkOrderCreateIn(InSchema):
    id = fields.UUID()
    channel = fields.String(required=True, validate=validate.OneOf(list(Channel)))
    type = fields.String(required=True, validate=validate.OneOf(list(OrderType)))
    priority = fields.String(required=True, validate=validate.OneOf(list(Priority)))
    customer_id = fields.UUID(required=True)
    address_id = fields.UUID(allow_none=True)
    asset_id = fields.UUID(allow_none=True)
    symptom_code = _text(60)
    description = _text(5000)
    intake_answers = fields.Dict(keys=fields.String(validate=validate.Length(max=60)),
                                 values=fields.String(validate=validate.Length(max=500)))
    customer_notes = _text(5000)
    preferred_start = AwareDateTime(allow_none=True)
    preferred_end = AwareDateTime(allow_none=True)
    appointment_start = AwareDateTime(allow_none=True)
    appointment_end = AwareDateTime(allow_none=True)
    assignee_id = fields.UUID(allow_none=True)
    language = Language()


class WorkOrderUpdateIn(InSchema):
    """Any subset of the fields the caller's role owns, plus the version they last saw."""

    version = Integer(validate=validate.Range(min=1, max=MAX_SAFE_INTEGER))
    priority = fields.String(validate=validate.OneOf(list(Priority)))
    type = fields.String(validate=validate.OneOf(list(OrderType)))
    channel = fields.String(validate=validate.OneOf(list(Channel)))
    symptom_code = _text(60)
    description = _text(5000)
    intake_answers = fields.Dict(keys=fields.String(validate=validate.Length(max=60)),
                                 values=fields.String(validate=validate.Length(max=500)))
    customer_notes = _text(5000)
    preferred_start = AwareDateTime(allow_none=True)
    preferred_end = AwareDateTime(allow_none=True)
    appointment_start = AwareDateTime(allow_none=True)
    appointment_end = AwareDateTime(allow_none=True)
    assignee_id = fields.UUID(allow_none=True)
    language = Language()
    labour_cents = Integer(validate=validate.Range(min=0, max=10_000_000))
    travel_cents = Integer(validate=validate.Range(min=0, max=10_000_000))
    arrival_notes = _text(5000)
    diagnosis = _text(5000)
    resolution = _text(5000)
    root_cause = fields.String(validate=validate.OneOf(ROOT_CAUSES), allow_none=True)


class TransitionIn(InSchema):
    to = fields.String(required=True, validate=validate.OneOf(list(Status)))
    reason = _text(2000)
    device_time = AwareDateTime(allow_none=True)
    latitude = fields.Float(validate=validate.Range(-90, 90), allow_none=True)
    longitude = fields.Float(validate=validate.Range(-180, 180), allow_none=True)


class TechnicianBrief(Schema):
    id = fields.UUID()
    name = fields.Function(lambda tech: tech.user.name)
    region = fields.String()


class AssetBrief(Schema):
    id = fields.UUID()
    category = fields.String()
    brand = fields.String()
    model = fields.String()
    serial = fields.String()
    purchase_date = fields.Date(allow_none=True)
    warranty_end = fields.Date(allow_none=True)
    warranty_status = fields.Function(warranty_status)


class WorkOrderOut(Schema):
    id = fields.UUID()
    number = fields.String()
    channel = fields.String()
    type = fields.String()
    status = fields.String()
    priority = fields.String()
    language = fields.String()
    customer = fields.Nested(CustomerBrief)
    address = fields.Nested(AddressOut)
    asset = fields.Nested(AssetBrief, allow_none=True)
    symptom_code = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    intake_answers = fields.Dict()
    customer_notes = fields.String(allow_none=True)
    preferred_start = fields.DateTime(allow_none=True)
    preferred_end = fields.DateTime(allow_none=True)
    respond_by = fields.DateTime(allow_none=True)
    resolve_by = fields.DateTime(allow_none=True)
    sla_state = fields.String(validate=validate.OneOf(list(SlaState)))
    appointment_start = fields.DateTime(allow_none=True)
    appointment_end = fields.DateTime(allow_none=True)
    assignee = fields.Nested(TechnicianBrief, allow_none=True)
    owner_id = fields.UUID(allow_none=True)
    repeat_of_id = fields.UUID(allow_none=True)
    rework_of = fields.String(allow_none=True, metadata={
        "description": "The first visit's number when this order is a rework (free labour "
                       "and travel; the report says so)."})
    discount_kind = fields.String(allow_none=True, validate=validate.OneOf(("amount", "percent")))
    discount_value = fields.Integer(allow_none=True)
    discount_reason = fields.String(allow_none=True)
    discount_note = fields.String(allow_none=True)
    arrival_notes = fields.String(allow_none=True)
    diagnosis = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    root_cause = fields.String(allow_none=True)
    in_warranty = fields.Boolean(allow_none=True)
    labour_cents = Integer()
    travel_cents = Integer()
    parts_cents = fields.Integer()
    currency = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class EventOut(Schema):
    id = fields.UUID()
    seq = fields.Integer()
    kind = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    actor_id = fields.UUID(allow_none=True)
    actor_name = fields.Function(lambda e: e.actor.name if e.actor else None, allow_none=True)
    device_id = fields.UUID(allow_none=True)
    server_time = fields.DateTime()
    device_time = fields.DateTime(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    reason = fields.String(allow_none=True)
    data = fields.Dict()


class WorkOrderQuery(PageArgs):
    status = fields.List(fields.String(validate=validate.OneOf(list(Status))))
    priority = fields.String(validate=validate.OneOf(list(Priority)))
    sla_state = fields.String(validate=validate.OneOf(list(SlaState)))
    technician_id = fields.UUID()
    unassigned = fields.Boolean(load_default=False)
    date_from = Date()
    date_to = Date()
    q = fields.String(validate=validate.Length(max=100))


WorkOrderPage = page_of(WorkOrderOut, "WorkOrder")


# -- office actions and the visit record ------------------------------------------------------

class ActionIn(InSchema):
    """An office action on an order: cancel, hold, close or reopen (see ``service.act``)."""

    action = fields.String(required=True, validate=validate.OneOf(
        ("cancel", "hold", "close", "reopen")))
    reason = fields.String(validate=validate.Length(max=500), allow_none=True)
    waiting_for = fields.String(load_default="customer",
                                validate=validate.OneOf(("customer", "parts")))


class DiscountIn(InSchema):
    """The office's waiver or discount (``discounts.set_discount``): before signing only."""

    kind = fields.String(required=True, validate=validate.OneOf(("amount", "percent", "waive")),
                         metadata={"description": "amount (minor units), percent (1–100) or "
                                                  "waive (every charge)"})
    value = Integer(allow_none=True, validate=validate.Range(min=1, max=100_000_000),
                    metadata={"description": "Minor units for amount, 1–100 for percent; "
                                             "not used for waive"})
    reason = fields.String(required=True, validate=validate.OneOf(tuple(DISCOUNT_REASONS)))
    note = fields.String(allow_none=True, validate=validate.Length(max=500),
                         metadata={"description": "Required when the reason is other"})


class ActionOut(Schema):
    order = fields.Nested(WorkOrderOut)
    allowed_actions = fields.List(fields.String())
    new_visit = fields.Nested(WorkOrderOut, allow_none=True)


class NoteOut(Schema):
    id = fields.UUID()
    body = fields.String()
    author_id = fields.UUID(allow_none=True)
    device_time = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class TimeLogOut(Schema):
    id = fields.UUID()
    kind = fields.String()
    technician_id = fields.UUID(allow_none=True)
    started_at = fields.DateTime()
    ended_at = fields.DateTime()
    minutes = fields.Function(lambda log: int((log.ended_at - log.started_at)
                                              .total_seconds() // 60))


class PartLineOut(Schema):
    sku = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    used = fields.Integer()
    returned = fields.Integer()
    net = fields.Integer()
    unit_price_cents = fields.Integer()
    location = fields.String(allow_none=True, metadata={"description": "the van it came from"})


class PhotoOut(Schema):
    id = fields.UUID()
    kind = fields.String()
    sha256 = fields.String()
    caption = fields.String(allow_none=True)
    taken_at = fields.DateTime(allow_none=True)
    status = fields.String(metadata={"description": "pending | ready | failed"})
    failure_reason = fields.String(allow_none=True)
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)


class SignatureOut(Schema):
    id = fields.UUID()
    signer_name = fields.String()
    image_sha256 = fields.String()
    content_hash = fields.String()
    signed_at_device = fields.DateTime(allow_none=True)
    received_at = fields.DateTime()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class SurveyOut(Schema):
    rating = fields.Integer()
    comment = fields.String(allow_none=True)
    channel = fields.String()
    submitted_at = fields.DateTime()


class VisitReportOut(Schema):
    number = fields.String()
    status = fields.String(metadata={
        "description": "waiting | hash_mismatch | rendering | ready | failed | needs_resign"})
    failure_reason = fields.String(allow_none=True)
    content_hash = fields.String(allow_none=True)
    pdf_sha256 = fields.String(allow_none=True)
    rendered_at = fields.DateTime(allow_none=True)


class ChargesOut(Schema):
    in_warranty = fields.Boolean()
    parts_cents = fields.Integer()
    labour_cents = fields.Integer()
    travel_cents = fields.Integer()
    total_cents = fields.Integer()
    currency = fields.String()
    discount_cents = fields.Integer()
    discount_reason = fields.String(allow_none=True)


class VisitOut(Schema):
    """Everything a visit left on an order, for the office."""

    order_id = fields.Function(lambda visit: visit.order.id, metadata={"type": "string"})
    status = fields.Function(lambda visit: visit.order.status, metadata={"type": "string"})
    arrived_at = fields.Function(lambda visit: visit.on_site.arrived_at and
                                 visit.on_site.arrived_at.isoformat(), allow_none=True,
                                 metadata={"type": "string", "format": "date-time"})
    completed_at = fields.Function(lambda visit: visit.on_site.completed_at and
                                   visit.on_site.completed_at.isoformat(), allow_none=True,
                                   metadata={"type": "string", "format": "date-time"})
    minutes_on_site = fields.Function(lambda visit: visit.on_site.minutes, allow_none=True,
                                      metadata={"type": "integer"})
    notes = fields.List(fields.Nested(NoteOut))
    time_logs = fields.List(fields.Nested(TimeLogOut))
    parts = fields.List(fields.Nested(PartLineOut))
    photos = fields.List(fields.Nested(PhotoOut), attribute="photo_list",
                         metadata={"description": "before, then after, then other"})
    signature = fields.Nested(SignatureOut, allow_none=True)
    survey = fields.Nested(SurveyOut, allow_none=True)
    report = fields.Nested(VisitReportOut, allow_none=True)
    charges = fields.Nested(ChargesOut)
    allowed_actions = fields.List(fields.String())
