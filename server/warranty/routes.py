"""Warranty claims, returns to suppliers (RMA) and serial histories over the JSON API
(office users). Views parse, call the service, answer."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from .schemas import (
    AwaitingOut,
    ClaimCreateIn,
    ClaimEditIn,
    ClaimMoveIn,
    ClaimOut,
    ClaimPage,
    ClaimQuery,
    HistoryOut,
    ReturnCreateIn,
    ReturnMoveIn,
    ReturnOut,
    ReturnPage,
    ReturnQuery,
    SerialQuery,
)

blp = Blueprint("warranty", __name__, url_prefix="/api/v1",
                description="Warranty claims to manufacturers, returns of defective parts to "
                            "suppliers (RMA), and the service history of one serial number.")
OFFICE = ("admin", "dispatcher")


@blp.route("/warranty/claims")
class Claims(MethodView):
    @blp.arguments(ClaimQuery, location="query")
    @blp.response(200, ClaimPage)
    @api_roles(*OFFICE)
    def get(self, args):
        """Claims, newest first; filter by ``state``, ``supplier`` or ``q`` (a claim number
        or a serial)."""
        rows, total = service.claims(service.ClaimFilter(
            state=args.get("state"), supplier=args.get("supplier"), q=args.get("q")),
            args["page"], args["per_page"])
        return {"items": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @blp.arguments(ClaimCreateIn)
    @blp.response(201, ClaimOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """A draft claim for a finished in-warranty order, prefilled from the visit (409
        ``claim_exists`` when the order has one)."""
        return service.create_claim(g.actor, data["work_order_id"])


@blp.route("/warranty/claims/<uuid:claim_id>")
class OneClaim(MethodView):
    @blp.response(200, ClaimOut)
    @api_roles(*OFFICE)
    def get(self, claim_id: uuid.UUID):
        """The claim with its part lines."""
        return service.get_claim(claim_id)

    @blp.arguments(ClaimEditIn)
    @blp.response(200, ClaimOut)
    @api_roles(*OFFICE)
    def patch(self, data, claim_id: uuid.UUID):
        """Edit a draft: supplier, fault, labour, travel, the lines' serials."""
        return service.update_claim(g.actor, service.get_claim(claim_id), data)


@blp.route("/warranty/claims/<uuid:claim_id>/state")
class ClaimState(MethodView):
    @blp.arguments(ClaimMoveIn)
    @blp.response(200, ClaimOut)
    @api_roles(*OFFICE)
    def post(self, data, claim_id: uuid.UUID):
        """Move the claim: submitted, accepted, rejected (``reason``), credited
        (``credited_cents``)."""
        return service.move_claim(g.actor, service.get_claim(claim_id), data["state"],
                                  reason=data["reason"], credited_cents=data["credited_cents"])


@blp.route("/warranty/returns")
class Returns(MethodView):
    @blp.arguments(ReturnQuery, location="query")
    @blp.response(200, ReturnPage)
    @api_roles(*OFFICE)
    def get(self, args):
        """Returns to suppliers, newest first; filter by ``state``."""
        rows, total = service.returns(args.get("state"), args["page"], args["per_page"])
        return {"items": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @blp.arguments(ReturnCreateIn)
    @blp.response(201, ReturnOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """An open return of defective units (the ledger's ``defective_return`` lines)
        under the supplier's RMA number."""
        return service.create_return(g.actor, data["rma_number"], data["supplier"],
                                     data["movement_ids"], data["note"])


@blp.route("/warranty/returns/awaiting")
class Awaiting(MethodView):
    @blp.response(200, AwaitingOut(many=True))
    @api_roles(*OFFICE)
    def get(self):
        """Defective units received from jobs that are in no return yet, oldest first."""
        return service.awaiting_return()


@blp.route("/warranty/returns/<uuid:return_id>")
class OneReturn(MethodView):
    @blp.response(200, ReturnOut)
    @api_roles(*OFFICE)
    def get(self, return_id: uuid.UUID):
        """The return with its units."""
        return service.get_return(return_id)


@blp.route("/warranty/returns/<uuid:return_id>/state")
class ReturnState(MethodView):
    @blp.arguments(ReturnMoveIn)
    @blp.response(200, ReturnOut)
    @api_roles(*OFFICE)
    def post(self, data, return_id: uuid.UUID):
        """Move the return: shipped (the units leave stock through the ledger), received,
        credited (``credited_cents``) or replaced (``replacement_serials``)."""
        return service.move_return(g.actor, service.get_return(return_id), data["state"],
                                   credited_cents=data["credited_cents"],
                                   replacement_serials=data["replacement_serials"])


@blp.route("/serials/history")
class SerialHistory(MethodView):
    @blp.arguments(SerialQuery, location="query")
    @blp.response(200, HistoryOut)
    @api_roles(*OFFICE)
    def get(self, args):
        """Every order, ledger line, claim and return this appliance or part ``serial``
        appears in, oldest first."""
        return {"serial": args["serial"], "entries": service.history(args["serial"])}
