from marshmallow import Schema, fields, validate

from ..schemas import Date, InSchema, Integer, PageArgs, page_of


class PartIn(InSchema):
    id = fields.UUID()
    sku = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Z0-9][A-Z0-9\-]{1,39}$", error="must be 2-40 capital letters, digits or dashes"))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=160))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=160))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    fits_models = fields.List(fields.String(validate=validate.Length(max=80)))
    price_cents = Integer(required=True, validate=validate.Range(min=0, max=10_000_000))
    unit = fields.String(validate=validate.Length(min=1, max=12))
    active = fields.Boolean()


class PartUpdateIn(PartIn):
    class Meta:
        exclude = ("id", "sku")


class PartOut(Schema):
    id = fields.UUID()
    sku = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    category = fields.String()
    fits_models = fields.List(fields.String())
    price_cents = fields.Integer()
    unit = fields.String()
    active = fields.Boolean()


class PartQuery(PageArgs):
    q = fields.String(validate=validate.Length(max=100))
    category = fields.String(validate=validate.Length(max=40))


PartPage = page_of(PartOut, "Part")


# --- stock ledger -----------------------------------------------------------------------

MOVEMENT_KINDS_IN = ("receive", "transfer", "defective_return", "scrap", "count")


class LocationOut(Schema):
    id = fields.UUID()
    kind = fields.String()
    name = fields.String()
    technician_id = fields.UUID(allow_none=True)
    low_stock_threshold = fields.Integer()


class LevelQuery(InSchema):
    location = fields.UUID(metadata={"description": "Only this location."})
    low = fields.Boolean(load_default=False, metadata={"description": "Only low levels."})
    q = fields.String(validate=validate.Length(max=100))


class LevelOut(Schema):
    location_id = fields.UUID()
    location_name = fields.String()
    part_id = fields.UUID()
    sku = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    quantity = fields.Integer()
    low = fields.Boolean()


class MovementIn(InSchema):
    """One ledger line from the office. ``count`` records a physical count (``counted``);
    the others move ``quantity`` from ``from_location_id`` to ``to_location_id``."""

    kind = fields.String(required=True, validate=validate.OneOf(MOVEMENT_KINDS_IN))
    part_id = fields.UUID(required=True)
    quantity = Integer(validate=validate.Range(min=1, max=1_000_000))
    from_location_id = fields.UUID()
    to_location_id = fields.UUID()
    location_id = fields.UUID(metadata={"description": "count: the location counted."})
    counted = Integer(validate=validate.Range(min=0, max=1_000_000))
    expected = Integer(validate=validate.Range(min=0, max=1_000_000), metadata={
        "description": "count: the level the counter started from; refused if it moved."})
    work_order_id = fields.UUID()
    serial = fields.String(validate=validate.Length(min=1, max=80))
    note = fields.String(validate=validate.Length(max=500))


class ReverseIn(InSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))


class MovementOut(Schema):
    id = fields.UUID()
    kind = fields.String(attribute="reason")
    part_id = fields.UUID()
    quantity = fields.Integer()
    from_location_id = fields.UUID(allow_none=True)
    to_location_id = fields.UUID(allow_none=True)
    work_order_id = fields.UUID(allow_none=True)
    actor_id = fields.UUID(allow_none=True)
    serial = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    reverses_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class MovementQuery(PageArgs):
    part = fields.UUID()
    location = fields.UUID()
    kind = fields.String(validate=validate.Length(max=40))
    work_order = fields.UUID()
    serial = fields.String(validate=validate.Length(max=80))


MovementPage = page_of(MovementOut, "Movement")


class CheckOut(Schema):
    ok = fields.Boolean()
    problems = fields.List(fields.Dict())


class RuleIn(InSchema):
    location_id = fields.UUID(required=True)
    part_id = fields.UUID(required=True)
    min_quantity = Integer(required=True, validate=validate.Range(min=0, max=100_000))
    max_quantity = Integer(required=True, validate=validate.Range(min=1, max=100_000))


class RuleOut(Schema):
    location_id = fields.UUID()
    part_id = fields.UUID()
    min_quantity = fields.Integer()
    max_quantity = fields.Integer()


