"""Assets (installed products) over the JSON API."""

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from .schemas import AssetIn, AssetOut, AssetPage, AssetQuery, AssetUpdateIn

blp = Blueprint("assets", __name__, url_prefix="/api/v1/assets",
                description="Installed products and their warranty.")
OFFICE = ("admin", "dispatcher")


@blp.route("/")
class Assets(MethodView):
    @blp.arguments(AssetQuery, location="query")
    @blp.response(200, AssetPage)
    @api_roles(*OFFICE)
    def get(self, args):
        items, total = service.list_assets(args.get("customer_id"), args.get("q"),
                                           args["page"], args["per_page"])
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @blp.arguments(AssetIn)
    @blp.response(201, AssetOut)
    @api_roles(*OFFICE)
    def post(self, data):
        return service.create_asset(data)


@blp.route("/<uuid:asset_id>")
class AssetItem(MethodView):
    @blp.response(200, AssetOut)
    @api_roles(*OFFICE)
    def get(self, asset_id: uuid.UUID):
        return service.get_asset(asset_id)

    @blp.arguments(AssetUpdateIn(partial=True))
    @blp.response(200, AssetOut)
    @api_roles(*OFFICE)
    def patch(self, changes, asset_id: uuid.UUID):
        return service.update_asset(service.get_asset(asset_id), changes)
