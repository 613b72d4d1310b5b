"""The phone's stock mutations: ``request_part`` and ``confirm_receipt`` (registered in
sync/mutations.py's table; rules in ``inventory.fieldstock``; docs/sync-protocol.md,
"Parts requests and deliveries")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.errors import ServiceError
from server.schemas import AwareDateTime, Integer
from server.workorders import service as orders
from server.workorders.lifecycle import Status
from sync.mutations import Context, Rejected, _van, claim_line, in_scope_now, load_order, mutation

from . import fieldstock
from .models import Part, PartRequest, VanDelivery


class RequestPart(Schema):
    order_id = fields.UUID(required=True)
    request_id = fields.UUID(required=True)
    part_id = fields.UUID(required=True)
    quantity = Integer(required=True, validate=validate.Range(min=1, max=999))
    note = fields.String(validate=validate.Length(max=500), allow_none=True, load_default=None)
    device_time = AwareDateTime(required=True)


class ConfirmReceipt(Schema):
    delivery_id = fields.UUID(required=True)
    received_quantity = Integer(required=True, validate=validate.Range(min=0, max=100_000))
    device_time = AwareDateTime(required=True)


@mutation("request_part", 1, RequestPart, line_id="request_id", line_model=PartRequest)
def request_part(ctx: Context, args: dict) -> None:
    """A part the technician lacks for this job. An order on site goes to awaiting parts;
    in any other open status of theirs the request is recorded and the status left."""
    order = load_order(ctx, args["order_id"])
    note = (args.get("note") or "").strip() or None
    if not claim_line(ctx, PartRequest, "request_id", args["request_id"], order,
                      part_id=args["part_id"], quantity=args["quantity"]):
        return  # the same request again
    part = ctx.session.get(Part, args["part_id"])
    if part is None:
        raise Rejected("unknown_part", "No such part.", {"part_id": ["no such part"]})
    if not in_scope_now(ctx, order):
        raise Rejected("no_longer_yours",
                       f"The order was reassigned or {order.status} while you were offline; "
                       "the parts request was not recorded.",
                       {"order_id": [f"is {order.status} and no longer assigned to you"]})
    ctx.session.add(PartRequest(id=args["request_id"], work_order_id=order.id,
                                part_id=part.id, quantity=args["quantity"], note=note,
                                technician_id=ctx.technician.id,
                                device_time=args["device_time"], created_at=ctx.now,
                                updated_at=ctx.now))
    ctx.session.flush()
    orders.add_event(order, "part_requested", ctx.actor, device_id=ctx.device.id,
                     server_time=ctx.now, device_time=args["device_time"],
                     data={"part": part.sku, "quantity": args["quantity"],
                           "request_id": str(args["request_id"])})
    if order.status == Status.ON_SITE:
        try:
            orders.transition(ctx.actor, order, Status.AWAITING_PARTS,
                              reason=f"{part.sku} × {args['quantity']}",
                              device_time=args["device_time"], device_id=ctx.device.id,
                              now=ctx.now)
        except ServiceError as refused:
            raise Rejected(refused.code or "transition_refused", refused.message,
                           refused.errors) from None


@mutation("confirm_receipt", 1, ConfirmReceipt, line_id="delivery_id")
def confirm_receipt(ctx: Context, args: dict) -> None:
    """The technician counted a delivery on the van: the received quantity is booked into
    the van, the rest as a shortfall. The same confirmation again is a replay."""
    # Locked: two devices of one technician confirming at once book it once (PostgreSQL).
    delivery = ctx.session.get(VanDelivery, args["delivery_id"], with_for_update=True,
                               populate_existing=True)
    van = _van(ctx)
    if delivery is None or delivery.van_id != van.id:
        raise Rejected("not_your_delivery", "This delivery is not for your van.",
                       {"delivery_id": ["is not a delivery to your van"]})
    try:
        fieldstock.receive_delivery(delivery, args["received_quantity"], ctx.actor.id,
                                    at=ctx.now)
    except ServiceError as refused:
        raise Rejected(refused.code or "refused", refused.message, refused.errors) from None
