"""The rules of money on site (docs/sync-protocol.md, "Quotes and payments").

* With ``QUOTE_BEFORE_WORK`` on, an order out of warranty (``in_warranty`` not true:
  charges apply) needs the customer's decision on a quote before the work goes beyond
  diagnosis: a part may be used only under an **approved** quote, and the job may be
  completed only once a quote is **decided** (approved, or declined: then the job ends at
  the diagnosis). Whatever the setting, no part is used after a declined quote. In
  warranty nothing is charged and no quote is taken.
* One quote per order, write-once. Approved: the order's labour and travel are the quoted
  ones (parts are charged as used, at the price recorded when used). Declined: the order
  costs the diagnostic fee only (labour = the fee, travel 0) and no part may be used.
* A payment (cash, card, or transfer with its reference) may not take what was paid above
  what the order costs when it arrives.

Functions flush only; the caller commits. Refusals are ServiceErrors with a stable code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from ..errors import Conflict, Invalid
from ..extensions import db
from ..inventory.models import Part
from ..workorders.charges import LABOUR_TRAVEL_RULES, order_charges
from ..workorders.lifecycle import Status
from ..workorders.models import WorkOrder
from .content import content_hash, quote_content
from .models import LineKind, Payment, PaymentMethod, Quote, QuoteDecision, Refund


def diagnostic_fee_cents() -> int:
    return current_app.config["DIAGNOSTIC_FEE_CENTS"]


def needs_quote(order: WorkOrder) -> bool:
    """Whether the order is charged, so the work waits for the customer's decision."""
    return not order.in_warranty


def quote_for(order: WorkOrder) -> Quote | None:
    if order.id is None:
        return None
    return db.session.scalar(select(Quote).where(Quote.work_order_id == order.id))


def _quoted_labour_travel(order: WorkOrder) -> tuple[int, int] | None:
    quote = quote_for(order)
    if quote is None:
        return None
    if quote.decision == QuoteDecision.DECLINED:
        return quote.diagnostic_fee_cents, 0
    return (sum(line["total_cents"] for line in quote.lines if line["kind"] == LineKind.LABOUR),
            sum(line["total_cents"] for line in quote.lines if line["kind"] == LineKind.TRAVEL))


if _quoted_labour_travel not in LABOUR_TRAVEL_RULES:
    LABOUR_TRAVEL_RULES.append(_quoted_labour_travel)


def rule_enforced() -> bool:
    """Whether the phone's work waits for the quote (``QUOTE_BEFORE_WORK``)."""
    return bool(current_app.config.get("QUOTE_BEFORE_WORK"))


def check_may_use_parts(order: WorkOrder) -> None:
    """Raises Invalid ``quote_required`` (no approved quote yet, while
    ``QUOTE_BEFORE_WORK`` is on) or ``quote_declined``."""
    if not needs_quote(order):
        return
    quote = quote_for(order)
    if quote is None and not rule_enforced():
        return
    if quote is None:
        raise Invalid("Out of warranty, parts are used only after the customer approved a "
                      "quote.", {"order_id": ["has no approved quote"]}, code="quote_required")
    if quote.decision == QuoteDecision.DECLINED:
        raise Invalid("The customer declined the quote: the job ends at the diagnosis, no "
                      "part may be used.", {"order_id": ["the quote was declined"]},
                      code="quote_declined")


def check_may_complete(order: WorkOrder) -> None:
    """Raises Invalid ``quote_required`` while an out-of-warranty order has no decided
    quote (and ``QUOTE_BEFORE_WORK`` is on)."""
    if rule_enforced() and needs_quote(order) and quote_for(order) is None:
        raise Invalid("Out of warranty, the job is completed only after the customer approved "
                      "or declined a quote.", {"order_id": ["has no quote"]},
                      code="quote_required")


