"""The stock ledger over the JSON API: the office reads and writes, technicians read."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import fieldstock, purchases, service
from .schemas import (
    ConfirmIn,
    DeliveryOut,
    DeliveryQuery,
    FulfilIn,
    LevelOut,
    LevelQuery,
    LocationOut,
    MovementIn,
    MovementOut,
    MovementPage,
    MovementQuery,
    PartRequestOut,
    ProposalLineOut,
    ProposalQuery,
    PurchaseEndIn,
    PurchaseIn,
    PurchaseOrderIn,
    PurchaseOut,
    PurchaseQuery,
    ReceiveIn,
    RequestQuery,
    ReservationOut,
    ReservationQuery,
    ReverseIn,
    RuleIn,
    RuleOut,
    MinMaxTemplateDeletedOut,
    MinMaxTemplateDeleteQuery,
    MinMaxTemplateIn,
    MinMaxTemplateOut,
)

blp = Blueprint("stock", __name__, url_prefix="/api/v1/stock",
                description="Stock locations, levels and the movement ledger.")
OFFICE = ("admin", "dispatcher")
ALL = ("admin", "dispatcher", "technician")


@blp.route("/locations")
class Locations(MethodView):
    @blp.response(200, LocationOut(many=True))
    @api_roles(*ALL)
    def get(self):
        return service.locations()


@blp.route("/levels")
class Levels(MethodView):
    @blp.arguments(LevelQuery, location="query")
    @blp.response(200, LevelOut(many=True))
    @api_roles(*ALL)
    def get(self, args):
        if args.get("location"):
            service.get_location(args["location"], "location")
        return [service.level_row(level, part, location) for level, part, location
                in service.levels(args.get("location"), args["low"], args.get("q"))]


@blp.route("/movements")
class Movements(MethodView):
    @blp.arguments(MovementQuery, location="query")
    @blp.response(200, MovementPage)
    @api_roles(*OFFICE)
    def get(self, args):
        items, total = service.movements(args.get("part"), args.get("location"), args.get("kind"),
                                         args.get("work_order"), args.get("serial"),
                                         page=args["page"], per_page=args["per_page"])
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @blp.arguments(MovementIn)
    @blp.response(201, MovementOut)
    @api_roles(*OFFICE)
    def post(self, data):
        return service.record_from_office(g.actor, data)


@blp.route("/movements/<uuid:movement_id>/reverse")
class Reverse(MethodView):
    @blp.arguments(ReverseIn)
    @blp.response(201, MovementOut)
    @api_roles(*OFFICE)
    def post(self, data, movement_id: uuid.UUID):
        return service.reverse(movement_id, g.actor.id, data["note"])


@blp.route("/rules")
class Rules(MethodView):
    @blp.arguments(RuleIn)
    @blp.response(200, RuleOut)
    @api_roles(*OFFICE)
    def put(self, data):
        """Set a van's min/max for a part."""
        return service.set_rule(service.get_location(data["location_id"]),
                                service.get_part_field(data["part_id"]),
                                data["min_quantity"], data["max_quantity"])


@blp.route("/replenishment")
class Replenishment(MethodView):
    @blp.arguments(ProposalQuery, location="query")
    @blp.response(200, ProposalLineOut(many=True))
    @api_roles(*OFFICE)
    def get(self, args):
        """Today's proposal: transfers that restore every van below its min to its max."""
        return service.proposal(service.get_location(args["warehouse"], "warehouse"))

    @blp.arguments(ConfirmIn)
    @blp.response(201, MovementOut(many=True))
    @api_roles(*OFFICE)
    def post(self, data):
        """Confirm the proposal, in whole or in part: one transfer per line."""
        return service.confirm_replenishment(
            g.actor.id, service.get_location(data["warehouse_id"], "warehouse_id"),
            data["lines"])


@blp.route("/requests")
class PartRequests(MethodView):
    @blp.arguments(RequestQuery, location="query")
    @blp.response(200, PartRequestOut(many=True))
    @api_roles(*OFFICE)
    def get(self, args):
        """Parts technicians asked for from their jobs, oldest first: by default those the
        office still has to act on (open, reserved)."""
        return fieldstock.requests(args.get("status"))


@blp.route("/requests/<uuid:request_id>/fulfil")
class FulfilRequest(MethodView):
    @blp.arguments(FulfilIn)
    @blp.response(200, PartRequestOut)
    @api_roles(*OFFICE)
    def post(self, data, request_id: uuid.UUID):
        """Send the part towards the van, reserve it at a warehouse for the job, or cancel
        the request (409 ``request_not_open`` when it was already dealt with)."""
        warehouse = service.get_location(data["warehouse_id"], "warehouse_id") \
            if data.get("warehouse_id") else None
        return fieldstock.answer(g.actor.id, request_id, data["how"], warehouse)


@blp.route("/deliveries")
class Deliveries(MethodView):
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, DeliveryOut(many=True))
    @api_roles(*OFFICE)
    def get(self, args):
        """Parts sent to vans, newest first: ``sent`` ones wait for the technician's
        confirmation on the phone."""
        return fieldstock.deliveries(args.get("status"), args.get("van"))