class ProposalQuery(InSchema):
    warehouse = fields.UUID(required=True)


class ProposalLineOut(Schema):
    van_id = fields.UUID()
    part_id = fields.UUID()
    on_hand = fields.Integer()
    in_transit = fields.Integer(metadata={"description": "Sent and not yet received."})
    max_quantity = fields.Integer()
    quantity = fields.Integer(metadata={"description": "Proposed transfer."})
    short = fields.Integer(metadata={"description": "What the warehouse cannot cover."})


class ConfirmLineIn(InSchema):
    van_id = fields.UUID(required=True)
    part_id = fields.UUID(required=True)
    quantity = Integer(required=True, validate=validate.Range(min=1, max=100_000))


class ConfirmIn(InSchema):
    warehouse_id = fields.UUID(required=True)
    lines = fields.List(fields.Nested(ConfirmLineIn), required=True,
                        validate=validate.Length(min=1, max=50_000))


# --- parts requests from the field and deliveries to vans (fieldstock) -------------------

class RequestQuery(InSchema):
    status = fields.String(validate=validate.OneOf(
        ["open", "reserved", "sent", "on_van", "cancelled", "ordered"]),
        metadata={"description": "Only requests in this state (default: open and reserved, "
                                 "what the office still has to act on)."})


class PartRequestOut(Schema):
    id = fields.UUID()
    work_order_id = fields.UUID()
    work_order_number = fields.Function(lambda r: r.work_order.number if r.work_order else None)
    part_id = fields.UUID()
    sku = fields.Function(lambda r: r.part.sku)
    quantity = fields.Integer()
    note = fields.String(allow_none=True)
    technician_id = fields.UUID()
    status = fields.String()
    device_time = fields.DateTime()
    created_at = fields.DateTime()
    purchase_id = fields.UUID(allow_none=True, metadata={
        "description": "The purchase order raised for it, if any."})
    expected_on = fields.Date(allow_none=True, metadata={
        "description": "Ordered from a supplier: the day the delivery is expected."})


class FulfilIn(InSchema):
    how = fields.String(required=True, validate=validate.OneOf(["send", "reserve", "cancel"]),
                        metadata={"description": "send: towards the van (a delivery the "
                                                 "technician confirms); reserve: held at "
                                                 "the warehouse for the job; cancel."})
    warehouse_id = fields.UUID(metadata={"description": "Where the part comes from (send, "
                                                        "reserve)."})


class DeliveryQuery(InSchema):
    status = fields.String(validate=validate.OneOf(["sent", "received"]))
    van = fields.UUID()


class DeliveryOut(Schema):
    id = fields.UUID()
    van_id = fields.UUID()
    from_location_id = fields.UUID()
    from_name = fields.String()
    part_id = fields.UUID()
    quantity = fields.Integer()
    status = fields.String()
    received_quantity = fields.Integer(allow_none=True)
    request_id = fields.UUID(allow_none=True)
    sent_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)


# --- reservations and min/max templates (fieldstock) -------------------------------------

class ReservationQuery(InSchema):
    location = fields.UUID(metadata={"description": "Only at this location."})
    part = fields.UUID(metadata={"description": "Only of this part."})
    work_order = fields.UUID(metadata={"description": "Only for this order."})
    status = fields.String(validate=validate.OneOf(["active", "sent", "used", "released"]),
                           metadata={"description": "Only in this state (default: those "
                                                    "holding stock now — active, of open "
                                                    "orders)."})


class ReservationOut(Schema):
    id = fields.UUID()
    location_id = fields.UUID()
    part_id = fields.UUID()
    work_order_id = fields.UUID()
    quantity = fields.Integer()
    status = fields.String()
    request_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)


class MinMaxLineIn(InSchema):
    part_id = fields.UUID(required=True)
    min_quantity = Integer(required=True, validate=validate.Range(min=0, max=100_000))
    max_quantity = Integer(required=True, validate=validate.Range(min=1, max=100_000))


