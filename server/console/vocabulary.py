"""Every stored code a person may read, so that each one has a word in both languages.

Templates show a stored value through ``|term`` (``server/words.py``) or ``_()``, so the
extractor never sees the values as literals. Listing them here, marked with ``_l``, puts
them in ``messages.pot``. Each code is a message id in both catalogues: the Chinese one
(``server/translations/zh``) and the English one (``server/translations/en``), which turns
``en_route`` into "On the way". ``tests/console/test_vocabulary.py`` checks that every
code listed here has a real word in both; ``tests/console/test_no_raw_codes.py`` renders
every console page in both languages and fails on any code it finds in the text.

A new stored value: add it here, then an entry at the end of both ``messages.po`` files.
"""

from flask_babel import lazy_gettext as _l

# lifecycle.Status
STATUSES = (
    _l("new"), _l("scheduled"), _l("en_route"), _l("on_site"), _l("awaiting_parts"),
    _l("awaiting_customer"), _l("completed"), _l("signed"), _l("closed"), _l("cancelled"),
    _l("reopened"),
)

# workorders.models.Priority
PRIORITIES = (_l("emergency"), _l("high"), _l("normal"), _l("low"))

# workorders.models.OrderType
ORDER_TYPES = (
    _l("repair"), _l("install"), _l("maintenance"), _l("inspection"), _l("return_exchange"),
)

# workorders.models.Channel
CHANNELS = (_l("phone"), _l("web"), _l("app"), _l("email"))

# workorders.models.SlaState
SLA_STATES = (_l("green"), _l("yellow"), _l("red"))

# WorkOrderEvent.kind, as written by workorders.service and the sync engine
EVENT_KINDS = (
    _l("created"), _l("transition"), _l("assigned"), _l("field_changed"),
    _l("sla_breached"), _l("note"), _l("escalated"), _l("sla_override"),
    _l("photo_attached"), _l("time_logged"), _l("signature_captured"),
    _l("discount_set"), _l("discount_removed"), _l("part_requested"),
)

# workorders.discounts.REASONS (their labels are in that module)
DISCOUNT_REASONS = (
    _l("goodwill"), _l("complaint_settled"), _l("repeat_repair"), _l("late_visit"), _l("key_customer"),
    _l("price_error"),
)

# dispatch.escalation.LEVEL_NAMES: who a missed deadline went to
ESCALATION_LEVELS = (_l("supervisor"), _l("manager"))

# media.models.Report.status, shown on the customer page
REPORT_STATUSES = (
    _l("waiting"), _l("hash_mismatch"), _l("rendering"), _l("ready"), _l("failed"),
    _l("needs_resign"),
)

# feedback.models.Complaint.status ("closed" is listed above) and survey channels
COMPLAINT_STATUSES = (_l("open"), _l("answered"))
FEEDBACK_CHANNELS = (_l("device"), _l("link"))

# sync.models.SyncConflict.kind and RejectedMutation.reason, shown on the sync pages
SYNC_ISSUE_KINDS = (
    _l("field_overwritten"), _l("after_reassignment"), _l("not_in_scope"),
    _l("order_closed"), _l("unknown_mutation"), _l("invalid_arguments"), _l("invalid_value"),
    _l("unknown_part"), _l("return_exceeds_use"), _l("no_van"), _l("not_allowed"),
    _l("forbidden_role"), _l("reason_required"), _l("duplicate_id"), _l("no_longer_yours"),
    _l("unknown_status"), _l("missing_resolution"), _l("already_signed"),
    # server.billing (quotes and payments on site)
    _l("quote_required"), _l("quote_declined"), _l("quote_exists"), _l("invalid_line"),
    _l("payment_exceeds_due"), _l("reference_required"), _l("quote_content_mismatch"),
)

# server.billing: order history events
BILLING_EVENTS = (_l("quote_approved"), _l("payment"))

# WorkOrder fields named in the history ("field_changed" events): OFFICE_FIELDS and
# TECHNICIAN_FIELDS of workorders.service
ORDER_FIELDS = (
    _l("channel"), _l("type"), _l("priority"), _l("symptom_code"), _l("description"),
    _l("intake_answers"), _l("customer_notes"), _l("appointment_start"),
    _l("appointment_end"), _l("assignee_id"), _l("language"), _l("preferred_start"),
    _l("preferred_end"), _l("respond_by"), _l("resolve_by"), _l("labour_cents"),
    _l("travel_cents"), _l("arrival_notes"), _l("diagnosis"), _l("resolution"),
    _l("root_cause"), _l("customer_id"),
)