@blp.route("/reservations")
class Reservations(MethodView):
    @blp.arguments(ReservationQuery, location="query")
    @blp.response(200, ReservationOut(many=True))
    @api_roles(*OFFICE)
    def get(self, args):
        """Parts held for jobs, oldest first: by default those holding stock now."""
        return fieldstock.reservations(args.get("location"), args.get("part"),
                                       args.get("work_order"), args.get("status"))


@blp.route("/templates")
class Templates(MethodView):
    @blp.response(200, MinMaxTemplateOut(many=True))
    @api_roles(*OFFICE)
    def get(self):
        """Min/max templates, by name."""
        return fieldstock.templates()

    @blp.arguments(MinMaxTemplateIn)
    @blp.response(201, MinMaxTemplateOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """A template for the vans of one region or one skill (applied from the console)."""
        return fieldstock.save_template(data["name"], data.get("region"), data.get("skill"),
                                        data["lines"], actor=g.actor)


@blp.route("/templates/<uuid:template_id>")
class TemplateItem(MethodView):
    @blp.response(200, MinMaxTemplateOut)
    @api_roles(*OFFICE)
    def get(self, template_id: uuid.UUID):
        return fieldstock.get_template(template_id)

    @blp.arguments(MinMaxTemplateIn)
    @blp.response(200, MinMaxTemplateOut)
    @api_roles(*OFFICE)
    def put(self, data, template_id: uuid.UUID):
        """Replace the template; the values it already wrote on vans follow (a part taken
        out, or a van no longer covered, loses its value)."""
        return fieldstock.save_template(data["name"], data.get("region"), data.get("skill"),
                                        data["lines"], fieldstock.get_template(template_id),
                                        actor=g.actor)

    @blp.arguments(MinMaxTemplateDeleteQuery, location="query")
    @blp.response(200, MinMaxTemplateDeletedOut)
    @api_roles(*OFFICE)
    def delete(self, args, template_id: uuid.UUID):
        """Delete a template; one in use needs ``confirm=true`` (409 ``template_in_use``
        says how many vans it affects)."""
        return fieldstock.delete_template(fieldstock.get_template(template_id), g.actor,
                                          args["confirm"])


@blp.route("/purchases")
class Purchases(MethodView):
    @blp.arguments(PurchaseQuery, location="query")
    @blp.response(200, PurchaseOut(many=True))
    @api_roles(*OFFICE)
    def get(self, args):
        """Purchase orders from suppliers, newest first."""
        return purchases.purchases(args.get("status"), args.get("supplier"))

    @blp.arguments(PurchaseIn)
    @blp.response(201, PurchaseOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """A purchase order (a draft, or ordered at once with ``order``), by hand or raised
        for open parts requests (409 ``request_not_open`` when one was already dealt with)."""
        return purchases.create(
            g.actor, data["supplier"], service.get_location(data["warehouse_id"], "warehouse_id"),
            data.get("expected_on"), data["lines"], data["request_ids"], data.get("note"),
            order_now=data["order"])


@blp.route("/purchases/<uuid:purchase_id>")
class PurchaseItem(MethodView):
    @blp.response(200, PurchaseOut)
    @api_roles(*OFFICE)
    def get(self, purchase_id: uuid.UUID):
        return purchases.get(purchase_id)


@blp.route("/purchases/<uuid:purchase_id>/order")
class PlacePurchase(MethodView):
    @blp.arguments(PurchaseOrderIn)
    @blp.response(200, PurchaseOut)
    @api_roles(*OFFICE)
    def post(self, data, purchase_id: uuid.UUID):
        """Send a draft to the supplier, with the day it is expected."""
        return purchases.place(g.actor, purchases.get(purchase_id), data.get("expected_on"))


@blp.route("/purchases/<uuid:purchase_id>/receive")
class ReceivePurchase(MethodView):
    @blp.arguments(ReceiveIn)
    @blp.response(200, PurchaseOut)
    @api_roles(*OFFICE)
    def post(self, data, purchase_id: uuid.UUID):
        """Book what arrived into the warehouse (``receive`` ledger lines); the requests it
        was raised for and now fully received go to their vans. 409 ``already_received``
        when nothing of it is outstanding."""
        return purchases.receive(g.actor, purchase_id, data["lines"])


@blp.route("/purchases/<uuid:purchase_id>/cancel")
class CancelPurchase(MethodView):
    @blp.arguments(PurchaseEndIn)
    @blp.response(200, PurchaseOut)
    @api_roles(*OFFICE)
    def post(self, data, purchase_id: uuid.UUID):
        """Cancel a purchase that received nothing; its requests go back to the queue."""
        return purchases.cancel(g.actor, purchase_id, data.get("reason"))


@blp.route("/purchases/<uuid:purchase_id>/close")
class ClosePurchase(MethodView):
    @blp.arguments(PurchaseEndIn)
    @blp.response(200, PurchaseOut)
    @api_roles(*OFFICE)
    def post(self, data, purchase_id: uuid.UUID):
        """Close a partly received purchase (the rest is not coming)."""
        return purchases.close(g.actor, purchase_id, data.get("reason"))
