"""How each replicated row looks on the wire (docs/sync-protocol.md, "Entities")."""

from __future__ import annotations

from collections.abc import Callable

from marshmallow import Schema, fields

from server.assets.service import warranty_status
from server.knowledge.models import image_hashes
from server.knowledge.service import render_for_phone

# The server fills these in (server/portal/links.py): sync/ itself knows no URLs or keys.
HOOKS: dict[str, Callable] = {"customer_url": lambda order: None,
                              # server/billing/service.py: the configured fee
                              "diagnostic_fee_cents": lambda order: 0,
                              # called once per pull with the scope's order ids, before any
                              # row is dumped: a hook may read what it needs for all of them
                              # in one query instead of one per order
                              "pull_started": lambda order_ids: None}


class _Row(Schema):
    id = fields.UUID()


class WorkOrderWire(_Row):
    number = fields.String()
    channel = fields.String()
    type = fields.String()
    status = fields.String()
    priority = fields.String()
    language = fields.String()
    customer_id = fields.UUID()
    address_id = fields.UUID()
    asset_id = fields.UUID(allow_none=True)
    symptom_code = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    intake_answers = fields.Dict()
    customer_notes = fields.String(allow_none=True)
    respond_by = fields.DateTime(allow_none=True)
    resolve_by = fields.DateTime(allow_none=True)
    sla_state = fields.String()
    appointment_start = fields.DateTime(allow_none=True)
    appointment_end = fields.DateTime(allow_none=True)
    assignee_id = fields.UUID(allow_none=True)
    arrival_notes = fields.String(allow_none=True)
    diagnosis = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    root_cause = fields.String(allow_none=True)
    in_warranty = fields.Boolean(allow_none=True)
    labour_cents = fields.Integer()
    travel_cents = fields.Integer()
    parts_cents = fields.Integer()
    currency = fields.String()
    # Signed content version 2 (docs/signed-content.md): a rework names the first visit;
    # the office's waiver or discount comes off the charges.
    rework_of = fields.String(allow_none=True)
    discount_kind = fields.String(allow_none=True)
    discount_value = fields.Integer(allow_none=True)
    discount_reason = fields.String(allow_none=True)
    # What the customer pays after declining a quote (out of warranty).
    diagnostic_fee_cents = fields.Function(lambda order: HOOKS["diagnostic_fee_cents"](order))
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    # The customer's page (/c/<token>) so the phone can show its QR code offline.
    customer_url = fields.Function(lambda order: HOOKS["customer_url"](order), allow_none=True)


class CustomerWire(_Row):
    name = fields.String()
    phone = fields.String()
    email = fields.String(allow_none=True)
    language = fields.String()
    preferences = fields.List(fields.String())
    notes = fields.String(allow_none=True)
    deleted_at = fields.DateTime(allow_none=True)


class AddressWire(_Row):
    customer_id = fields.UUID()
    label = fields.String(allow_none=True)
    line1 = fields.String()
    line2 = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    city = fields.String()
    postcode = fields.String(allow_none=True)
    country = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    access_notes = fields.String(allow_none=True)
    deleted_at = fields.DateTime(allow_none=True)


class AssetWire(_Row):
    customer_id = fields.UUID()
    category = fields.String()
    brand = fields.String()
    model = fields.String()
    serial = fields.String()
    purchase_date = fields.Date(allow_none=True)
    warranty_end = fields.Date(allow_none=True)
    warranty_status = fields.Function(warranty_status)
    deleted_at = fields.DateTime(allow_none=True)


class PartWire(_Row):
    sku = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    category = fields.String()
    fits_models = fields.List(fields.String())
    price_cents = fields.Integer()
    unit = fields.String()
    active = fields.Boolean()


class StockLevelWire(_Row):
    location_id = fields.UUID()
    part_id = fields.UUID()
    quantity = fields.Integer()


class PartRequestWire(_Row):
    work_order_id = fields.UUID()
    part_id = fields.UUID()
    quantity = fields.Integer()
    note = fields.String(allow_none=True)
    status = fields.String()
    device_time = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    # Status ``ordered``: the day the supplier's delivery is expected (§4c).
    expected_on = fields.Date(allow_none=True)


