from marshmallow import Schema, fields, validate

from ..schemas import InSchema, Integer, PageArgs, page_of


class PartIn(InSchema):
    id = fields.UUID()
    sku = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Z0-9][A-Z0-9\-]{1,39}$", error="must be 2-40 capital letters, digits or dashes"))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=160))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=160))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    fits_models = fields.List(fields.String(validate=validate.Length(max=80)))
    price_cents = Integer(required=True, validate=validate.Range(min=0, max=10_000_000))
    unit = fields.String(validate=validate.Length(min=1, max=12))
    active = fields.Boolean()


class PartUpdateIn(PartIn):
    class Meta:
        exclude = ("id", "sku")


class PartOut(Schema):
    id = fields.UUID()
    sku = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    category = fields.String()
    fits_models = fields.List(fields.String())
    price_cents = fields.Integer()
    unit = fields.String()
    active = fields.Boolean()


class PartQuery(PageArgs):
    q = fields.String(validate=validate.Length(max=100))
    category = fields.String(validate=validate.Length(max=40))


PartPage = page_of(PartOut, "Part")
