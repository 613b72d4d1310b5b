"""Complaints over the JSON API (office users). Views parse, call the service, answer."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from ..schemas import page_from_list
from .schemas import CloseIn, ComplaintCreateIn, ComplaintOut, ComplaintPage, ComplaintQuery, StepIn

blp = Blueprint("complaints", __name__, url_prefix="/api/v1/complaints",
                description="Complaints: deadlines on the working calendar, steps, closure.")
OFFICE = ("admin", "dispatcher")


def _out(complaint):
    complaint.steps = service.steps(complaint)
    return complaint


@blp.route("")
class Complaints(MethodView):
    @blp.arguments(ComplaintQuery, location="query")
    @blp.response(200, ComplaintPage)
    @api_roles(*OFFICE)
    def get(self, args):
        """Open complaints by next deadline (overdue first); filter by grade or owner; a
        page at a time (``page``, ``per_page``)."""
        paging = {"page": args.pop("page"), "per_page": args.pop("per_page")}
        return page_from_list([row.complaint for row in service.queue(**args)], paging)

    @blp.arguments(ComplaintCreateIn)
    @blp.response(201, ComplaintOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """Record a complaint; the caller owns it. Answers with its deadlines
        (``respond_by``, ``verify_by``, ``resolve_by``) on the working calendar."""
        return _out(service.record(g.actor, **data))


@blp.route("/<uuid:complaint_id>")
class OneComplaint(MethodView):
    @blp.response(200, ComplaintOut)
    @api_roles(*OFFICE)
    def get(self, complaint_id: uuid.UUID):
        """The complaint with its steps, oldest first."""
        return _out(service.get(complaint_id))


@blp.route("/<uuid:complaint_id>/steps")
class ComplaintSteps(MethodView):
    @blp.arguments(StepIn)
    @blp.response(201, ComplaintOut)
    @api_roles(*OFFICE)
    def post(self, data, complaint_id: uuid.UUID):
        """Take a step; what is said to the customer is messaged to them."""
        complaint = service.get(complaint_id)
        service.add_step(g.actor, complaint, data.pop("kind"), **data)
        return _out(complaint)


@blp.route("/<uuid:complaint_id>/close")
class CloseComplaint(MethodView):
    @blp.arguments(CloseIn)
    @blp.response(200, ComplaintOut)
    @api_roles(*OFFICE)
    def post(self, data, complaint_id: uuid.UUID):
        """Close with a resolution, a root-cause category and the customer's confirmation
        (or a follow-up)."""
        return _out(service.close(g.actor, service.get(complaint_id), **data))