class MinMaxTemplateIn(InSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    region = fields.String(allow_none=True, validate=validate.Length(max=80),
                           metadata={"description": "For the vans of this region (or skill)."})
    skill = fields.String(allow_none=True, validate=validate.Length(max=80),
                          metadata={"description": "For the vans of this skill (or region)."})
    lines = fields.List(fields.Nested(MinMaxLineIn), required=True,
                        validate=validate.Length(min=1, max=5_000))


class MinMaxLineOut(Schema):
    part_id = fields.UUID()
    sku = fields.Function(lambda line: line.part.sku)
    min_quantity = fields.Integer()
    max_quantity = fields.Integer()


class MinMaxTemplateOut(Schema):
    id = fields.UUID()
    name = fields.String()
    region = fields.String(allow_none=True)
    skill = fields.String(allow_none=True)
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(MinMaxLineOut))


class MinMaxTemplateDeleteQuery(InSchema):
    confirm = fields.Boolean(load_default=False, metadata={
        "description": "Needed to delete a template in use (409 template_in_use otherwise): "
                       "the min/max values it wrote on vans are cleared."})


class MinMaxTemplateDeletedOut(Schema):
    vans = fields.List(fields.String(), metadata={"description": "Vans whose values were "
                                                                 "cleared."})
    values = fields.Integer(metadata={"description": "Min/max values cleared."})


# --- purchases from suppliers ------------------------------------------------------------

PURCHASE_STATUSES = ("draft", "ordered", "partly_received", "received", "closed", "cancelled")


class PurchaseQuery(InSchema):
    status = fields.String(validate=validate.OneOf(PURCHASE_STATUSES))
    supplier = fields.String(validate=validate.Length(max=120),
                             metadata={"description": "Part of the supplier's name."})


class PurchaseLineIn(InSchema):
    part_id = fields.UUID(required=True)
    quantity = Integer(required=True, validate=validate.Range(min=1, max=100_000))
    unit_cost_cents = Integer(allow_none=True, validate=validate.Range(min=0, max=100_000_000))


class PurchaseIn(InSchema):
    supplier = fields.String(required=True, validate=validate.Length(min=1, max=120))
    warehouse_id = fields.UUID(required=True)
    expected_on = Date(allow_none=True, metadata={
        "description": "The day the supplier's delivery is expected (required to order)."})
    lines = fields.List(fields.Nested(PurchaseLineIn), load_default=list,
                        validate=validate.Length(max=1_000))
    request_ids = fields.List(fields.UUID(), load_default=list,
                              validate=validate.Length(max=1_000), metadata={
                                  "description": "Open parts requests it is raised for: "
                                                 "their parts are added to the lines, and "
                                                 "they go to their vans when it arrives."})
    note = fields.String(allow_none=True, validate=validate.Length(max=500))
    order = fields.Boolean(load_default=False, metadata={
        "description": "Send it to the supplier at once (otherwise a draft)."})


class PurchaseOrderIn(InSchema):
    expected_on = Date(allow_none=True)


class PurchaseEndIn(InSchema):
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class ReceiveLineIn(InSchema):
    line_id = fields.UUID(metadata={"description": "The purchase line (or give part_id)."})
    part_id = fields.UUID()
    quantity = Integer(required=True, validate=validate.Range(min=0, max=100_000))


class ReceiveIn(InSchema):
    lines = fields.List(fields.Nested(ReceiveLineIn), required=True,
                        validate=validate.Length(min=1, max=1_000))


class PurchaseLineOut(Schema):
    id = fields.UUID()
    part_id = fields.UUID()
    sku = fields.Function(lambda line: line.part.sku)
    quantity = fields.Integer()
    received_quantity = fields.Integer()
    unit_cost_cents = fields.Integer(allow_none=True)


class PurchaseOut(Schema):
    id = fields.UUID()
    number = fields.String()
    supplier = fields.String()
    warehouse_id = fields.UUID()
    expected_on = fields.Date(allow_none=True)
    status = fields.String(metadata={"description": "One of " + ", ".join(PURCHASE_STATUSES)})
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    ordered_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(PurchaseLineOut))
    request_ids = fields.Function(lambda p: [str(r.id) for r in p.requests])