class VanDeliveryWire(_Row):
    van_id = fields.UUID()
    from_location_id = fields.UUID()
    # The name the phone shows ("from the central warehouse"), copied when sent.
    from_name = fields.String()
    part_id = fields.UUID()
    quantity = fields.Integer()
    status = fields.String()
    received_quantity = fields.Integer(allow_none=True)
    request_id = fields.UUID(allow_none=True)
    sent_at = fields.DateTime()


class NoteWire(_Row):
    work_order_id = fields.UUID()
    author_id = fields.UUID(allow_none=True)
    body = fields.String()
    device_time = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class PartUsageWire(_Row):
    work_order_id = fields.UUID()
    part_id = fields.UUID()
    quantity = fields.Integer()
    unit_price_cents = fields.Integer()
    device_time = fields.DateTime(allow_none=True)


class QuoteWire(_Row):
    work_order_id = fields.UUID()
    lines = fields.List(fields.Dict())
    total_cents = fields.Integer()
    diagnostic_fee_cents = fields.Integer()
    currency = fields.String()
    decision = fields.String()
    signer_name = fields.String()
    content_hash = fields.String()
    decided_at_device = fields.DateTime()


class PaymentWire(_Row):
    work_order_id = fields.UUID()
    method = fields.String()
    amount_cents = fields.Integer()
    currency = fields.String()
    reference = fields.String(allow_none=True)
    paid_at_device = fields.DateTime()


class TimeLogWire(_Row):
    work_order_id = fields.UUID()
    kind = fields.String()
    started_at = fields.DateTime()
    ended_at = fields.DateTime()


class PhotoWire(_Row):
    work_order_id = fields.UUID()
    kind = fields.String()
    sha256 = fields.String()
    caption = fields.String(allow_none=True)
    taken_at = fields.DateTime(allow_none=True)
    status = fields.String()
    failure_reason = fields.String(allow_none=True)


class SignatureWire(_Row):
    work_order_id = fields.UUID()
    signer_name = fields.String()
    image_sha256 = fields.String()
    content_hash = fields.String()
    signed_at_device = fields.DateTime(allow_none=True)


class SurveyWire(_Row):
    work_order_id = fields.UUID()
    rating = fields.Integer()
    comment = fields.String(allow_none=True)


class ReportWire(_Row):
    work_order_id = fields.UUID()
    number = fields.String()
    status = fields.String()
    content_hash = fields.String(allow_none=True)


class ArticleWire(_Row):
    title = fields.String()
    body = fields.String()
    language = fields.String()
    translation_title = fields.String(allow_none=True)
    translation_body = fields.String(allow_none=True)
    # sha256 of the images its text shows (the phone keeps a copy for offline reading)
    images = fields.Function(lambda row: image_hashes(row.body, row.translation_body))
    # The texts as the console shows them: sanitised HTML, images as data-kb="<sha256>"
    # (server.knowledge.service.render_for_phone); the phone inserts it as it is.
    body_html = fields.Function(lambda row: render_for_phone(row.body))
    translation_body_html = fields.Function(
        lambda row: render_for_phone(row.translation_body), allow_none=True)
    published = fields.Boolean()
    category = fields.String()
    models = fields.List(fields.String())
    symptoms = fields.List(fields.String())
    tags = fields.List(fields.String())
    revision = fields.Integer()


class ChecklistTemplateWire(_Row):
    name_en = fields.String()
    name_zh = fields.String()
    job_types = fields.List(fields.String())
    category = fields.String(allow_none=True)
    models = fields.List(fields.String())
    blocks_completion = fields.Boolean()
    active = fields.Boolean()
    # [{key, kind, label_en, label_zh, required, unit, min, max}] in the template's order.
    items = fields.Raw()
    version = fields.Integer()


class ChecklistAnswerWire(_Row):
    work_order_id = fields.UUID()
    template_id = fields.UUID()
    template_version = fields.Integer()
    item_key = fields.String()
    value = fields.String()
    out_of_limits = fields.Boolean()
    device_time = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
