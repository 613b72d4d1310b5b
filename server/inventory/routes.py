"""The parts catalogue over the JSON API: everyone reads, admins edit."""

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from .schemas import PartIn, PartOut, PartPage, PartQuery, PartUpdateIn

blp = Blueprint("parts", __name__, url_prefix="/api/v1/parts", description="Parts catalogue.")
ALL = ("admin", "dispatcher", "technician")


@blp.route("/")
class Parts(MethodView):
    @blp.arguments(PartQuery, location="query")
    @blp.response(200, PartPage)
    @api_roles(*ALL)
    def get(self, args):
        items, total = service.search_parts(args.get("q"), args.get("category"),
                                            args["page"], args["per_page"])
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @blp.arguments(PartIn)
    @blp.response(201, PartOut)
    @api_roles("admin")
    def post(self, data):
        return service.create_part(data)


@blp.route("/<uuid:part_id>")
class PartItem(MethodView):
    @blp.response(200, PartOut)
    @api_roles(*ALL)
    def get(self, part_id: uuid.UUID):
        return service.get_part(part_id)

    @blp.arguments(PartUpdateIn(partial=True))
    @blp.response(200, PartOut)
    @api_roles("admin")
    def patch(self, changes, part_id: uuid.UUID):
        return service.update_part(service.get_part(part_id), changes)
