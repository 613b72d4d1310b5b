"""The outbox's rules: queue a message once per event, claim it, deliver it, retry it.

Invariants:

* **Once per event.** ``dedupe_key`` is unique and queueing skips a key that exists.
* **Never sent from a request.** Rows are inserted in the request's transaction; delivery
  runs in the task queue after the commit (``hooks``), and ``sweep`` picks up what is due.
* **Never twice.** A worker first *claims* a row with one conditional UPDATE
  (``queued`` and due → ``sending``) and commits the claim before it talks to the channel;
  a second worker's UPDATE matches nothing. A worker that dies mid-send leaves ``sending``;
  the sweep gives it back after ``STUCK_AFTER`` (then, and only then, a message may be
  delivered twice — at-least-once rather than lost).
* **Nothing lost.** A channel that is down puts the row back to ``queued`` with a later
  ``next_attempt_at`` (``BACKOFF``), up to ``MESSAGE_MAX_ATTEMPTS``; then ``failed`` with
  the last error, shown on the order, where the office can re-send.
* **Never stops the order.** A bad address is a failed message with the reason; the order's
  own transaction carries on.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from datetime import datetime, timedelta

import phonenumbers
from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..customers.models import Customer
from ..database import new_uuid, utcnow
from ..errors import Conflict, NotFound
from ..extensions import db
from ..workorders.models import WorkOrder, WorkOrderEvent
from .channels import Refused, Unavailable, channel_for
from .models import Message

log = logging.getLogger(__name__)

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
           timedelta(hours=1), timedelta(hours=3))
STUCK_AFTER = timedelta(minutes=10)
EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]{2,}$")


# -- queueing ---------------------------------------------------------------------------------

def may_trigger(ev: WorkOrderEvent) -> bool:
    """Whether ``ev`` could ask for a message at all (``_triggers`` decides which): the
    flush hook skips the rest (notes, parts, photos…) without looking up their orders."""
    if ev.kind == "transition":
        return ev.to_status in ("scheduled", "en_route", "closed")
    if ev.kind == "field_changed":
        return (ev.data or {}).get("field") == "appointment_start"
    return ev.kind in ("report_ready", "complaint_update")


def _triggers(ev: WorkOrderEvent, order: WorkOrder) -> list[tuple[str, str, dict]]:
    """(kind, event key, data) of the messages ``ev`` asks for."""
    out = []
    booked = (ev.kind == "transition" and ev.to_status == "scheduled") or (
        ev.kind == "field_changed" and (ev.data or {}).get("field") == "appointment_start"
        and order.status == "scheduled")
    if booked and order.appointment_start is not None:
        start = order.appointment_start
        end = order.appointment_end or start
        out.append(("booking_confirmation", f"booking:{order.id}:{start.isoformat()}",
                    {"start": start.isoformat(), "end": end.isoformat()}))
    elif ev.kind == "transition" and ev.to_status == "en_route":
        from .eta import estimate

        eta = estimate(order, ev.latitude, ev.longitude, ev.server_time or utcnow())
        out.append(("on_the_way", f"on_the_way:{order.id}:{ev.seq}",
                    {"eta": eta.isoformat() if eta else None,
                     "technician": first_name(order)}))
    elif ev.kind == "report_ready":
        report = (ev.data or {}).get("report_id") or (ev.data or {}).get("report")
        out.append(("report_ready", f"report_ready:{order.id}:{report}", {"report": report}))
    elif ev.kind == "complaint_update" and (ev.data or {}).get("said"):
        data = ev.data
        out.append(("complaint_update", f"complaint:{data.get('step_id')}",
                     {"said": data["said"], "step": data.get("step")}))
    elif ev.kind == "transition" and ev.to_status == "closed":
        out.append(("survey", f"survey:{order.id}", {}))
    return out


def first_name(order: WorkOrder) -> str | None:
    """What the customer calls the technician: a first name, or 王师傅 for a Chinese name."""
    tech = order.assignee
    if tech is None or tech.user is None:
        return None
    name = tech.user.name.strip()
    if " " in name:
        return name.split()[0]
    return f"{name[0]}师傅" if name and ord(name[0]) > 0x2E80 else name


def check_email(value: str | None) -> str | None:
    """The address, trimmed, or None when it cannot be an e-mail address."""
    value = (value or "").strip()
    return value if EMAIL.match(value) else None


def check_phone(value: str | None) -> str | None:
    """The number in E.164 (+8613…), or None when it is not a valid mobile-capable number."""
    return _e164(value or "", current_app.config["SMS_DEFAULT_REGION"])


@functools.lru_cache(maxsize=4096)
def _e164(value: str, region: str) -> str | None:
    """``check_phone`` for a number and default region (a pure function, so remembered:
    a sync batch's en-route steps ask it for the same customers' numbers again)."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _recipients(customer: Customer) -> list[tuple[str, str, str | None]]:
    """(channel, recipient as on record, error) for each channel the customer has."""
    out = []
    if customer.email and customer.email.strip():
        ok = check_email(customer.email)
        out.append(("email", ok or customer.email.strip()[:254],
                    None if ok else "invalid e-mail address on record"))
    if customer.phone and customer.phone.strip():
        ok = check_phone(customer.phone)
        out.append(("sms", ok or customer.phone.strip()[:254],
                    None if ok else "invalid phone number on record"))
    return out


