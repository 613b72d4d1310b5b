"""What the API shows of the outbox and of an order's customer link."""

from marshmallow import Schema, fields


class MessageOut(Schema):
    id = fields.UUID()
    work_order_id = fields.UUID()
    kind = fields.String(metadata={"description": "booking_confirmation | on_the_way | "
                                                  "report_ready | survey"})
    channel = fields.String(metadata={"description": "email | sms"})
    recipient = fields.String()
    language = fields.String()
    status = fields.String(metadata={"description": "queued | sending | sent | failed"})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    provider = fields.String(allow_none=True, metadata={
        "description": "smtp | http | record (development: kept in the outbox only)"})
    subject = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class MessageList(Schema):
    items = fields.List(fields.Nested(MessageOut))


class CustomerLinkOut(Schema):
    url = fields.String()
    expires_at = fields.DateTime()
