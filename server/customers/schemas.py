from marshmallow import Schema, fields, validate

from ..schemas import InSchema, Language, PageArgs, page_of


class AddressIn(InSchema):
    label = fields.String(validate=validate.Length(max=60), allow_none=True)
    line1 = fields.String(required=True, validate=validate.Length(min=1, max=200))
    line2 = fields.String(validate=validate.Length(max=200), allow_none=True)
    district = fields.String(validate=validate.Length(max=100), allow_none=True)
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    postcode = fields.String(validate=validate.Length(max=20), allow_none=True)
    country = fields.String(validate=validate.Length(equal=2), load_default="CN")
    latitude = fields.Float(validate=validate.Range(-90, 90), allow_none=True)
    longitude = fields.Float(validate=validate.Range(-180, 180), allow_none=True)
    access_notes = fields.String(validate=validate.Length(max=2000), allow_none=True)


class AddressOut(AddressIn):
    id = fields.UUID()


class CustomerIn(InSchema):
    id = fields.UUID()
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    # The column holds 40 characters: "+" and 40 digits passed the pattern and was a 500
    # on PostgreSQL (SQLite does not enforce the length).
    phone = fields.String(required=True, validate=[validate.Length(max=40), validate.Regexp(
        r"^\+?[0-9 ()\-]{5,40}$", error="is not a phone number")])
    email = fields.Email(allow_none=True)
    language = Language(load_default="en")
    preferences = fields.List(fields.String(validate=validate.Length(max=200)),
                              validate=validate.Length(max=20))
    notes = fields.String(validate=validate.Length(max=5000), allow_none=True)
    addresses = fields.List(fields.Nested(AddressIn), validate=validate.Length(max=20))


class CustomerUpdateIn(CustomerIn):
    class Meta:
        exclude = ("id", "addresses")


class CustomerOut(Schema):
    id = fields.UUID()
    name = fields.String()
    phone = fields.String()
    email = fields.String(allow_none=True)
    language = fields.String()
    preferences = fields.List(fields.String())
    notes = fields.String(allow_none=True)
    addresses = fields.List(fields.Nested(AddressOut))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CustomerBrief(Schema):
    id = fields.UUID()
    name = fields.String()
    phone = fields.String()
    language = fields.String()
    preferences = fields.List(fields.String())


class CustomerQuery(PageArgs):
    q = fields.String(validate=validate.Length(max=100))


CustomerPage = page_of(CustomerOut, "Customer")
