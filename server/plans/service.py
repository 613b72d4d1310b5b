"""Maintenance plans' rules.

* A plan makes follow-up calls (``call``) or maintenance work orders (``visit``) for a
  customer, or one appliance, every ``interval_months`` (``later_interval_months`` from
  ``switch_on``: seed 004 calls monthly in the first year after an installation, then
  quarterly). Generated ``PLAN_LEAD_DAYS`` ahead of their date, so they are in the
  follow-up queue or the board's queue in time.
* A signed installation creates that plan by itself (``hooks``).
* ``generate_due`` is idempotent: each occurrence moves ``next_due`` on with a conditional
  UPDATE, so two workers racing make it once.

Functions flush, never commit.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..accounts.models import User
from ..assets.models import Asset
from ..audit import service as audit
from ..customers.models import Customer
from ..database import utcnow
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..followups.models import FollowUp
from ..workorders import service as orders
from .models import KINDS, Plan


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def next_after(plan: Plan, day: date) -> date:
    months = plan.interval_months
    if plan.later_interval_months and plan.switch_on and day >= plan.switch_on:
        months = plan.later_interval_months
    return add_months(day, months)


def create(actor: User | None, *, customer_id: uuid.UUID, kind: str, interval_months: int,
           first_due: date, asset_id: uuid.UUID | None = None, ends_on: date | None = None,
           note: str | None = None, later_interval_months: int | None = None,
           switch_on: date | None = None, source: str = "office") -> Plan:
    """A new plan. Raises Invalid naming the field."""
    errors = {}
    if kind not in KINDS:
        errors["kind"] = [_l("Must be one of: %(choices)s.", choices=", ".join(KINDS))]
    if not isinstance(interval_months, int) or not 1 <= interval_months <= 60:
        errors["interval_months"] = [_l("Give a number of months from 1 to 60.")]
    if db.session.get(Customer, customer_id) is None:
        errors["customer_id"] = [_l("No such customer.")]
    errors.update(_check_asset(customer_id, asset_id))
    errors.update(_check_dates(first_due, ends_on, later_interval_months, switch_on))
    if errors:
        raise Invalid(_l("The plan cannot be saved."), errors)
    plan = Plan(customer_id=customer_id, asset_id=asset_id, kind=kind, source=source,
                interval_months=interval_months, later_interval_months=later_interval_months,
                switch_on=switch_on, next_due=first_due, ends_on=ends_on,
                note=(note or "").strip() or None, active=True,
                owner_id=actor.id if actor else None, created_at=utcnow())
    db.session.add(plan)
    db.session.flush()
    if actor is not None:
        audit.record("plan.created", actor, plan, customer_id=str(customer_id), kind=kind,
                     interval_months=interval_months, first_due=first_due.isoformat())
    return plan


def _check_asset(customer_id, asset_id) -> dict:
    if asset_id is None:
        return {}
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.customer_id != customer_id:
        return {"asset_id": [_l("Not an appliance of this customer.")]}
    return {}


def _check_dates(first_due, ends_on, later_interval_months, switch_on) -> dict:
    errors = {}
    if ends_on is not None and ends_on < first_due:
        errors["ends_on"] = [_l("The plan ends before its first date.")]
    if (later_interval_months is None) != (switch_on is None):
        key = "switch_on" if switch_on is None else "later_interval_months"
        errors[key] = [_l("Give both the later interval and the day it starts, or neither.")]
    return errors


def get(plan_id: uuid.UUID) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(_l("No such plan."))
    return plan


def find(customer_id: uuid.UUID | None = None, asset_id: uuid.UUID | None = None,
         active: bool | None = None, limit: int = 500) -> list[Plan]:
    """Plans, soonest due first, by customer and/or appliance, running or not."""
    query = select(Plan)
    if customer_id is not None:
        query = query.where(Plan.customer_id == customer_id)
    if asset_id is not None:
        query = query.where(Plan.asset_id == asset_id)
    if active is not None:
        query = query.where(Plan.active.is_(active))
    return list(db.session.scalars(query.order_by(Plan.next_due, Plan.created_at, Plan.id)
                                   .limit(limit)))


UPDATABLE = ("kind", "interval_months", "next_due", "later_interval_months", "switch_on",
             "ends_on", "note")


def change(actor: User, plan: Plan, changes: dict) -> Plan:
    """Change a running plan; only the fields given. Raises Conflict once cancelled,
    Invalid naming the field."""
    if not plan.active:
        raise Conflict(str(_l("This plan is cancelled or has ended.")), code="plan_cancelled")
    merged = {name: changes.get(name, getattr(plan, name)) for name in UPDATABLE}
    if "note" in changes:
        merged["note"] = (changes["note"] or "").strip() or None
    errors = _check_dates(merged["next_due"], merged["ends_on"],
                          merged["later_interval_months"], merged["switch_on"])
    if errors:
        raise Invalid(_l("The plan cannot be saved."), errors)
    before = {name: _plain(getattr(plan, name)) for name in UPDATABLE}
    for name, value in merged.items():
        setattr(plan, name, value)
    changed = {name: [before[name], _plain(value)] for name, value in merged.items()
               if before[name] != _plain(value)}
    if changed:
        audit.record("plan.updated", actor, plan, changes=changed)
    db.session.flush()
    return plan


def cancel(actor: User, plan: Plan, reason: str) -> Plan:
    """Stop the plan: nothing more is made from it; what was made stays."""
    if not plan.active:
        raise Conflict(str(_l("This plan is cancelled or has ended.")), code="plan_cancelled")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Say why the plan stops."), {"reason": [_l("Say why the plan stops.")]})
    plan.active = False
    audit.record("plan.cancelled", actor, plan, reason=reason)
    db.session.flush()
    return plan


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def upcoming(horizon_days: int = 30, limit: int = 50, now: datetime | None = None
             ) -> list[Plan]:
    """Running plans whose next call or visit falls within ``horizon_days`` (the board's
    "planned" list: what the dispatcher must book next), soonest first."""
    now = now or utcnow()
    today = now.astimezone(ZoneInfo(orders.calendar().timezone)).date()
    return list(db.session.scalars(
        select(Plan).where(Plan.active.is_(True),
                           Plan.next_due <= today + timedelta(days=horizon_days))
        .order_by(Plan.next_due, Plan.created_at, Plan.id).limit(limit)))


def installation_row(order) -> dict:
    """Seed 004: after an installation, a call monthly in the first year, then quarterly
    (a row for a Core insert: the hook runs inside a flush)."""
    today = utcnow().astimezone(ZoneInfo(orders.calendar().timezone)).date()
    return {"id": uuid.uuid4(), "customer_id": order.customer_id, "asset_id": order.asset_id,
            "kind": "call", "source": "installation", "interval_months": 1,
            "later_interval_months": 3, "switch_on": add_months(today, 12),
            "next_due": add_months(today, 1), "ends_on": None, "note": order.number,
            "active": True, "owner_id": order.owner_id, "created_at": utcnow()}


def generate_due(now: datetime | None = None) -> int:
    """Make the calls and visits due within ``PLAN_LEAD_DAYS``; returns how many."""
    now = now or utcnow()
    zone = ZoneInfo(orders.calendar().timezone)
    horizon = now.astimezone(zone).date() + timedelta(days=current_app.config["PLAN_LEAD_DAYS"])
    made = 0
    plans = db.session.scalars(select(Plan).where(Plan.active.is_(True),
                                                  Plan.next_due <= horizon)).all()
    for plan in plans:
        while plan.active and plan.next_due <= horizon:
            due, following = plan.next_due, next_after(plan, plan.next_due)
            moved = db.session.execute(
                update(Plan).where(Plan.id == plan.id, Plan.next_due == due)
                .values(next_due=following).execution_options(synchronize_session=False))
            if moved.rowcount != 1:
                break  # another worker took it
            plan.next_due = following
            _make(plan, due, now, zone)
            made += 1
            if plan.ends_on is not None and following > plan.ends_on:
                plan.active = False
    db.session.flush()
    return made


def _make(plan: Plan, due: date, now: datetime, zone: ZoneInfo) -> None:
    at = datetime.combine(due, time(9, 0), zone)
    if plan.kind == "call":
        db.session.add(FollowUp(customer_id=plan.customer_id, plan_id=plan.id, status="pending",
                                reason="plan", urgent=False, due_at=at, attempts=0,
                                created_at=now))
        return
    owner = db.session.get(User, plan.owner_id) if plan.owner_id else None
    if owner is None:
        owner = db.session.scalar(select(User).where(User.role == "admin").limit(1))
    from flask_babel import force_locale

    with force_locale(plan.customer.language or "en"):
        description = plan.note or str(_l("Planned maintenance"))
    orders.create_order(owner, {
        "channel": "phone", "type": "maintenance", "priority": "low",
        "customer_id": plan.customer_id, "asset_id": plan.asset_id,
        "description": description,
        "preferred_start": at, "preferred_end": at + timedelta(hours=9)})


def for_customer(customer_id: uuid.UUID) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.customer_id == customer_id)
                                   .order_by(Plan.next_due)))


def all_active(limit: int = 500) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.active.is_(True))
                                   .order_by(Plan.next_due).limit(limit)))