@functools.cache
def _insert_skipping_known(dialect: str):
    """The outbox's INSERT that skips a dedupe_key that exists, built once per dialect."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # One statement for all the rows (executemany: SQLAlchemy sends them in multi-row
    # INSERTs, compiled once and cached); RETURNING, not rowcount: psycopg reports -1 for a
    # skipped ON CONFLICT row.
    return (insert(Message.__table__)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Message.__table__.c.id))


def _insert_ignoring_duplicates(session: Session, rows: list[dict]) -> list[uuid.UUID]:
    """Insert outbox rows, skipping any whose dedupe_key exists; returns those inserted."""
    statement = _insert_skipping_known(session.get_bind().dialect.name)
    if len(rows) == 1:
        return list(session.execute(statement, rows[0]).scalars())
    return list(session.execute(statement, rows).scalars())


@functools.cache
def _by_ids(model):
    """``model`` rows by id, a statement built once per model (ids bound at each call)."""
    return select(model).where(model.id.in_(bindparam("ids", expanding=True)))


def _not_loaded(session: Session, model, keys: set) -> set:
    """Those of ``keys`` whose ``model`` row the session does not hold yet (a sync batch
    reads its orders' customers and addresses with the orders)."""
    return {key for key in keys
            if session.identity_map.get(identity_key(model, key)) is None}


def queue_for_events(session: Session, events: list[WorkOrderEvent]) -> list[uuid.UUID]:
    """Queue the messages these new history events ask for. Returns the ids of rows that
    are queued for delivery (failed-at-once rows are stored but not returned)."""
    from ..customers.models import Address
    from ..portal.links import insert_missing

    rows, seen, linked = [], set(), []
    now = utcnow()
    events = sorted(events, key=lambda e: (str(e.work_order_id), e.seq))
    # The customers and addresses of these orders in one query each (a sync batch brings
    # several orders' events at once); held here, so each order finds its own loaded.
    orders = {ev.work_order_id: ev.work_order or session.get(WorkOrder, ev.work_order_id)
              for ev in events}
    held = [session.scalars(_by_ids(model), {"ids": sorted(missing, key=str)}).all()
            for model, keys in ((Customer, {o.customer_id for o in orders.values() if o}),
                                (Address, {o.address_id for o in orders.values() if o}))
            if (missing := _not_loaded(session, model, keys))]
    for ev in events:
        order = orders[ev.work_order_id]
        if order is None:
            continue
        customer = order.customer or session.get(Customer, order.customer_id)
        triggered = _triggers(ev, order)
        if triggered and order.id not in linked:
            linked.append(order.id)
        for kind, key, data in triggered:
            for channel, recipient, error in _recipients(customer):
                dedupe = f"{key}:{channel}"
                if dedupe in seen:
                    continue
                seen.add(dedupe)
                rows.append({
                    "id": new_uuid(), "work_order_id": order.id, "customer_id": customer.id,
                    "kind": kind, "channel": channel, "recipient": recipient,
                    "language": customer.language or order.language or "en",
                    "dedupe_key": dedupe[:200], "status": "failed" if error else "queued",
                    "attempts": 0, "next_attempt_at": None if error else now,
                    "last_error": error, "data": {"number": order.number, **data},
                    "created_at": now})
    # The link exists from the booking on, so the phone's pull carries it (QR code).
    insert_missing(session, linked)
    del held
    if not rows:
        return []
    inserted = set(_insert_ignoring_duplicates(session, rows))
    return [row["id"] for row in rows if row["id"] in inserted and row["status"] == "queued"]


def queue_notice(session: Session, order: WorkOrder, customer: Customer, kind: str,
                 key: str, data: dict) -> int:
    """Queue one message of ``kind`` to ``customer`` on each of their channels, about
    ``order`` (not from an order event: e.g. an incident notice). Once per ``key`` and
    channel, like every message; delivered after the commit (``hooks``). Returns how many
    rows are queued for delivery."""
    now = utcnow()
    rows = [{"id": new_uuid(), "work_order_id": order.id, "customer_id": customer.id,
             "kind": kind, "channel": channel, "recipient": recipient,
             "language": customer.language or order.language or "en",
             "dedupe_key": f"{key}:{channel}"[:200], "status": "failed" if error else "queued",
             "attempts": 0, "next_attempt_at": None if error else now, "last_error": error,
             "data": {"number": order.number, **data}, "created_at": now}
            for channel, recipient, error in _recipients(customer)]
    if not rows:
        return 0
    inserted = set(_insert_ignoring_duplicates(session, rows))
    queued = [row["id"] for row in rows if row["id"] in inserted and row["status"] == "queued"]
    if queued:
        from .hooks import remember_for_delivery

        remember_for_delivery(session, queued)
    return len(queued)


# -- delivering -------------------------------------------------------------------------------

def _claim(message_id: uuid.UUID, now: datetime) -> bool:
    result = db.session.execute(
        update(Message).where(Message.id == message_id, Message.status == "queued",
                              (Message.next_attempt_at.is_(None))
                              | (Message.next_attempt_at <= now))
        .values(status="sending", claimed_at=now, attempts=Message.attempts + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def deliver(message_id: uuid.UUID, now: datetime | None = None) -> str:
    """Send one message if it is due and nobody else has it. Commits the claim before it
    talks to the channel, and the outcome after. Returns the message's status afterwards
    ('skipped' when there was nothing to do)."""
    from .content import envelope_for

    now = now or utcnow()
    if not _claim(message_id, now):
        db.session.rollback()
        return "skipped"
    db.session.commit()
    message = db.session.get(Message, message_id)
    db.session.refresh(message)
    try:
        envelope = envelope_for(message)
        message.subject, message.body = envelope.subject[:300], envelope.text
        message.provider = channel_for(message.channel).send(envelope)
    except Refused as refused:
        message.status, message.last_error, message.next_attempt_at = "failed", str(refused), None
    except Unavailable as down:
        message.last_error = str(down)
        if message.attempts >= current_app.config["MESSAGE_MAX_ATTEMPTS"]:
            message.status, message.next_attempt_at = "failed", None
        else:
            message.status = "queued"
            message.next_attempt_at = now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    except Exception as bug:  # noqa: BLE001 — recorded, retried, and logged for us
        log.exception("message %s could not be built or sent", message_id)
        message.last_error = f"internal error: {type(bug).__name__}"
        message.status = "failed" if message.attempts >= \
            current_app.config["MESSAGE_MAX_ATTEMPTS"] else "queued"
        message.next_attempt_at = None if message.status == "failed" else now + BACKOFF[-1]
    else:
        message.status, message.sent_at, message.next_attempt_at = "sent", utcnow(), None
        message.last_error = None
    db.session.commit()
    return message.status


def due(now: datetime | None = None, limit: int = 500) -> list[uuid.UUID]:
    """Give back rows stuck in ``sending`` and list the queued rows whose time has come."""
    now = now or utcnow()
    db.session.execute(
        update(Message).where(Message.status == "sending", Message.claimed_at < now - STUCK_AFTER)
        .values(status="queued", next_attempt_at=now,
                last_error="the worker stopped while sending; trying again")
        .execution_options(synchronize_session=False))
    return list(db.session.scalars(
        select(Message.id).where(Message.status == "queued",
                                 (Message.next_attempt_at.is_(None))
                                 | (Message.next_attempt_at <= now))
        .order_by(Message.next_attempt_at).limit(limit)))


# -- the office -------------------------------------------------------------------------------

def for_order(order_id: uuid.UUID) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.work_order_id == order_id)
                                   .order_by(Message.created_at, Message.kind, Message.channel)))


def failed(limit: int = 200) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.status == "failed")
                                   .order_by(Message.created_at.desc()).limit(limit)))


def count_failed() -> int:
    return db.session.scalar(select(func.count()).select_from(Message)
                             .where(Message.status == "failed")) or 0


def resend(message_id: uuid.UUID) -> Message:
    """Queue a failed message again, to the address now on record. Raises NotFound, or
    Conflict when it is not failed (a queued or sent one is never sent again by hand)."""
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound("No such message.", code="not_found")
    if message.status != "failed":
        raise Conflict("Only a failed message can be sent again.", code="not_failed")
    customer = db.session.get(Customer, message.customer_id)
    now = utcnow()
    for channel, recipient, error in _recipients(customer):
        if channel == message.channel:
            message.recipient = recipient
            if error:
                message.last_error = error
                db.session.flush()
                return message
    message.status, message.attempts, message.next_attempt_at = "queued", 0, now
    message.language = customer.language or message.language
    db.session.flush()
    from .hooks import _NEW

    db.session.info.setdefault(_NEW, []).append(message.id)
    return message
