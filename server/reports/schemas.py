"""How a report's status looks over the API."""

from marshmallow import Schema, fields


class ReportOut(Schema):
    id = fields.UUID()
    work_order_id = fields.UUID()
    number = fields.String()
    status = fields.String(metadata={"description": "not_signed | waiting | hash_mismatch | "
                                                    "rendering | ready | failed | needs_resign"})
    failure_reason = fields.String(allow_none=True)
    language = fields.String()
    content_hash = fields.String(allow_none=True,
                                 metadata={"description": "the signed-content hash the PDF proves"})
    signed_content_hash = fields.String(allow_none=True,
                                        metadata={"description": "the hash stored with the "
                                                                 "customer's signature"})
    pdf_sha256 = fields.String(allow_none=True)
    pdf_size = fields.Integer(allow_none=True)
    rendered_at = fields.DateTime(allow_none=True)
    customer_url = fields.String(allow_none=True,
                                 metadata={"description": "a signed, expiring link for the "
                                                          "customer to download the PDF"})
