"""Customers over the JSON API (office staff only; technicians get them inside orders)."""

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_roles
from . import service
from .schemas import AddressIn, AddressOut, CustomerIn, CustomerOut, CustomerPage, CustomerQuery, CustomerUpdateIn

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers",
                description="Customers and their addresses.")
OFFICE = ("admin", "dispatcher")


@blp.route("/")
class Customers(MethodView):
    @blp.arguments(CustomerQuery, location="query")
    @blp.response(200, CustomerPage)
    @api_roles(*OFFICE)
    def get(self, args):
        """Search customers by name, phone, e-mail or address."""
        items, total = service.search_customers(args.get("q"), args["page"], args["per_page"])
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @blp.arguments(CustomerIn)
    @blp.response(201, CustomerOut)
    @api_roles(*OFFICE)
    def post(self, data):
        """Create a customer with their addresses."""
        return service.create_customer(data)


@blp.route("/<uuid:customer_id>")
class CustomerItem(MethodView):
    @blp.response(200, CustomerOut)
    @api_roles(*OFFICE)
    def get(self, customer_id: uuid.UUID):
        return service.get_customer(customer_id)

    @blp.arguments(CustomerUpdateIn(partial=True))
    @blp.response(200, CustomerOut)
    @api_roles(*OFFICE)
    def patch(self, changes, customer_id: uuid.UUID):
        return service.update_customer(service.get_customer(customer_id), changes)


@blp.route("/<uuid:customer_id>/addresses")
class CustomerAddresses(MethodView):
    @blp.arguments(AddressIn)
    @blp.response(201, AddressOut)
    @api_roles(*OFFICE)
    def post(self, data, customer_id: uuid.UUID):
        return service.add_address(service.get_customer(customer_id), data)
