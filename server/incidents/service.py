"""The rules of batch-failure incidents: detection, levels, links, deadlines. Flushes only.

Detection (``detect``, run every few minutes by ``server.tasks.incident_detection``)
counts the requests and repairs of the last ``INCIDENT_WINDOW_DAYS`` per product model and
one of four things they share (``KINDS``), one grouped query per kind:

* ``symptom``    — the symptom code given at intake;
* ``batch``      — the appliance's production batch, where known: ``Asset.production_batch``
  when recorded, else the model's serial rule in ``INCIDENT_BATCH_RULES``; assets of
  unknown batch are not counted in any batch group;
* ``part``       — the SKU of a part fitted on the order (a line with a positive quantity);
* ``root_cause`` — the visit's root cause, except ``no_fault_found`` and ``misuse``.

Each kind opens incidents of its own (``Incident.kind``, ``group_value``); one order can
count in several (a symptom group and a batch group), but once per incident, however many
lines of the same part it has. A group whose count reaches a level's ``min_reports``
(``INCIDENT_LEVELS``) opens an incident at that level, or raises the open one; it never
lowers a level. Every level change is written in the incident's history, and reaching a
level sets that level's deadlines (hours from now) unless the incident already has them.
The group's orders in the window are linked to the incident; an order a person unlinked
stays unlinked.

A person may set the level either way (``set_level``, a reason is required). Detection
then raises it again only when the count reaches a threshold it had not reached when the
person decided. A closed incident stops counting: orders created before it closed never
open a new incident for the same group.

Missed deadlines are escalated by the SLA sweep (``escalate_missed``): once per deadline,
written in the history and notified to every active admin (the executive line) naming
the next level's owner.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, insert, select

from ..accounts.models import User
from ..assets.models import Asset
from ..customers.models import Address, Customer
from ..database import utcnow
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..settings import service as settings
from ..inventory.models import Part
from ..notifications.models import Notification
from ..workorders.models import PartUsage, WorkOrder
from ..workorders.service import next_number
from .models import (
    Incident,
    IncidentDeadline,
    IncidentLevelChange,
    IncidentMessage,
    IncidentOrder,
)

# Words the console shows through ``term``; listed for the Chinese catalogue.
VOCABULARY = (
    _l("regional_manager"), _l("hq_technical"), _l("executive"),
    _l("compensation_plan"), _l("explanation"), _l("public_apology"), _l("recall_plan"),
    _l("inspect_affected_units"), _l("compensation_plan_to_customers"),
    _l("explanation_to_customers"), _l("free_upgrade"), _l("extended_warranty"),
    _l("dedicated_service_channel"), _l("detected"), _l("manual"), _l("deadline_missed"),
    _l("met"), _l("missed"), _l("pending"),
)


# What a group shares besides the product model, in the order detection runs them.
KINDS = ("symptom", "batch", "part", "root_cause")
# Root causes that say nothing against the product: they never open an incident.
NOT_A_PRODUCT_FAULT = ("no_fault_found", "misuse")


@dataclass(frozen=True)
class DetectionResult:
    opened: int
    raised: int
    linked: int


def levels() -> list[dict]:
    return current_app.config["INCIDENT_LEVELS"]


def level_config(level: int) -> dict:
    for item in levels():
        if item["level"] == level:
            return item
    raise Invalid("No such incident level.", {"level": [f"must be one of "
                                                       f"{[i['level'] for i in levels()]}"]})


def level_for(count: int) -> int:
    """The level ``count`` reports reach, 0 when below the first threshold."""
    reached = [item["level"] for item in levels() if count >= item["min_reports"]]
    return max(reached, default=0)


def _window_start(now: datetime) -> datetime:
    return now - timedelta(days=current_app.config["INCIDENT_WINDOW_DAYS"])


def batch_of():
    """The SQL expression of an asset's production batch: the one recorded on the asset,
    else its model's serial rule (set in Administration, else ``INCIDENT_BATCH_RULES``),
    else NULL (unknown)."""
    recorded = func.nullif(func.trim(Asset.production_batch), "")
    rules = settings.batch_rules()
    if not rules:
        return recorded
    derived = case(*[(Asset.model == model, func.substr(Asset.serial, rule["start"],
                                                         rule["length"]))
                     for model, rule in sorted(rules.items())], else_=None)
    return func.coalesce(recorded, func.nullif(derived, ""))


def _reports(kind: str, start: datetime, now: datetime):
    """One row per (order, value) of the window's reports whose ``kind`` value is known:
    columns ``model``, ``value``, ``order_id`` and ``created_at``. Cancelled orders never count."""
    query = (select(Asset.model.label("model"), WorkOrder.id.label("order_id"),
                    WorkOrder.created_at.label("created_at"))
             .select_from(WorkOrder).join(Asset, WorkOrder.asset_id == Asset.id)
             .where(WorkOrder.created_at >= start, WorkOrder.created_at <= now,
                    WorkOrder.status != "cancelled"))
    if kind == "symptom":
        value = WorkOrder.symptom_code
    elif kind == "batch":
        value = batch_of()
    elif kind == "part":
        # A part fitted on the order (a return is a line with a negative quantity).
        value = Part.sku
        query = (query.join(PartUsage, PartUsage.work_order_id == WorkOrder.id)
                 .join(Part, PartUsage.part_id == Part.id).where(PartUsage.quantity > 0))
    elif kind == "root_cause":
        value = WorkOrder.root_cause
        query = query.where(WorkOrder.root_cause.not_in(NOT_A_PRODUCT_FAULT))
    else:  # pragma: no cover - KINDS is closed
        raise ValueError(kind)
    return query.add_columns(value.label("value")).where(value.is_not(None)).subquery()


def _groups(kind: str, start: datetime, now: datetime, at_least: int = 1,
            model: str | None = None, value: str | None = None) -> dict[tuple[str, str], int]:
    """Orders per (model, value) in the window, each order once per group."""
    rows = _reports(kind, start, now)
    counted = func.count(func.distinct(rows.c.order_id)) if kind == "part" \
        else func.count(rows.c.order_id)
    query = select(rows.c.model, rows.c.value, counted).group_by(rows.c.model, rows.c.value)
    if model is not None:
        query = query.where(rows.c.model == model, rows.c.value == value)
    return {(m, v): n for m, v, n in db.session.execute(query.having(counted >= at_least))}


def detect(now: datetime | None = None) -> DetectionResult:
    """Open or raise incidents for every group of every kind over a threshold; link their
    orders."""
    now = now or utcnow()
    total = DetectionResult(0, 0, 0)
    for kind in KINDS:
        result = _detect_kind(kind, now)
        total = DetectionResult(total.opened + result.opened, total.raised + result.raised,
                                total.linked + result.linked)
    db.session.flush()
    return total


def _detect_kind(kind: str, now: datetime) -> DetectionResult:
    start = _window_start(now)
    lowest = min(item["min_reports"] for item in levels())
    groups = _groups(kind, start, now, lowest)
    if not groups:
        return DetectionResult(0, 0, 0)
    models = sorted({model for model, _ in groups})
    incidents = db.session.scalars(select(Incident).where(
        Incident.kind == kind, Incident.product_model.in_(models))).all()
    open_by_key = {(i.product_model, i.group_value): i for i in incidents if i.status == "open"}
    closed_at: dict[tuple[str, str], datetime] = {}
    for i in incidents:
        key = (i.product_model, i.group_value)
        if i.status == "closed" and i.closed_at and i.closed_at > closed_at.get(key, start):
            closed_at[key] = i.closed_at
    opened = raised = 0
    to_link: list[tuple[Incident, tuple[str, str], datetime]] = []
    for key, count in sorted(groups.items()):
        group_start = start
        if key not in open_by_key and key in closed_at:
            # Reports the closed incident already answered must not open another one.
            group_start = closed_at[key]
            count = _groups(kind, group_start, now, model=key[0], value=key[1]).get(key, 0)
        target = level_for(count)
        if target == 0:
            continue
        incident = open_by_key.get(key)
        if incident is None:
            incident = _open(key, target, count, now, kind)
            opened += 1
        else:
            incident.window_count = count
            reviewed = level_for(incident.reviewed_count or 0)
            if target > incident.level and target > reviewed:
                _change_level(incident, target, "detected", count, now)
                raised += 1
        to_link.append((incident, key, group_start))
    return DetectionResult(opened, raised, _link_groups(kind, start, now, to_link))


def _open(key: tuple[str, str], level: int, count: int, now: datetime,
          kind: str = "symptom") -> Incident:
    incident = Incident(number=next_number("INC", now.year), product_model=key[0],
                        kind=kind, group_value=key[1],
                        symptom_code=key[1] if kind == "symptom" else None,
                        level=0, status="open", window_count=count,
                        opened_at=now, level_changed_at=now)
    db.session.add(incident)
    db.session.flush()
    _change_level(incident, level, "detected", count, now)
    return incident


def _change_level(incident: Incident, level: int, cause: str, count: int, now: datetime,
                  actor: User | None = None, reason: str | None = None) -> None:
    db.session.add(IncidentLevelChange(
        incident_id=incident.id, from_level=incident.level or None, to_level=level,
        cause=cause, report_count=count, actor_id=actor.id if actor else None,
        reason=reason, changed_at=now))
    if level > incident.level:
        have = set(db.session.scalars(select(IncidentDeadline.kind).where(
            IncidentDeadline.incident_id == incident.id)))
        for item in levels():
            if item["level"] > level:
                continue
            for deadline in item["deadlines"]:
                if deadline["kind"] not in have:
                    db.session.add(IncidentDeadline(
                        incident_id=incident.id, level=item["level"], kind=deadline["kind"],
                        due_at=now + timedelta(hours=deadline["hours"])))
    incident.level = level
    incident.level_changed_at = now


def _link_groups(kind: str, start: datetime, now: datetime,
                 groups: list[tuple[Incident, tuple[str, str], datetime]]) -> int:
    """Link each group's orders reported since its start that have no link row for its
    incident yet (an order unlinked by hand keeps its row, so it is not linked again).

    One query for all the kind's groups, which returns only the orders still to link
    (none, in a steady run) — not one scan of the window per incident: with hundreds of
    open incidents a steady run took seconds."""
    if not groups:
        return 0
    rows = _reports(kind, start, now)
    since = {incident.id: group_start for incident, _, group_start in groups}
    already = (select(IncidentOrder.id)
               .where(IncidentOrder.incident_id == Incident.id,
                      IncidentOrder.work_order_id == rows.c.order_id).exists())
    ids = sorted(since)
    to_link: dict[uuid.UUID, list[uuid.UUID]] = {}
    for chunk in range(0, len(ids), 500):
        for incident_id, order_id, created_at in db.session.execute(
                select(Incident.id, rows.c.order_id, rows.c.created_at).distinct()
                .select_from(rows)
                .join(Incident, (Incident.product_model == rows.c.model)
                      & (Incident.group_value == rows.c.value))
                .where(Incident.kind == kind, Incident.id.in_(ids[chunk:chunk + 500]),
                       ~already)):
            if created_at >= since[incident_id]:
                to_link.setdefault(incident_id, []).append(order_id)
    incidents = {incident.id: incident for incident, _, _ in groups}
    for incident_id, order_ids in sorted(to_link.items(),
                                         key=lambda item: incidents[item[0]].number):
        order_ids.sort()
        db.session.execute(insert(IncidentOrder.__table__), [
            {"id": uuid.uuid4(), "incident_id": incident_id, "work_order_id": order_id,
             "source": "detected", "linked_at": now} for order_id in order_ids])
        apply_incident_tier(incidents[incident_id], order_ids, now)
    return sum(len(order_ids) for order_ids in to_link.values())


def group_label(incident: Incident) -> str:
    """What the incident's group is, in the reader's language: "Batch 2509 of E60VN3",
    "Part THERMO-12 replaced", "Root cause: Manufacturing defect", "Symptom: No hot water"."""
    from ..intake import symptoms
    from ..reports.render import ROOT_CAUSES

    value = incident.group_value
    if incident.kind == "batch":
        return _("Batch %(batch)s of %(model)s", batch=value, model=incident.product_model)
    if incident.kind == "part":
        return _("Part %(part)s replaced", part=value)
    if incident.kind == "root_cause":
        return _("Root cause: %(cause)s", cause=str(ROOT_CAUSES.get(value, value)))
    symptom = symptoms.get(value)
    return _("Symptom: %(symptom)s", symptom=str(symptom.label) if symptom else value)


def list_incidents(status: str | None = None, page: int = 1, per_page: int = 50
                   ) -> tuple[list[Incident], int]:
    query = select(Incident)
    if status:
        query = query.where(Incident.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Incident.status.desc(), Incident.level.desc(),
                                              Incident.opened_at.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total


def get_incident(incident_id: uuid.UUID) -> Incident:
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def get_by_number(number: str) -> Incident:
    incident = db.session.scalar(select(Incident).where(Incident.number == number))
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def set_level(actor: User, incident: Incident, level: int, reason: str,
              now: datetime | None = None) -> Incident:
    """A person sets the level (either way). Raises Invalid for an unknown level or a
    missing reason, Conflict on a closed incident."""
    now = now or utcnow()
    level_config(level)
    if not reason or not reason.strip():
        raise Invalid("Say why the level changes.", {"reason": ["is required"]})
    _check_open(incident)
    if level != incident.level:
        _change_level(incident, level, "manual", incident.window_count, now, actor,
                      reason.strip())
    incident.reviewed_count = incident.window_count
    db.session.flush()
    return incident


def close(actor: User, incident: Incident, reason: str, now: datetime | None = None
          ) -> Incident:
    """Close the incident; its orders stay linked. Raises Invalid without a reason."""
    now = now or utcnow()
    if not reason or not reason.strip():
        raise Invalid("Say why the incident is closed.", {"reason": ["is required"]})
    _check_open(incident)
    db.session.add(IncidentLevelChange(
        incident_id=incident.id, from_level=incident.level, to_level=incident.level,
        cause="closed", report_count=incident.window_count, actor_id=actor.id,
        reason=reason.strip(), changed_at=now))
    incident.status, incident.closed_at = "closed", now
    db.session.flush()
    return incident


def _check_open(incident: Incident) -> None:
    if incident.status != "open":
        raise Conflict("This incident is closed.", {"status": ["is closed"]})


def link_orders(actor: User, incident: Incident, order_ids: list[uuid.UUID],
                now: datetime | None = None) -> int:
    """Link orders by hand (or again after an unlink). Raises Invalid naming unknown ids;
    nothing is linked then."""
    now = now or utcnow()
    wanted = list(dict.fromkeys(order_ids))
    found = set(db.session.scalars(select(WorkOrder.id).where(WorkOrder.id.in_(wanted))))
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise Invalid("Some orders do not exist.",
                      {"link_orders": [f"no such work order: {', '.join(missing)}"]})
    rows = {row.work_order_id: row for row in db.session.scalars(select(IncidentOrder).where(
        IncidentOrder.incident_id == incident.id, IncidentOrder.work_order_id.in_(wanted)))}
    changed = 0
    for order_id in wanted:
        row = rows.get(order_id)
        if row is None:
            db.session.add(IncidentOrder(incident_id=incident.id, work_order_id=order_id,
                                         source="manual", linked_at=now, linked_by_id=actor.id))
            changed += 1
        elif row.unlinked_at is not None:
            row.unlinked_at, row.unlinked_by_id = None, None
            row.source, row.linked_at, row.linked_by_id = "manual", now, actor.id
            changed += 1
    apply_incident_tier(incident, wanted, now, actor)
    db.session.flush()
    return changed


def apply_incident_tier(incident: Incident, order_ids: list[uuid.UUID], now: datetime,
                        actor: User | None = None) -> int:
    """Orders linked to an incident get the incident SLA tier (``sla.incident_deadlines``,
    counted from ``now``): each deadline still running moves earlier when the tier's is
    earlier, never later; written in the order's history. Resolved orders keep theirs.
    Returns how many orders changed."""
    from ..workorders import service as orders
    from ..workorders.sla import RESOLVED, incident_deadlines

    tier = incident_deadlines(now, orders.calendar())
    changed = 0
    for chunk in range(0, len(order_ids), 500):
        for order in db.session.scalars(select(WorkOrder).where(
                WorkOrder.id.in_(order_ids[chunk:chunk + 500]),
                WorkOrder.status.not_in(RESOLVED)).order_by(WorkOrder.number)):
            moved = {}
            if order.respond_by is None or tier.respond_by < order.respond_by:
                moved["respond_by"] = tier.respond_by
            if order.resolve_by is None or tier.resolve_by < order.resolve_by:
                moved["resolve_by"] = tier.resolve_by
            if not moved:
                continue
            for name, value in moved.items():
                setattr(order, name, value)
            orders.add_event(order, "sla_override", actor, server_time=now, data={
                "incident": incident.number, "from": order.priority, "to": order.priority,
                **{name: value.isoformat() for name, value in moved.items()}})
            changed += 1
    return changed


def unlink_orders(actor: User, incident: Incident, order_ids: list[uuid.UUID],
                  now: datetime | None = None) -> int:
    """Unlink orders; detection will not link them again. Raises Invalid naming ids that
    are not linked; nothing is unlinked then."""
    now = now or utcnow()
    wanted = list(dict.fromkeys(order_ids))
    rows = {row.work_order_id: row for row in db.session.scalars(select(IncidentOrder).where(
        IncidentOrder.incident_id == incident.id, IncidentOrder.work_order_id.in_(wanted),
        IncidentOrder.unlinked_at.is_(None)))}
    missing = [str(i) for i in wanted if i not in rows]
    if missing:
        raise Invalid("Some orders are not linked to this incident.",
                      {"unlink_orders": [f"not linked: {', '.join(missing)}"]})
    for row in rows.values():
        row.unlinked_at, row.unlinked_by_id = now, actor.id
    db.session.flush()
    return len(rows)


def mark_deadline_met(actor: User, incident: Incident, deadline_id: uuid.UUID,
                      now: datetime | None = None) -> IncidentDeadline:
    """Record that what a deadline asked for was done. Raises NotFound for another
    incident's deadline, Conflict when it was already met."""
    deadline = db.session.get(IncidentDeadline, deadline_id)
    if deadline is None or deadline.incident_id != incident.id:
        raise NotFound("No such deadline on this incident.")
    if deadline.met_at is not None:
        raise Conflict("This deadline is already met.", {"deadline": ["already met"]})
    deadline.met_at, deadline.met_by_id = now or utcnow(), actor.id
    db.session.flush()
    return deadline


