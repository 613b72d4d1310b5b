"""Service reports: when one is due, rendering and signing it, checking one, customer links.

One report per signature. Its status:

* ``waiting`` — the order has a signature, but not everything the report needs has
  arrived: photo bytes, the signature image, or the order's step to ``signed``.
  ``failure_reason`` says what is missing.
* ``hash_mismatch`` — everything arrived, but the hash the phone stored with the
  signature differs from the server's hash of the same content: the customer signed
  something other than what the server would print, so nothing is rendered. The order's
  history shows it (``report_hash_mismatch``) for the dispatcher.
* ``rendering`` — the hashes matched; the render-and-sign job is queued.
* ``ready`` — the signed PDF is stored (``pdf_sha256``).
* ``failed`` — rendering or signing failed (``failure_reason``); the office may retry.
* ``needs_resign`` — signed content changed after the hashes matched. The signed PDF, if
  any, is never touched; the order needs a new signature.

``refresh`` decides; it runs at every commit that touched what the signed content is made
of (``triggers``), and the job checks again before it writes. Functions flush only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from sync.positions import transaction_position

from ..database import utcnow
from ..errors import Conflict, NotFound, ServiceError
from ..extensions import db
from ..media import images
from ..media.blobs import available_for
from ..media.models import BlobRefusal, Photo, Report, Signature
from ..media.storage import key_for, storage
from ..workorders.models import WorkOrder
from ..workorders.service import add_event, next_number
from . import signing
from .content import content_hash, language_of, signed_content
from ..settings.service import get as setting
from ..settings.service import public_url

log = logging.getLogger(__name__)

SIGNED_STATUSES = ("signed", "closed")
STALE_AFTER = timedelta(minutes=10)
LINK_SALT = "report-download"
# Kinds of the events this module adds to an order's history (for the console's _()).
EVENT_KINDS = (_l("report_ready"), _l("report_hash_mismatch"), _l("report_needs_resign"),
               _l("report_failed"))


class LinkInvalid(ServiceError):
    status = 404


class LinkExpired(ServiceError):
    status = 410


# -- finding ----------------------------------------------------------------------------------

def report_for(order: WorkOrder) -> Report | None:
    """The order's current report: the one for its latest signature."""
    return db.session.scalar(select(Report).where(Report.work_order_id == order.id)
                             .order_by(Report.created_at.desc(), Report.number.desc()).limit(1))


def status_of(order: WorkOrder) -> dict:
    """The order's report as the API shows it; ``not_signed`` when there is none."""
    report = report_for(order)
    if report is None:
        return {"work_order_id": order.id, "status": "not_signed"}
    signature = db.session.get(Signature, report.signature_id) if report.signature_id else None
    return {
        "id": report.id, "work_order_id": order.id, "number": report.number,
        "status": report.status, "failure_reason": report.failure_reason,
        "language": report.language, "content_hash": report.content_hash,
        "signed_content_hash": signature.content_hash if signature else None,
        "pdf_sha256": report.pdf_sha256, "pdf_size": report.pdf_size,
        "rendered_at": report.rendered_at, "customer_url": customer_url(report),
    }


def _signature_of(order: WorkOrder) -> Signature | None:
    return db.session.scalar(select(Signature).where(Signature.work_order_id == order.id)
                             .order_by(Signature.received_at.desc()).limit(1))


# -- deciding ---------------------------------------------------------------------------------

def _missing(order: WorkOrder, signature: Signature) -> list[str]:
    """What the report still waits for, in words for the office."""
    missing = []
    pending = db.session.scalar(select(func.count()).select_from(Photo).where(
        Photo.work_order_id == order.id, Photo.status == "pending"))
    if pending:
        missing.append(f"{pending} photo{'s' if pending > 1 else ''} to upload")
    if available_for(signature.image_sha256, order.id) is None:
        missing.append("the signature image to upload")
    if order.status not in SIGNED_STATUSES:
        missing.append(f"the order to be signed (it is {order.status})")
    return missing


def _set(report: Report, order: WorkOrder, status: str, reason: str | None = None) -> None:
    """Change the status; a change into a state the office must act on goes in the history."""
    changed = report.status != status
    report.status, report.failure_reason = status, reason
    if changed and status in ("ready", "hash_mismatch", "needs_resign", "failed"):
        add_event(order, f"report_{status}", None, server_time=utcnow(), reason=reason,
                  data={"report": report.number, "report_id": str(report.id)})


