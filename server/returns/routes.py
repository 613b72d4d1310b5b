"""Returns and exchanges over the JSON API (office users). Views parse, call the service,
answer."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from .schemas import (
    CustomerReturnIn,
    CustomerReturnOut,
    CustomerReturnPage,
    CustomerReturnQuery,
    ReturnDecideIn,
    ReturnFindingsIn,
    ReturnGoodwillIn,
    ReturnInspectIn,
)

blp = Blueprint("returns", __name__, url_prefix="/api/v1/returns",
                description="Customer returns and exchanges of an appliance (RMA): request "
                            "within the policy's windows, inspection, decision.")
OFFICE = ("admin", "dispatcher")


@blp.route("")
class Returns(MethodView):
    @blp.arguments(CustomerReturnQuery, location="query")
    @blp.response(200, CustomerReturnPage)
    @api_roles(*OFFICE)
    def get(self, args):
        """Requests, newest first; filter by state, decision, model, month (YYYY-MM),
        customer or appliance."""
        page, per_page = args.pop("page"), args.pop("per_page")
        rows, total = service.requests(service.Filter(**args), page, per_page)
        return {"items": rows, "total": total, "page": page, "per_page": per_page}

    @blp.arguments(CustomerReturnIn)
    @blp.response(201, CustomerReturnOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """Record a customer's request. Within a policy window it is ``requested``;
        outside every window it is stored ``refused`` (a manager may accept it as
        goodwill)."""
        return service.create(g.actor, asset_id=data["asset_id"], reason=data["reason"],
                              wish=data["wish"], purchase_date=data["purchase_date"],
                              description=data["description"], proof=data["proof_photo"],
                              channel="api", work_order_id=data["work_order_id"])


@blp.route("/<uuid:request_id>")
class OneReturn(MethodView):
    @blp.response(200, CustomerReturnOut)
    @api_roles(*OFFICE)
    def get(self, request_id: uuid.UUID):
        return service.get(request_id)


@blp.route("/<uuid:request_id>/goodwill")
class Goodwill(MethodView):
    @blp.arguments(ReturnGoodwillIn)
    @blp.response(200, CustomerReturnOut)
    @api_roles(*OFFICE)
    def post(self, data, request_id: uuid.UUID):
        """A manager (admin) accepts a refused request as a goodwill case."""
        return service.accept_goodwill(g.actor, service.get(request_id, lock=True), data["reason"])


@blp.route("/<uuid:request_id>/inspect")
class Inspect(MethodView):
    @blp.arguments(ReturnInspectIn)
    @blp.response(200, CustomerReturnOut)
    @api_roles(*OFFICE)
    def post(self, data, request_id: uuid.UUID):
        """Start the inspection: ``on_site`` opens a linked work order of type
        return_exchange; ``workshop`` waits for the office's findings."""
        return service.start_inspection(g.actor, service.get(request_id, lock=True), data["mode"])


@blp.route("/<uuid:request_id>/findings")
class Findings(MethodView):
    @blp.arguments(ReturnFindingsIn)
    @blp.response(200, CustomerReturnOut)
    @api_roles(*OFFICE)
    def post(self, data, request_id: uuid.UUID):
        """Record the inspection's findings; the answer carries the policy's proposal."""
        return service.record_findings(g.actor, service.get(request_id, lock=True), data["finding"],
                                       data["notes"], data["photos"])


@blp.route("/<uuid:request_id>/decide")
class Decide(MethodView):
    @blp.arguments(ReturnDecideIn)
    @blp.response(200, CustomerReturnOut)
    @api_roles(*OFFICE)
    def post(self, data, request_id: uuid.UUID):
        """Decide: the proposal, or (a manager, with a reason) another allowed decision.
        Refund needs ``refund_cents``; exchange ``replacement_serial``."""
        return service.decide(g.actor, service.get(request_id, lock=True), **data)