def deadline_state(deadline: IncidentDeadline, now: datetime | None = None) -> str:
    """met, missed (past due and not met) or pending."""
    if deadline.met_at is not None:
        return "met"
    return "missed" if deadline.due_at <= (now or utcnow()) else "pending"


def escalate_missed(now: datetime | None = None) -> int:
    """Escalate every missed deadline of an open incident once; returns how many."""
    now = now or utcnow()
    rows = db.session.execute(
        select(IncidentDeadline, Incident)
        .join(Incident, IncidentDeadline.incident_id == Incident.id)
        .where(Incident.status == "open", IncidentDeadline.met_at.is_(None),
               IncidentDeadline.escalated_at.is_(None), IncidentDeadline.due_at <= now)
        .order_by(IncidentDeadline.due_at)).all()
    if not rows:
        return 0
    admins = db.session.scalars(select(User).where(User.role == "admin",
                                                   User.active.is_(True))).all()
    top = max(item["level"] for item in levels())
    notices = []
    for deadline, incident in rows:
        deadline.escalated_at = now
        to_owner = level_config(min(incident.level + 1, top))["owner"]
        db.session.add(IncidentLevelChange(
            incident_id=incident.id, from_level=incident.level, to_level=incident.level,
            cause="deadline_missed", report_count=incident.window_count,
            reason=f"{deadline.kind} was due {deadline.due_at.isoformat()}; "
                   f"escalated to {to_owner}", changed_at=now))
        data = {"number": incident.number, "incident_id": str(incident.id),
                "deadline": deadline.kind, "due": deadline.due_at.isoformat(),
                "level": to_owner}
        message = (f"{incident.number} missed its {deadline.kind} deadline "
                   f"({deadline.due_at.isoformat()}); escalated to {to_owner}.")
        notices += [{"id": uuid.uuid4(), "user_id": admin.id, "work_order_id": None,
                     "kind": "incident_deadline", "message": message, "created_at": now,
                     "read_at": None, "data": data} for admin in admins]
    if notices:
        db.session.execute(insert(Notification.__table__), notices)
    db.session.flush()
    return len(rows)


