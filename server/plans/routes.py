"""Plans over the JSON API (office users): list by customer or appliance, create, read,
update, cancel."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from .schemas import PlanCancelIn, PlanIn, PlanList, PlanOut, PlanQuery, PlanUpdateIn

blp = Blueprint("plans", __name__, url_prefix="/api/v1/plans",
                description="Maintenance plans: periodic follow-up calls and maintenance visits.")
OFFICE = ("admin", "dispatcher")


@blp.route("")
class Plans(MethodView):
    @blp.arguments(PlanQuery, location="query")
    @blp.response(200, PlanList)
    @api_roles(*OFFICE)
    def get(self, args):
        """Plans, soonest due first; by customer and/or appliance, running or not."""
        return {"items": service.find(**args)}

    @blp.arguments(PlanIn)
    @blp.response(201, PlanOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """A plan of calls or maintenance visits every ``interval_months`` from
        ``first_due``; made ``PLAN_LEAD_DAYS`` ahead of each date by the hourly sweep."""
        return service.create(g.actor, **data)


@blp.route("/<uuid:plan_id>")
class PlanItem(MethodView):
    @blp.response(200, PlanOut)
    @api_roles(*OFFICE)
    def get(self, plan_id: uuid.UUID):
        """One plan."""
        return service.get(plan_id)

    @blp.arguments(PlanUpdateIn)
    @blp.response(200, PlanOut)
    @api_roles(*OFFICE)
    def patch(self, data, plan_id: uuid.UUID):
        """Change a running plan (409 ``plan_cancelled`` once cancelled)."""
        return service.change(g.actor, service.get(plan_id), data)


@blp.route("/<uuid:plan_id>/cancel")
class PlanCancel(MethodView):
    @blp.arguments(PlanCancelIn)
    @blp.response(200, PlanOut)
    @api_roles(*OFFICE)
    def post(self, data, plan_id: uuid.UUID):
        """Stop the plan: nothing more is made from it (what was made stays)."""
        return service.cancel(g.actor, service.get(plan_id), data["reason"])