# audit.models.AuditEvent.action, shown in the admin's audit log
AUDIT_ACTIONS = (
    _l("console.sign_in"), _l("customer.merged"), _l("device.revoked"),
    _l("device.token_issued"), _l("user.created"), _l("user.activated"),
    _l("user.deactivated"), _l("user.password_reset"), _l("user.supervisor_set"),
    _l("technician.updated"), _l("address.point_corrected"),
    _l("part.updated"),
    _l("plan.created"), _l("plan.updated"), _l("plan.cancelled"), _l("order.discounted"),
    _l("settings.company_updated"), _l("settings.sla_updated"),
    _l("settings.region_calendar_saved"), _l("settings.region_calendar_removed"),
    _l("settings.batch_rule_saved"), _l("settings.batch_rule_removed"),
    _l("symptom.created"), _l("symptom.updated"), _l("symptom.questions_updated"),
    # written by the newer areas (parts, payments, purchases, van stock templates, returns,
    # warranty claims and supplier returns)
    _l("part.created"), _l("refund.recorded"), _l("user.password_changed"),
    _l("purchase.created"), _l("purchase.ordered"), _l("purchase.partly_received"),
    _l("purchase.received"), _l("purchase.cancelled"), _l("purchase.closed"),
    _l("purchase.request_back_to_queue"), _l("purchase.request_sent"),
    _l("stock_template.created"), _l("stock_template.edited"), _l("stock_template.deleted"),
    _l("stock_template.applied"),
    _l("return_request.requested"), _l("return_request.refused"),
    _l("return_request.inspecting"), _l("return_request.inspected"),
    _l("return_request.decided"),
    _l("warranty_claim.created"), _l("warranty_claim.edited"), _l("warranty_claim.submitted"),
    _l("warranty_claim.accepted"), _l("warranty_claim.rejected"),
    _l("warranty_claim.credited"), _l("warranty_claim.photo_added"),
    _l("warranty_claim.photo_removed"),
    _l("supplier_return.created"), _l("supplier_return.shipped"),
    _l("supplier_return.received"), _l("supplier_return.credited"),
    _l("supplier_return.replaced"),
)

# settings.service: the settings named in the audit log's details
SETTING_KEYS = (
    _l("DOORSTEP_COMPANY_NAME"), _l("DOORSTEP_COMPANY_ADDRESS"), _l("DOORSTEP_COMPANY_PHONE"),
    _l("DOORSTEP_TIMEZONE"), _l("DOORSTEP_LOCALE"), _l("DOORSTEP_CURRENCY"), _l("WORK_DAYS"),
    _l("WORK_HOURS"), _l("HOLIDAYS"), _l("SLA_POLICY"), _l("REGION_CALENDARS"),
    _l("SYMPTOM_CATALOGUE"), _l("SYMPTOM_QUESTIONS"), _l("DOORSTEP_PUBLIC_URL"),
    _l("MAIL_SENDER_NAME"), _l("COMPANY_LOGO"), _l("INCIDENT_BATCH_RULES"),
)

# Intake answers recorded without a symptom question (installations: demo data, web form)
INTAKE_KEYS = (_l("floor"), _l("old_unit"), _l("last_service"))

# assets.models.ProductCategory
PRODUCT_CATEGORIES = (
    _l("air_conditioner"), _l("washing_machine"), _l("water_heater"), _l("refrigerator"),
    _l("range_hood"),
)

# assets.service.warranty_status
WARRANTY_STATUSES = (_l("in_warranty"), _l("out_of_warranty"), _l("unknown"))

# accounts.models.Role
ROLES = (_l("admin"), _l("dispatcher"), _l("technician"))

# workorders.service.ROOT_CAUSES
ROOT_CAUSES = (
    _l("wear_and_tear"), _l("installation_fault"), _l("manufacturing_defect"), _l("misuse"),
    _l("power_supply"), _l("water_supply"), _l("blockage"), _l("refrigerant_leak"),
    _l("control_board"), _l("no_fault_found"), _l("other"),
)

# media.models.PhotoKind ("other" is already listed above)
PHOTO_KINDS = (_l("before"), _l("after"))

# inventory.models.LocationKind
LOCATION_KINDS = (_l("warehouse"), _l("van"))

# knowledge.models.ProposalStatus
PROPOSAL_STATUSES = (_l("proposed"), _l("accepted"), _l("rejected"))

# errors._NAMES: the short name console/error.html shows above the description
ERROR_NAMES = (
    _l("Bad Request"), _l("Unauthorized"), _l("Forbidden"), _l("Not Found"), _l("Conflict"),
    _l("Payload Too Large"), _l("Unprocessable Entity"), _l("Too Many Requests"),
    _l("Internal Server Error"), _l("Service Unavailable"), _l("Error"),
)


# warranty.models: a claim's and a return's states ("accepted", "rejected", "open" above)
WARRANTY_STATES = (_l("draft"), _l("submitted"), _l("credited"), _l("shipped"), _l("received"),
                   _l("replaced"))


def codes() -> list[str]:
    """Every code listed above (the message ids, untranslated)."""
    found = []
    for name, value in globals().items():
        if name.isupper() and isinstance(value, tuple) and name != "ERROR_NAMES":
            found.extend(str(v._args[0]) for v in value)
    return list(dict.fromkeys(found))