def refresh(order: WorkOrder) -> Report | None:
    """Bring the order's report up to date; returns it when it should be rendered now."""
    signature = _signature_of(order)
    if signature is None:
        return None
    report = db.session.scalar(select(Report).where(Report.signature_id == signature.id))
    if report is None:
        report = Report(work_order_id=order.id, signature_id=signature.id,
                        number=next_number("SR", utcnow().year), language=language_of(order),
                        status="waiting")
        db.session.add(report)
        db.session.flush()
    if report.status in ("needs_resign", "failed"):
        return None
    current = content_hash(signed_content(order))
    if report.status in ("rendering", "ready"):
        if current != report.content_hash:
            _set(report, order, "needs_resign",
                 "The signed content changed after the customer signed "
                 f"(now {current[:12]}…, signed {report.content_hash[:12]}…); the report "
                 "needs a new signature.")
        return None
    refusal = db.session.get(BlobRefusal, signature.image_sha256)
    if refusal is not None:
        _set(report, order, "failed", f"The signature image was refused: {refusal.reason}")
        return None
    missing = _missing(order, signature)
    if missing:
        _set(report, order, "waiting", "Waiting for " + ", ".join(missing) + ".")
        return None
    if current != signature.content_hash:
        _set(report, order, "hash_mismatch",
             f"The customer signed content with hash {signature.content_hash[:12]}…, but the "
             f"server's content hashes to {current[:12]}…: the phone showed something else.")
        return None
    report.content_hash, report.queued_at = current, utcnow()
    _set(report, order, "rendering")
    db.session.flush()
    return report


def refresh_orders(order_ids) -> list[uuid.UUID]:
    """``refresh`` each order that has a signature; returns the ids of reports to render."""
    ids = list(order_ids)
    if not ids:
        return []
    signed = db.session.scalars(select(Signature.work_order_id)
                                .where(Signature.work_order_id.in_(ids))).all()
    due = []
    for order_id in set(signed):
        order = db.session.get(WorkOrder, order_id)
        report = refresh(order) if order is not None else None
        if report is not None:
            due.append(report.id)
    return due


def retry(order: WorkOrder) -> Report:
    """Queue the order's report again after a failure (office). Raises Conflict if unsigned."""
    report = report_for(order)
    if report is None:
        raise Conflict("The order has no signature, so there is no report to make.",
                       code="not_signed")
    if report.status in ("failed", "rendering"):
        report.status = "waiting"
    due = refresh(order)
    if due is not None:
        from . import triggers

        triggers.render_after_commit(due.id)
    return report


def requeue_stale() -> int:
    """Queue again reports whose job seems lost; refresh those still waiting. Returns count."""
    from . import triggers

    count = 0
    stale = utcnow() - STALE_AFTER
    for report in db.session.scalars(select(Report).where(Report.status == "rendering",
                                                          Report.queued_at < stale)):
        report.queued_at = utcnow()
        triggers.render_after_commit(report.id)
        count += 1
    waiting = db.session.scalars(select(Report.work_order_id).where(
        Report.status.in_(("waiting", "hash_mismatch")))).all()
    for report_id in refresh_orders(waiting):
        triggers.render_after_commit(report_id)
        count += 1
    db.session.flush()
    return count


# -- rendering --------------------------------------------------------------------------------

