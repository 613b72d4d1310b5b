"""The outbox and the customer's link over the JSON API (office users)."""

import uuid

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from ..portal import links
from ..workorders.service import get_order
from . import service
from .schemas import CustomerLinkOut, MessageList

blp = Blueprint("messages", __name__, url_prefix="/api/v1/workorders",
                description="What the customer was sent, and the link to their order's page.")
OFFICE = ("admin", "dispatcher")


@blp.route("/<uuid:order_id>/messages")
class OrderMessages(MethodView):
    @blp.response(200, MessageList)
    @api_roles(*OFFICE)
    def get(self, order_id: uuid.UUID):
        """The order's messages to the customer, oldest first, with their delivery state."""
        order = get_order(g.actor, order_id)
        return {"items": service.for_order(order.id)}


@blp.route("/<uuid:order_id>/customer-link")
class OrderCustomerLink(MethodView):
    @blp.response(200, CustomerLinkOut)
    @api_roles(*OFFICE)
    def get(self, order_id: uuid.UUID):
        """The link to the customer's page for this order (made now if it has none)."""
        link = links.ensure_link(get_order(g.actor, order_id))
        return {"url": links.url_of(link), "expires_at": link.expires_at}


@blp.route("/<uuid:order_id>/customer-link/revoke")
class RevokeCustomerLink(MethodView):
    @blp.response(204)
    @api_roles(*OFFICE)
    def post(self, order_id: uuid.UUID):
        """Revoke the order's links: they show the "does not work" page from now on; the
        next GET of the customer link makes a new one."""
        links.revoke(g.actor, get_order(g.actor, order_id))