@dataclass
class Affected:
    """What an incident touches: its linked orders and the counts the page draws."""

    orders: list[tuple[WorkOrder, Customer, Asset, Address]]
    by_region: list[tuple[str, int]]
    by_day: list[tuple[str, int]]
    customers: int
    assets: int


def affected(incident: Incident, tz) -> Affected:
    """The linked orders (newest first) with their customer, asset and address, and the
    counts by city and by day in the company's time zone ``tz``."""
    rows = db.session.execute(
        select(WorkOrder, Customer, Asset, Address)
        .join(IncidentOrder, IncidentOrder.work_order_id == WorkOrder.id)
        .join(Customer, WorkOrder.customer_id == Customer.id)
        .join(Asset, WorkOrder.asset_id == Asset.id)
        .join(Address, WorkOrder.address_id == Address.id)
        .where(IncidentOrder.incident_id == incident.id, IncidentOrder.unlinked_at.is_(None))
        .order_by(WorkOrder.created_at.desc(), WorkOrder.number)).all()
    regions = Counter(address.city for _, _, _, address in rows)
    days = Counter(order.created_at.astimezone(tz).date().isoformat()
                   for order, _, _, _ in rows)
    return Affected(
        orders=[tuple(row) for row in rows],
        by_region=sorted(regions.items(), key=lambda kv: (-kv[1], kv[0])),
        by_day=sorted(days.items()),
        customers=len({customer.id for _, customer, _, _ in rows}),
        assets=len({asset.id for _, _, asset, _ in rows}))


