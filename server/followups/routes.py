"""Follow-ups over the JSON API (office users)."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from ..schemas import PageArgs, page_from_list
from .schemas import FollowUpOut, FollowUpPage, OutcomeIn

blp = Blueprint("followups", __name__, url_prefix="/api/v1/followups",
                description="Follow-up calls after signed visits: the queue and outcomes.")
OFFICE = ("admin", "dispatcher")


def _out(followup):
    followup.proposes_complaint = service.proposes_complaint(followup)
    return followup


@blp.route("")
class FollowUps(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, FollowUpPage)
    @api_roles(*OFFICE)
    def get(self, args):
        """Follow-ups to call: urgent (poor or negative survey) first, then oldest due; a
        page at a time (``page``, ``per_page``)."""
        page = page_from_list(service.queue(), args)
        page["items"] = [_out(f) for f in page["items"]]
        return page


@blp.route("/<uuid:followup_id>/outcome")
class FollowUpOutcome(MethodView):
    @blp.arguments(OutcomeIn)
    @blp.response(200, FollowUpOut)
    @api_roles(*OFFICE)
    def post(self, data, followup_id: uuid.UUID):
        """Record a call: reached (scores, solved?) closes it and the order; no answer
        retries later; wrong number ends it. ``proposes_complaint`` is true when a score
        is at or below ``FOLLOWUP_COMPLAINT_RATING``."""
        followup = service.get(followup_id)
        return _out(service.record_outcome(g.actor, followup, data.pop("outcome"), **data))


@blp.route("/<uuid:followup_id>/return-visit")
class ReturnVisit(MethodView):
    @blp.response(201, FollowUpOut)
    @api_roles(*OFFICE)
    def post(self, followup_id: uuid.UUID):
        """"Problem not solved": open a return visit linked to the first (once)."""
        followup = service.get(followup_id)
        service.open_return_visit(g.actor, followup)
        return _out(followup)
