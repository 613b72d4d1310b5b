"""Checklist templates over the API."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..assets.models import ProductCategory
from ..schemas import InSchema
from ..workorders.models import OrderType
from .models import ItemKind



class ItemIn(InSchema):
    key = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9_]{1,40}$", error="lowercase letters, digits and _ (at most 40)"),
        metadata={"description": "stable within the template; answers refer to it"})
    kind = fields.String(required=True, validate=validate.OneOf(list(ItemKind)))
    label_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    label_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    required = fields.Boolean(load_default=True)
    unit = fields.String(validate=validate.Length(max=20), allow_none=True, load_default=None)
    min = fields.Float(allow_none=True, load_default=None, allow_nan=False,
                       validate=validate.Range(-1e9, 1e9))
    max = fields.Float(allow_none=True, load_default=None, allow_nan=False,
                       validate=validate.Range(-1e9, 1e9))

    @validates_schema
    def _limits(self, data, **kwargs):
        if data.get("kind") != ItemKind.NUMBER:
            if data.get("min") is not None or data.get("max") is not None or data.get("unit"):
                raise ValidationError("only a number item has a unit or limits", "kind")
            return
        low, high = data.get("min"), data.get("max")
        if low is not None and high is not None and low > high:
            raise ValidationError("must not be above max", "min")


class TemplateIn(InSchema):
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    job_types = fields.List(fields.String(validate=validate.OneOf(list(OrderType))),
                            load_default=list, metadata={"description": "empty: every type"})
    category = fields.String(validate=validate.OneOf(list(ProductCategory)), allow_none=True,
                             load_default=None, metadata={"description": "null: any product"})
    models = fields.List(fields.String(validate=validate.Length(min=1, max=80)),
                         validate=validate.Length(max=50), load_default=list,
                         metadata={"description": "asset models; empty: every model"})
    blocks_completion = fields.Boolean(load_default=True, metadata={
        "description": "the job cannot be completed until every required item is answered"})
    active = fields.Boolean(load_default=True)
    items = fields.List(fields.Nested(ItemIn), required=True,
                        validate=validate.Length(min=1, max=100))

    @validates_schema
    def _unique_keys(self, data, **kwargs):
        keys = [item["key"] for item in data.get("items") or []]
        if len(keys) != len(set(keys)):
            raise ValidationError("item keys must be unique", "items")


class TemplateCreateIn(TemplateIn):
    id = fields.UUID()


class ItemOut(Schema):
    key = fields.String()
    kind = fields.String()
    label_en = fields.String()
    label_zh = fields.String()
    required = fields.Boolean()
    unit = fields.String(allow_none=True)
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)


class TemplateOut(Schema):
    id = fields.UUID()
    name_en = fields.String()
    name_zh = fields.String()
    job_types = fields.List(fields.String())
    category = fields.String(allow_none=True)
    models = fields.List(fields.String())
    blocks_completion = fields.Boolean()
    active = fields.Boolean()
    items = fields.List(fields.Nested(ItemOut))
    version = fields.Integer()
    updated_at = fields.DateTime()


class TemplateVersionOut(Schema):
    version = fields.Integer()
    name_en = fields.String()
    name_zh = fields.String()
    job_types = fields.List(fields.String())
    category = fields.String(allow_none=True)
    models = fields.List(fields.String())
    blocks_completion = fields.Boolean()
    items = fields.List(fields.Nested(ItemOut))
    author = fields.Function(lambda v: v.author.name if v.author else None, allow_none=True)
    saved_at = fields.DateTime()
