from marshmallow import Schema, fields, validate

from ..schemas import Date, InSchema, PageArgs, page_of
from .models import ProductCategory
from .service import warranty_status


class AssetIn(InSchema):
    id = fields.UUID()
    customer_id = fields.UUID(required=True)
    address_id = fields.UUID(allow_none=True)
    category = fields.String(required=True, validate=validate.OneOf(list(ProductCategory)))
    brand = fields.String(required=True, validate=validate.Length(min=1, max=80))
    model = fields.String(required=True, validate=validate.Length(min=1, max=80))
    serial = fields.String(required=True, validate=validate.Length(min=1, max=80))
    production_batch = fields.String(
        validate=validate.Length(max=40), allow_none=True,
        metadata={"description": "the production batch when known (e.g. from the nameplate); "
                                 "incident detection groups by it"})
    purchase_date = Date(allow_none=True)
    warranty_end = Date(allow_none=True)
    installed_on = Date(allow_none=True)
    notes = fields.String(validate=validate.Length(max=5000), allow_none=True)


class AssetUpdateIn(AssetIn):
    class Meta:
        exclude = ("id", "customer_id")


class AssetOut(Schema):
    id = fields.UUID()
    customer_id = fields.UUID()
    address_id = fields.UUID(allow_none=True)
    category = fields.String()
    brand = fields.String()
    model = fields.String()
    serial = fields.String()
    production_batch = fields.String(allow_none=True)
    purchase_date = fields.Date(allow_none=True)
    warranty_end = fields.Date(allow_none=True)
    installed_on = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True)
    warranty_status = fields.Function(warranty_status)


class AssetQuery(PageArgs):
    customer_id = fields.UUID()
    q = fields.String(validate=validate.Length(max=100))


AssetPage = page_of(AssetOut, "Asset")
