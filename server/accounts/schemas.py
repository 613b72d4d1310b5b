from marshmallow import Schema, fields, validate

from ..schemas import InSchema, Language
from .models import Role


class DeviceSignInIn(InSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             load_only=True)
    device_id = fields.UUID()
    device_name = fields.String(load_default="phone", validate=validate.Length(min=1, max=120))
    app_version = fields.String(validate=validate.Length(max=40))


class UserOut(Schema):
    id = fields.UUID()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    locale = fields.String(allow_none=True)
    technician_id = fields.UUID(allow_none=True)


class DeviceTokenOut(Schema):
    token = fields.String()
    device_id = fields.UUID()
    expires_at = fields.DateTime()
    user = fields.Nested(UserOut)


class DeviceOut(Schema):
    id = fields.UUID()
    user_id = fields.UUID()
    name = fields.String()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    token_expires_at = fields.DateTime()
    app_version = fields.String(allow_none=True)


class UserIn(InSchema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.OneOf(list(Role)))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=8, max=200))
    locale = Language()
