"""Incidents over the API: what a caller may send (In) and what it reads back (Out)."""

from marshmallow import Schema, fields, validate

from ..schemas import InSchema, Integer, PageArgs, page_of
from .service import deadline_state


class IncidentQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(["open", "closed"]))


class IncidentUpdateIn(InSchema):
    """Change the level (with a reason), close, link or unlink orders: any of them at once,
    applied in that order; nothing is stored if one part is refused."""

    level = Integer(validate=validate.Range(min=1, max=9))
    status = fields.String(validate=validate.OneOf(["closed"]))
    reason = fields.String(validate=validate.Length(min=1, max=2000))
    link_orders = fields.List(fields.UUID(), validate=validate.Length(max=1000))
    unlink_orders = fields.List(fields.UUID(), validate=validate.Length(max=1000))


class LevelChangeOut(Schema):
    from_level = fields.Integer(allow_none=True)
    to_level = fields.Integer()
    cause = fields.String(metadata={"description": "detected | manual | deadline_missed | "
                                                   "closed"})
    report_count = fields.Integer()
    actor_id = fields.UUID(allow_none=True)
    reason = fields.String(allow_none=True)
    changed_at = fields.DateTime()


class DeadlineOut(Schema):
    id = fields.UUID()
    level = fields.Integer()
    kind = fields.String()
    due_at = fields.DateTime()
    met_at = fields.DateTime(allow_none=True)
    escalated_at = fields.DateTime(allow_none=True)
    state = fields.Function(deadline_state, metadata={"description": "met | missed | pending"})


class IncidentOut(Schema):
    id = fields.UUID()
    number = fields.String()
    product_model = fields.String()
    symptom_code = fields.String(allow_none=True, metadata={"description": "symptom groups "
                                                                         "only"})
    kind = fields.String(metadata={"description": "what the group shares besides the model: "
                                                  "symptom | batch | part | root_cause"})
    group_value = fields.String(metadata={"description": "the symptom code, production batch, "
                                                         "part SKU or root cause"})
    group_label = fields.String(metadata={"description": "the group in words, in the "
                                                         "reader's language"})
    level = fields.Integer()
    owner = fields.String(metadata={"description": "who leads at this level"})
    status = fields.String()
    window_count = fields.Integer(metadata={"description": "reports in the detection window "
                                                           "at the last run"})
    linked_orders = fields.Integer()
    opened_at = fields.DateTime()
    level_changed_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class IncidentDetailOut(IncidentOut):
    history = fields.List(fields.Nested(LevelChangeOut))
    deadlines = fields.List(fields.Nested(DeadlineOut))
    checklist = fields.List(fields.String(), metadata={"description": "the plan's steps up "
                                                                      "to this level"})
    order_ids = fields.List(fields.UUID())


IncidentPage = page_of(IncidentOut, "Incident")
