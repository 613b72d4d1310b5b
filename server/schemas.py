"""Schema pieces shared by every area: paging, timestamps, language codes."""

from marshmallow import Schema, fields, validate

LANGUAGE_CODES = ("en", "zh")
Language = lambda **kw: fields.String(validate=validate.OneOf(LANGUAGE_CODES), **kw)  # noqa: E731


def AwareDateTime(**kw):  # noqa: N802 - reads like a field class at the call site
    """An ISO-8601 datetime that must carry its offset: a phone's local clock is ambiguous."""
    return fields.AwareDateTime(format="iso", **kw)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageOut(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def page_of(item_schema, name: str):
    """A page schema class ``<name>Page`` with ``items`` of ``item_schema``."""
    return type(f"{name}Page", (PageOut,), {"items": fields.List(fields.Nested(item_schema))})