def linked_count(incident: Incident) -> int:
    return db.session.scalar(select(func.count()).select_from(IncidentOrder).where(
        IncidentOrder.incident_id == incident.id, IncidentOrder.unlinked_at.is_(None)))


def update(actor: User, incident: Incident, changes: dict) -> Incident:
    """Apply an API change set: level, then status, then links. Raises as the parts do;
    the request rolls everything back on any refusal."""
    if "level" in changes:
        set_level(actor, incident, changes["level"], changes.get("reason") or "")
    if changes.get("link_orders"):
        _check_open(incident)
        link_orders(actor, incident, changes["link_orders"])
    if changes.get("unlink_orders"):
        unlink_orders(actor, incident, changes["unlink_orders"])
    if changes.get("status") == "closed":
        close(actor, incident, changes.get("reason") or "")
    db.session.refresh(incident)
    return incident


def checklist(incident: Incident) -> list[str]:
    """The plan's steps for every level up to the incident's, in order."""
    return [step for item in levels() if item["level"] <= incident.level
            for step in item["checklist"]]


def linked_order_ids(incident: Incident) -> list[uuid.UUID]:
    return list(db.session.scalars(select(IncidentOrder.work_order_id).where(
        IncidentOrder.incident_id == incident.id, IncidentOrder.unlinked_at.is_(None))
        .order_by(IncidentOrder.linked_at, IncidentOrder.work_order_id)))


