"""Work orders over the JSON API. Views parse, call the service, and declare the response."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import discounts, service, visit
from .schemas import (
    ActionIn,
    ActionOut,
    DiscountIn,
    EventOut,
    TransitionIn,
    VisitOut,
    WorkOrderCreateIn,
    WorkOrderOut,
    WorkOrderPage,
    WorkOrderQuery,
    WorkOrderUpdateIn,
)

blp = Blueprint("workorders", __name__, url_prefix="/api/v1/workorders",
                description="Work orders: a repair request's whole life.")
ALL = ("admin", "dispatcher", "technician")
OFFICE = ("admin", "dispatcher")


@blp.route("/")
class WorkOrders(MethodView):
    @blp.arguments(WorkOrderQuery, location="query")
    @blp.response(200, WorkOrderPage)
    @api_roles(*ALL)
    def get(self, args):
        """List the orders you may see (technicians: their own)."""
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = service.list_orders(g.actor, service.OrderFilters(**args), page, per_page)
        return {"items": items, "total": total, "page": page, "per_page": per_page}

    @blp.arguments(WorkOrderCreateIn)
    @blp.response(201, WorkOrderOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """Create a work order from a repair request."""
        return service.create_order(g.actor, data)


@blp.route("/<uuid:order_id>")
class WorkOrderItem(MethodView):
    @blp.response(200, WorkOrderOut)
    @api_roles(*ALL)
    def get(self, order_id: uuid.UUID):
        """One order, if you may see it."""
        return service.get_order(g.actor, order_id)

    @blp.arguments(WorkOrderUpdateIn)
    @blp.response(200, WorkOrderOut)
    @api_roles(*ALL)
    def patch(self, changes, order_id: uuid.UUID):
        """Change fields your role owns; send ``version`` to refuse a stale edit."""
        order = service.get_order(g.actor, order_id)
        expected = changes.pop("version", None)
        return service.update_order(g.actor, order, changes, expected_version=expected)


@blp.route("/<uuid:order_id>/transitions")
class Transitions(MethodView):
    @blp.arguments(TransitionIn)
    @blp.response(200, WorkOrderOut)
    @api_roles(*ALL)
    def post(self, data, order_id: uuid.UUID):
        """Move the order to another status, as the state machine allows."""
        order = service.get_order(g.actor, order_id)
        service.transition(g.actor, order, data.pop("to"), device_id=g.device.id, **data)
        return order


@blp.route("/<uuid:order_id>/events")
class Events(MethodView):
    @blp.response(200, EventOut(many=True))
    @api_roles(*ALL)
    def get(self, order_id: uuid.UUID):
        """The order's history, oldest first."""
        return service.history(service.get_order(g.actor, order_id))


@blp.route("/<uuid:order_id>/actions")
class Actions(MethodView):
    @blp.arguments(ActionIn)
    @blp.response(200, ActionOut)
    @api_roles(*OFFICE)
    def post(self, data, order_id: uuid.UUID):
        """Cancel, put on hold, close or reopen the order, as the state machine allows.

        ``reason`` is required to cancel, hold or reopen. Closing needs the customer's signed
        report to be ready. Reopening makes a new visit linked to this order. An action not
        allowed now answers 409 naming the actions that are.
        """
        order = service.get_order(g.actor, order_id)
        new_visit = service.act(g.actor, order, data["action"], data.get("reason"),
                                data["waiting_for"])
        return {"order": order, "allowed_actions": service.allowed_actions(g.actor, order),
                "new_visit": new_visit}


@blp.route("/<uuid:order_id>/discount")
class Discount(MethodView):
    @blp.arguments(DiscountIn)
    @blp.response(200, WorkOrderOut)
    @api_roles(*OFFICE)
    def put(self, data, order_id: uuid.UUID):
        """Waive the charges or give a discount (amount or percent) with a reason.

        Only before the customer signs (409 ``discount_after_signing``); nothing to
        discount in warranty (409 ``nothing_charged``); an amount above what the order
        charges is 422 naming ``value``. Replaces any earlier discount; recorded in the
        order's history.
        """
        order = service.get_order(g.actor, order_id)
        return discounts.set_discount(g.actor, order, data)

    @blp.response(200, WorkOrderOut)
    @api_roles(*OFFICE)
    def delete(self, order_id: uuid.UUID):
        """Remove the order's discount (before signing only; 409 ``no_discount`` when none)."""
        order = service.get_order(g.actor, order_id)
        return discounts.clear_discount(g.actor, order)


@blp.route("/<uuid:order_id>/visit")
class VisitRecord(MethodView):
    @blp.response(200, VisitOut)
    @api_roles(*OFFICE)
    def get(self, order_id: uuid.UUID):
        """What the visit left: notes, time logs, time on site, part lines, photos, the
        signature, the rating, the report's state and the charges (office staff)."""
        order = service.get_order(g.actor, order_id)
        record = visit.record(order)
        record.allowed_actions = service.allowed_actions(g.actor, order)
        return record