def _lines(lines: list[dict]) -> list[dict]:
    """The quoted lines with each part's sku and names; raises Invalid naming the line."""
    stored, seen = [], set()
    for index, line in enumerate(lines):
        kind, part_id = line["kind"], line.get("part_id")
        where = {"lines": {index: {"part_id": ["a part line needs its part; other lines none"]}}}
        if (kind == LineKind.PART) != (part_id is not None):
            raise Invalid("A part line names its part; labour and travel lines do not.", where,
                          code="invalid_line")
        key = (kind, part_id)
        if key in seen:
            raise Invalid("Each part, labour and travel appears once on a quote.",
                          {"lines": {index: {"kind": ["appears twice"]}}}, code="invalid_line")
        seen.add(key)
        entry = {"kind": kind, "part_id": None, "sku": None, "name_en": None, "name_zh": None,
                 "quantity": line["quantity"], "unit_price_cents": line["unit_price_cents"],
                 "total_cents": line["quantity"] * line["unit_price_cents"]}
        if part_id is not None:
            part = db.session.get(Part, part_id)
            if part is None:
                raise Invalid("No such part.", {"lines": {index: {"part_id": ["no such part"]}}},
                              code="unknown_part")
            entry.update(part_id=str(part.id), sku=part.sku, name_en=part.name_en,
                         name_zh=part.name_zh)
        stored.append(entry)
    return stored


def record_quote(order: WorkOrder, quote_id: uuid.UUID, lines: list[dict], decision: str,
                 diagnostic_fee: int, signer_name: str, image_sha256: str, signed_hash: str,
                 decided_at: datetime, technician_id: uuid.UUID | None,
                 received_at: datetime) -> tuple[Quote, bool]:
    """Record the customer's decision on a quote; returns (quote, whether it is new).

    The same quote again is a replay. Raises Invalid ``in_warranty``, ``order_closed``,
    ``invalid_line``, ``unknown_part``; Conflict ``quote_exists`` when the order already
    has another quote, ``duplicate_id`` when the id is another order's or content's.
    """
    existing = db.session.get(Quote, quote_id)
    if existing is not None:
        if existing.work_order_id == order.id and existing.content_hash == signed_hash:
            return existing, False
        raise Conflict("This quote id is already used for another order or other content.",
                       {"quote_id": ["is already used for another order or other content"]},
                       code="duplicate_id")
    if not needs_quote(order):
        raise Invalid("In warranty nothing is charged: no quote is taken.",
                      {"order_id": ["is in warranty"]}, code="in_warranty")
    if order.status in {Status.CLOSED, Status.CANCELLED}:
        raise Invalid(f"The order is {order.status}.", {"order_id": [f"is {order.status}"]},
                      code="order_closed")
    if quote_for(order) is not None:
        raise Conflict("The customer already decided on a quote for this order.",
                       {"quote_id": ["the order already has a quote"]}, code="quote_exists")
    stored = _lines(lines)
    content = quote_content(order, quote_id, stored, decision, diagnostic_fee)
    quote = Quote(id=quote_id, work_order_id=order.id, technician_id=technician_id,
                  lines=stored, total_cents=content["total_cents"],
                  diagnostic_fee_cents=diagnostic_fee, currency=order.currency,
                  decision=decision, signer_name=signer_name, image_sha256=image_sha256,
                  content_hash=signed_hash, content_matches=content_hash(content) == signed_hash,
                  decided_at_device=decided_at, received_at=received_at)
    db.session.add(quote)
    db.session.flush()
    from ..workorders.service import recompute_charges

    recompute_charges(order)
    return quote, True


def server_content(quote: Quote) -> dict:
    """The quote's content built from the server's rows (what its hash is checked against)."""
    order = db.session.get(WorkOrder, quote.work_order_id)
    return quote_content(order, quote.id, quote.lines, quote.decision,
                         quote.diagnostic_fee_cents)


def payments_for(order: WorkOrder) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.work_order_id == order.id)
                                   .order_by(Payment.paid_at_device, Payment.id)))


def paid_cents(order: WorkOrder) -> int:
    """What the customer paid on site, less what the office refunded."""
    return (db.session.scalar(select(func.coalesce(func.sum(Payment.amount_cents), 0))
                              .where(Payment.work_order_id == order.id)) or 0) \
        - refunded_cents(order)


def refunds_for(order: WorkOrder) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.work_order_id == order.id)
                                   .order_by(Refund.created_at, Refund.id)))


def refunded_cents(order: WorkOrder) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Refund.amount_cents), 0))
                             .where(Refund.work_order_id == order.id)) or 0