# -- telling the affected customers -----------------------------------------------------------

def message_customers(actor: User, incident: Incident, text_en: str | None,
                      text_zh: str | None) -> IncidentMessage:
    """Send one message to every customer with an order linked to ``incident`` (unlinked
    ones left out), on each of their channels, in their language (the other text when
    theirs is empty), about their latest linked order. Through the customer outbox: queued
    in this transaction, delivered after the commit, never twice. Raises Invalid naming
    ``text_en`` when both texts are empty, Conflict when the incident is closed."""
    from ..messaging.service import queue_notice

    _check_open(incident)
    texts = {"en": (text_en or "").strip() or None, "zh": (text_zh or "").strip() or None}
    if not any(texts.values()):
        raise Invalid("Write the message in English, Chinese or both.",
                      {"text_en": ["write the message in at least one language"]})
    for code, text in texts.items():
        if text and len(text) > 1000:
            raise Invalid("The message is too long.", {f"text_{code}": ["at most 1000 characters"]})
    sent = IncidentMessage(incident_id=incident.id, text_en=texts["en"], text_zh=texts["zh"],
                           actor_id=actor.id)
    db.session.add(sent)
    db.session.flush()
    latest: dict[uuid.UUID, tuple[WorkOrder, Customer]] = {}
    for order, customer in db.session.execute(
            select(WorkOrder, Customer)
            .join(IncidentOrder, IncidentOrder.work_order_id == WorkOrder.id)
            .join(Customer, WorkOrder.customer_id == Customer.id)
            .where(IncidentOrder.incident_id == incident.id,
                   IncidentOrder.unlinked_at.is_(None))
            .order_by(WorkOrder.created_at, WorkOrder.number)):
        latest[customer.id] = (order, customer)  # the newest order wins
    model = incident.product_model
    for order, customer in latest.values():
        language = customer.language if customer.language in texts else "en"
        said = texts[language] or texts["zh" if language == "en" else "en"]
        queue_notice(db.session, order, customer, "incident_notice",
                     f"incident:{sent.id}:{customer.id}",
                     {"said": said, "model": model, "incident": incident.number})
    sent.customers = len(latest)
    db.session.flush()
    return sent


def messages_sent(incident: Incident) -> list[tuple[IncidentMessage, dict[str, int]]]:
    """The incident's messages to customers, newest first, each with its outbox rows
    counted by status (queued, sending, sent, failed)."""
    from ..messaging.models import Message

    sent = db.session.scalars(select(IncidentMessage).where(
        IncidentMessage.incident_id == incident.id)
        .order_by(IncidentMessage.created_at.desc())).all()
    out = []
    for item in sent:
        counts = dict(db.session.execute(
            select(Message.status, func.count()).where(
                Message.kind == "incident_notice",
                Message.dedupe_key.like(f"incident:{item.id}:%"))
            .group_by(Message.status)).all())
        out.append((item, counts))
    return out
