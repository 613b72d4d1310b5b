"""Incidents over the JSON API: list, read, change the level, close, link or unlink."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from ..errors import Invalid
from . import service
from .schemas import IncidentDetailOut, IncidentOut, IncidentPage, IncidentQuery, IncidentUpdateIn

blp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents",
                description="Batch-failure incidents: one product failing in many homes.")
OFFICE = ("admin", "dispatcher")


def _out(incident, detail: bool = False) -> dict:
    out = {column: getattr(incident, column) for column in (
        "id", "number", "product_model", "symptom_code", "kind", "group_value", "level",
        "status", "window_count", "opened_at", "level_changed_at", "closed_at")}
    out["group_label"] = service.group_label(incident)
    out["owner"] = service.level_config(incident.level)["owner"]
    out["linked_orders"] = service.linked_count(incident)
    if detail:
        out["history"] = incident.history
        out["deadlines"] = incident.deadlines
        out["checklist"] = service.checklist(incident)
        out["order_ids"] = service.linked_order_ids(incident)
    return out


@blp.route("/")
class Incidents(MethodView):
    @blp.arguments(IncidentQuery, location="query")
    @blp.response(200, IncidentPage)
    @api_roles(*OFFICE)
    def get(self, args):
        items, total = service.list_incidents(args.get("status"), args["page"], args["per_page"])
        return {"items": [_out(i) for i in items], "total": total, "page": args["page"],
                "per_page": args["per_page"]}


@blp.route("/<uuid:incident_id>")
class IncidentItem(MethodView):
    @blp.response(200, IncidentDetailOut)
    @api_roles(*OFFICE)
    def get(self, incident_id: uuid.UUID):
        return _out(service.get_incident(incident_id), detail=True)

    @blp.arguments(IncidentUpdateIn)
    @blp.response(200, IncidentDetailOut)
    @api_roles(*OFFICE)
    def patch(self, changes, incident_id: uuid.UUID):
        if not changes:
            raise Invalid("Nothing to change.", {"json": ["send level, status, link_orders "
                                                          "or unlink_orders"]})
        return _out(service.update(g.actor, service.get_incident(incident_id), changes),
                    detail=True)


__all__ = ["blp", "IncidentOut"]