def render(report_id: uuid.UUID) -> str:
    """The job: render and sign the report if it is still due; returns its status.

    Checks the content hash again first: a change since the job was queued makes the report
    ``needs_resign`` rather than printing content the customer did not sign. Commits what
    it read before rendering, so no lock is held while WeasyPrint and pyHanko work (on
    SQLite every transaction holds the database's write lock); then writes the result only
    if the report is still due, taking locks in the order every writer does.
    """
    from .render import build_page, render_pdf

    report = db.session.get(Report, report_id)
    if report is None or report.status != "rendering":
        return report.status if report else "missing"
    order = db.session.get(WorkOrder, report.work_order_id)
    signature = db.session.get(Signature, report.signature_id)
    if content_hash(signed_content(order)) != report.content_hash:
        _set(report, order, "needs_resign", "The signed content changed before the report "
                                            "was rendered; it needs a new signature.")
        return report.status
    try:
        page = build_page(order, report, signature, report.content_hash)
    except images.BadImage as bad:
        # Opaque bytes checked only now; their photos are marked failed, which changes the
        # content the customer signed.
        _set(report, order, "hash_mismatch",
             f"A photo or the signature image is not a valid image ({bad.message}); the "
             "content the customer signed can no longer be shown.")
        return report.status
    except (OSError, ValueError) as problem:  # the configured logo is missing or unusable
        _set(report, order, "failed", f"The report could not be laid out: {problem}")
        return report.status
    number, order_number, expected = report.number, order.number, report.content_hash
    language = report.language
    db.session.commit()  # the read is done (and any renditions made are kept)
    try:
        pdf, place = render_pdf(page)
        signed = signing.sign_pdf(
            pdf, place, reason=f"Service report {number} for work order {order_number}",
            location=None, verify_url=page.verify_url, language=language,
            timezone=setting("DOORSTEP_TIMEZONE"))
        failure = None
    except Exception as problem:  # noqa: BLE001 — any failure is the office's to see
        log.exception("rendering report %s failed", number)
        failure = f"Rendering or signing failed: {problem}"
    # The change-feed position first, then the report row: the order every writer takes
    # its locks in (sync.positions), so two transactions cannot wait on each other.
    transaction_position(db.session)
    report = db.session.scalar(select(Report).where(Report.id == report_id)
                               .with_for_update().execution_options(populate_existing=True))
    if report.status != "rendering" or report.content_hash != expected:
        return report.status  # changed while rendering: what was rendered is not wanted
    order = db.session.get(WorkOrder, report.work_order_id)
    if failure:
        _set(report, order, "failed", failure)
        return report.status
    report.pdf_sha256 = _store_pdf(signed)
    report.pdf_size, report.rendered_at = len(signed), utcnow()
    _set(report, order, "ready")
    db.session.flush()
    return report.status


def _store_pdf(data: bytes) -> str:
    sha256 = hashlib.sha256(data).hexdigest()
    store = storage()
    fd, scratch = store.scratch_file()
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        store.put_file(key_for(sha256, ".pdf"), scratch)
    finally:
        scratch.unlink(missing_ok=True)
    return sha256


def pdf_key(report: Report) -> str:
    """The storage key of the signed PDF. Raises NotFound while there is none."""
    if report.pdf_sha256 is None:
        raise NotFound("The report has no PDF yet.", code="no_pdf")
    return key_for(report.pdf_sha256, ".pdf")


def open_pdf(report: Report):
    """The signed PDF's bytes as a file. Raises NotFound while there is none."""
    return storage().open(pdf_key(report))


# -- customer links ---------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def customer_url(report: Report) -> str | None:
    """A link for the customer to download this PDF: signed, expiring, for nothing else."""
    if report.pdf_sha256 is None:
        return None
    token = _serializer().dumps({"r": str(report.id), "p": report.pdf_sha256})
    return f"{public_url()}/r/{token}"


def report_for_link(token: str) -> Report:
    """The report a customer link points to. Raises LinkExpired or LinkInvalid."""
    max_age = current_app.config["REPORT_LINK_MAX_AGE_DAYS"] * 86400
    try:
        claims = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired("This link has expired.", code="link_expired") from None
    except BadSignature:
        raise LinkInvalid("This link is not valid.", code="link_invalid") from None
    try:
        report = db.session.get(Report, uuid.UUID(claims["r"]))
    except (KeyError, TypeError, ValueError):
        raise LinkInvalid("This link is not valid.", code="link_invalid") from None
    if report is None or report.pdf_sha256 != claims.get("p"):
        raise LinkInvalid("This link is not valid.", code="link_invalid")
    return report


# -- verification -----------------------------------------------------------------------------

@dataclass
class Verification:
    """A PDF's signature check plus what our records say about it."""

    check: signing.Check
    report: Report | None
    order: WorkOrder | None
    signature: Signature | None
    identical: bool  # byte for byte the PDF we issued

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def status(self) -> str:
        if self.check.ok and self.report is None:
            return "valid_unknown"
        return self.check.status


def verify_document(data: bytes) -> Verification:
    """Check ``data`` as a Doorstep report: signature first, then our records."""
    check = signing.check_pdf(data)
    digest = hashlib.sha256(data).hexdigest()
    report = db.session.scalar(select(Report).where(Report.pdf_sha256 == digest))
    identical = report is not None
    if report is None and check.ok and check.metadata.get("DoorstepReport"):
        report = db.session.scalar(select(Report).where(
            Report.number == check.metadata["DoorstepReport"]))
    if not check.ok:
        report = report if identical else None
    order = db.session.get(WorkOrder, report.work_order_id) if report else None
    signature = db.session.get(Signature, report.signature_id) \
        if report and report.signature_id else None
    return Verification(check, report, order, signature, identical)
