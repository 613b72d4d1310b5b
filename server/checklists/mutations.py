"""The phone's checklist answers as a sync mutation (docs/sync-protocol.md,
``fill_checklist_item``): one answer is one line with a device-made id, replayed and
refused (``duplicate_id``) like every other line."""

from __future__ import annotations

from marshmallow import fields, validate

from server.errors import ServiceError
from server.schemas import AwareDateTime, Integer
from server.workorders import service as orders
from server.workorders.lifecycle import Status
from sync.mutations import OrderArgs, Rejected, claim_line, flag_if_out_of_scope, load_order
from sync.mutations import mutation

from . import service
from .models import ChecklistAnswer


class FillChecklistItem(OrderArgs):
    answer_id = fields.UUID(required=True)
    template_id = fields.UUID(required=True)
    template_version = Integer(required=True, validate=validate.Range(min=1))
    item_key = fields.String(required=True, validate=validate.Length(min=1, max=40))
    value = fields.String(required=True, validate=validate.Length(max=2000))
    device_time = AwareDateTime(required=True)


@mutation("fill_checklist_item", 1, FillChecklistItem, line_id="answer_id")
def fill_checklist_item(ctx, args: dict) -> None:
    order = load_order(ctx, args["order_id"])
    try:
        value, _outside = service.prepare_answer(args["template_id"], args["template_version"],
                                                 args["item_key"], args["value"], order)
    except ServiceError as refused:
        raise Rejected("invalid_value", refused.message, refused.errors) from None
    if not claim_line(ctx, ChecklistAnswer, "answer_id", args["answer_id"], order,
                      template_id=args["template_id"], item_key=args["item_key"], value=value):
        return
    if order.status in {Status.SIGNED, Status.CLOSED, Status.CANCELLED}:
        # The customer signed the checklist as it was; a later answer would change it.
        raise Rejected("order_closed", f"The order is {order.status}; its checklist is final.",
                       {"order_id": [f"is {order.status}"]})
    try:
        answer = service.record_answer(order, args["answer_id"], args["template_id"],
                                       args["template_version"], args["item_key"],
                                       args["value"], technician_id=ctx.technician.id,
                                       device_time=args["device_time"], now=ctx.now)
    except ServiceError as refused:
        raise Rejected("invalid_value", refused.message, refused.errors) from None
    orders.add_event(order, "checklist_answered", ctx.actor, device_id=ctx.device.id,
                     server_time=ctx.now, device_time=args["device_time"],
                     data={"answer_id": str(answer.id), "item": answer.item_key,
                           "value": answer.value, "out_of_limits": answer.out_of_limits})
    flag_if_out_of_scope(ctx, order, "A checklist answer")