def record_payment(order: WorkOrder, payment_id: uuid.UUID, method: str, amount_cents: int,
                   reference: str | None, paid_at: datetime, technician_id: uuid.UUID | None,
                   received_at: datetime) -> tuple[Payment, bool]:
    """Record money received on site; returns (payment, whether it is new).

    Raises Invalid ``reference_required`` (a transfer without its reference),
    ``payment_exceeds_due``, ``order_closed``; Conflict ``duplicate_id``.
    """
    reference = (reference or "").strip() or None
    existing = db.session.get(Payment, payment_id)
    if existing is not None:
        if (existing.work_order_id, existing.method, existing.amount_cents,
                existing.reference) == (order.id, method, amount_cents, reference):
            return existing, False
        raise Conflict("This payment id is already used for another order or other content.",
                       {"payment_id": ["is already used for another order or other content"]},
                       code="duplicate_id")
    if order.status == Status.CANCELLED:
        raise Invalid("The order is cancelled.", {"order_id": ["is cancelled"]},
                      code="order_closed")
    if method == PaymentMethod.TRANSFER and reference is None:
        raise Invalid("A transfer is recorded with its reference.",
                      {"reference": ["is required for a transfer"]}, code="reference_required")
    due = order_charges(order).total_cents - paid_cents(order)
    if amount_cents > due:
        raise Invalid(f"Only {due} (minor units) are due on this order.",
                      {"amount_cents": [f"must be at most {due}"]}, code="payment_exceeds_due")
    payment = Payment(id=payment_id, work_order_id=order.id, technician_id=technician_id,
                      method=method, amount_cents=amount_cents, currency=order.currency,
                      reference=reference, paid_at_device=paid_at, received_at=received_at)
    db.session.add(payment)
    db.session.flush()
    return payment, True


@dataclass(frozen=True)
class Balance:
    """What the order costs, what was paid on site (less refunds), what is still due, and
    what is to refund: paid above the total after a later declined quote or returned part
    (docs/sync-protocol.md §4a rule 5)."""

    total_cents: int
    paid_cents: int
    due_cents: int
    currency: str
    payments: tuple[Payment, ...]
    refunded_cents: int = 0
    to_refund_cents: int = 0
    refunds: tuple[Refund, ...] = ()


def balance(order: WorkOrder) -> Balance:
    total = order_charges(order)
    payments = tuple(payments_for(order))
    refunds = tuple(refunds_for(order))
    refunded = sum(refund.amount_cents for refund in refunds)
    paid = sum(payment.amount_cents for payment in payments) - refunded
    return Balance(total.total_cents, paid, max(total.total_cents - paid, 0), total.currency,
                   payments, refunded, max(paid - total.total_cents, 0), refunds)


def record_refund(actor, order: WorkOrder, method: str, amount_cents: int,
                  reference: str | None) -> Refund:
    """The office gives back money paid above the total; audited.

    Raises Invalid ``nothing_to_refund`` (nothing was paid above the total),
    ``refund_exceeds_excess`` (more than that excess; ``errors.amount_cents`` says the most
    allowed), ``reference_required`` (a transfer without its reference).
    """
    from ..audit import service as audit

    reference = (reference or "").strip() or None
    if method == PaymentMethod.TRANSFER and reference is None:
        raise Invalid("A transfer is recorded with its reference.",
                      {"reference": ["is required for a transfer"]}, code="reference_required")
    excess = balance(order).to_refund_cents
    if excess <= 0:
        raise Invalid("Nothing was paid above the order's total: there is nothing to refund.",
                      {"amount_cents": ["nothing to refund on this order"]},
                      code="nothing_to_refund")
    if amount_cents > excess:
        raise Invalid(f"Only {excess} (minor units) were paid above the total.",
                      {"amount_cents": [f"must be at most {excess}"]},
                      code="refund_exceeds_excess")
    refund = Refund(work_order_id=order.id, method=method, amount_cents=amount_cents,
                    currency=order.currency, reference=reference, recorded_by_id=actor.id)
    db.session.add(refund)
    db.session.flush()
    audit.record("refund.recorded", actor, order, refund_id=str(refund.id), method=method,
                 amount_cents=amount_cents, reference=reference)
    return refund


def _wire_fee(order) -> int:
    return diagnostic_fee_cents()


def _install_wire_hook() -> None:
    from sync import wire

    wire.HOOKS["diagnostic_fee_cents"] = _wire_fee


_install_wire_hook()
