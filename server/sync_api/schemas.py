from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import MAX_SAFE_INTEGER, AwareDateTime, InSchema, Integer


class MutationEnvelope(InSchema):
    id = Integer(required=True, validate=validate.Range(min=1, max=MAX_SAFE_INTEGER))
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    version = Integer(required=True, validate=validate.Range(min=1, max=1000))
    # Checked per mutation by the sync engine: one bad mutation never refuses the batch.
    args = fields.Dict(required=True, metadata={"opaque": True})
    client_time = AwareDateTime(allow_none=True)


class PushIn(InSchema):
    protocol = Integer(required=True, validate=validate.Range(min=1, max=1000))
    app_version = fields.String(validate=validate.Length(max=40))
    mutations = fields.List(fields.Nested(MutationEnvelope), required=True)

    @validates_schema
    def ids_increase(self, data, **kwargs):
        ids = [m["id"] for m in data.get("mutations", [])]
        if any(b <= a for a, b in zip(ids, ids[1:], strict=False)):
            raise ValidationError("mutation ids must strictly increase within a batch",
                                  "mutations")


class MutationResult(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "applied | rejected"})
    duplicate = fields.Boolean()
    reason = fields.String()
    message = fields.String()
    errors = fields.Dict()
    conflicts = fields.List(fields.Dict())


class PushOut(Schema):
    last_mutation_id = fields.Integer()
    results = fields.List(fields.Nested(MutationResult))
    stopped = fields.Dict(allow_none=True)
    server_time = fields.DateTime()


class AdoptIn(InSchema):
    protocol = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))
    device_id = fields.UUID(required=True, metadata={
        "description": "the revoked device whose outbox this device took over"})
    ids = fields.List(fields.Integer(strict=True,
                                     validate=validate.Range(min=1, max=MAX_SAFE_INTEGER)),
                      required=True, validate=validate.Length(max=1000), metadata={
                          "description": "the old device's mutation ids still in the outbox"})


class AdoptOut(Schema):
    device_id = fields.UUID()
    last_mutation_id = fields.Integer(metadata={
        "description": "the old device's last processed id: ids above it were never applied"})
    next_id = fields.Integer(metadata={
        "description": "the id this device gives the first renumbered entry"})
    results = fields.List(fields.Nested(MutationResult))


class PullQuery(InSchema):
    protocol = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    cursor = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_SAFE_INTEGER))
    limit = fields.Integer(validate=validate.Range(min=1, max=5000))
    # Protocol 3, docs/sync-protocol.md §7d: a first sync may ask for its jobs first.
    jobs_first = fields.Boolean(load_default=False, metadata={
        "description": "cursor 0 only: the scope's orders, customers, addresses, assets, "
                       "order lines and van first, on one page (the catalogue follows)"})
    jobs_upto = fields.Integer(load_default=0, validate=validate.Range(
        min=0, max=MAX_SAFE_INTEGER), metadata={
        "description": "the jobs page's jobs_upto, sent while the cursor is below it"})

    @validates_schema
    def jobs_first_needs_protocol_3(self, data, **kwargs):
        for name in ("jobs_first", "jobs_upto"):
            if data.get(name) and data.get("protocol", 0) < 3:
                raise ValidationError("needs protocol 3 or later", name)
        if data.get("jobs_first") and data.get("cursor"):
            raise ValidationError("only with cursor 0 (a first sync)", "jobs_first")
        if data.get("jobs_first") and data.get("jobs_upto"):
            raise ValidationError("not together with jobs_first", "jobs_upto")


class Change(Schema):
    type = fields.String()
    id = fields.String()
    pos = fields.Integer()
    data = fields.Dict()


class CompanyOut(Schema):
    """What the phone needs of the company's settings: the zone it writes times in."""

    timezone = fields.String(metadata={"example": "Asia/Shanghai"})
    currency = fields.String(metadata={"example": "CNY"})


class PullOut(Schema):
    cursor = fields.Integer()
    has_more = fields.Boolean()
    changes = fields.List(fields.Nested(Change))
    removed = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    last_mutation_id = fields.Integer()
    scope = fields.Dict()
    server_time = fields.DateTime()
    company = fields.Nested(CompanyOut)
    jobs_upto = fields.Integer(metadata={
        "description": "only on a jobs-first page: the position the scope's rows are "
                       "as of; send it back as jobs_upto while the cursor is below it"})


class ConflictOut(Schema):
    id = fields.UUID()
    work_order_id = fields.UUID()
    device_id = fields.UUID(allow_none=True)
    mutation_id = fields.Integer(allow_none=True)
    kind = fields.String()
    message = fields.String()
    data = fields.Dict()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)


class RejectionOut(Schema):
    id = fields.UUID()
    device_id = fields.UUID()
    user_id = fields.UUID()
    mutation_id = fields.Integer()
    name = fields.String()
    version = fields.Integer()
    args = fields.Dict()
    work_order_id = fields.UUID(allow_none=True)
    reason = fields.String()
    message = fields.String()
    errors = fields.Dict()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)


class ResolveIn(InSchema):
    note = fields.String(validate=validate.Length(max=2000))


class ListQuery(InSchema):
    unresolved = fields.Boolean(load_default=True)
    work_order_id = fields.UUID()


class BlobOut(Schema):
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    created = fields.Boolean()
