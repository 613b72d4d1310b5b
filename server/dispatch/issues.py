"""The dispatcher's view of sync problems: conflicts that changed someone's data and
mutations that could never apply, each told in a sentence and tied to its order.

The lists themselves come from ``server.sync_api.service``; this module adds what a person
needs to act: counts for the top bar, who and which order, and what the phone had sent.
Resolving may restore a value a technician's edit overwrote.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from sync.models import RejectedMutation, SyncConflict

from ..accounts.models import Device, User
from ..errors import Invalid, NotFound
from ..extensions import db
from ..sync_api import service as sync_lists
from ..workorders import service as orders
from ..workorders.models import WorkOrder
from ..words import term


def open_issue_counts() -> dict[str, int]:
    return {
        "conflicts": db.session.scalar(select(func.count()).select_from(SyncConflict)
                                       .where(SyncConflict.resolved_at.is_(None))),
        "rejections": db.session.scalar(select(func.count()).select_from(RejectedMutation)
                                        .where(RejectedMutation.resolved_at.is_(None))),
    }


@dataclass
class Issue:
    item: SyncConflict | RejectedMutation
    order: WorkOrder | None
    device: Device | None
    technician: User | None
    resolved_by: User | None
    summary: str
    sent: str  # what the phone had sent (rejections), or the values involved (conflicts)


def _by_id(model, ids) -> dict:
    ids = sorted({i for i in ids if i})
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))} \
        if ids else {}


def _short(value, limit: int = 80) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def conflict_summary(c: SyncConflict) -> str:
    data = c.data or {}
    if c.kind == "field_overwritten":
        return _("%(field)s was changed in the office, then the technician's edit "
                 "overwrote it.", field=data.get("field", "?"))
    if c.kind == "after_reassignment":
        return _("Work arrived from the phone after the order left this technician's list.")
    if c.kind.startswith("completed_after_"):
        return _("The technician completed the job on site while the order was %(status)s; "
                 "the completion was kept.", status=term(c.kind.removeprefix("completed_after_")))
    if c.kind.startswith("signed_while_"):
        return _("The customer signed on the phone while the order was %(status)s; the "
                 "signature was kept.", status=term(c.kind.removeprefix("signed_while_")))
    return c.message


def conflict_values(c: SyncConflict) -> str:
    data = c.data or {}
    if c.kind == "field_overwritten":
        return _("office: %(old)s → technician: %(new)s", old=_short(data.get("overwritten")),
                 new=_short(data.get("value")))
    return ""


def rejection_summary(r: RejectedMutation) -> str:
    if r.reason == "not_in_scope":
        return _("The order was never assigned to this technician.")
    if r.reason == "order_closed":
        return _("The order was already closed or cancelled when this arrived.")
    if r.reason == "unknown_mutation":
        return _("The phone runs an app version this server does not understand.")
    if r.reason in ("invalid_arguments", "invalid_value"):
        return _("The phone sent a value the server refuses.")
    if r.reason == "unknown_part":
        return _("The part used is not in the catalogue.")
    if r.reason == "return_exceeds_use":
        return _("More parts returned than were used on the order.")
    if r.reason == "no_van":
        return _("The technician has no van stock location.")
    return _("The state machine refused it: %(reason)s", reason=term(r.reason))


def what_was_sent(r: RejectedMutation) -> str:
    args = r.args if isinstance(r.args, dict) else {}
    if r.name == "transition":
        return _("status → %(status)s", status=term(args.get("to", "?")))
    if r.name == "set_fields":
        fields = args.get("fields") or {}
        return "; ".join(f"{name} = {_short(value, 40)}" for name, value in fields.items())
    if r.name == "add_note":
        return _("note: %(text)s", text=_short(args.get("body")))
    if r.name == "use_part":
        return _("part used × %(quantity)s", quantity=args.get("quantity", "?"))
    if r.name == "return_part":
        return _("part returned × %(quantity)s", quantity=args.get("quantity", "?"))
    return r.name.replace("_", " ")


def issues(kind: str, unresolved: bool, work_order_id: uuid.UUID | None = None) -> list[Issue]:
    """Conflicts (``kind="conflicts"``) or rejections, newest first, ready to show."""
    if kind == "conflicts":
        items = sync_lists.list_conflicts(unresolved, work_order_id)
    else:
        items = sync_lists.list_rejections(unresolved, work_order_id)
    order_by = _by_id(WorkOrder, [i.work_order_id for i in items])
    devices = _by_id(Device, [i.device_id for i in items])
    people = _by_id(User, [d.user_id for d in devices.values()]
                    + [i.resolved_by_id for i in items])
    result = []
    for item in items:
        device = devices.get(item.device_id)
        if kind == "conflicts":
            summary, sent = conflict_summary(item), conflict_values(item)
        else:
            summary, sent = rejection_summary(item), what_was_sent(item)
        result.append(Issue(item, order_by.get(item.work_order_id), device,
                            people.get(device.user_id) if device else None,
                            people.get(item.resolved_by_id), summary, sent))
    return result


def resolve_conflict(actor: User, conflict_id: uuid.UUID, note: str | None,
                     restore: bool = False) -> SyncConflict:
    """Mark a conflict handled; with ``restore`` put back the value the phone overwrote
    (recorded in the order's history like any office edit).

    Raises NotFound, Invalid when there is nothing to restore, Conflict when the order is
    closed.
    """
    conflict = db.session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise NotFound(_("No such conflict."))
    if restore:
        data = conflict.data or {}
        if conflict.kind != "field_overwritten" or "field" not in data:
            raise Invalid(_("Only an overwritten field can be restored."))
        order = db.session.get(WorkOrder, conflict.work_order_id)
        orders.update_order(actor, order, {data["field"]: data.get("overwritten")})
    return sync_lists.resolve(SyncConflict, conflict_id, actor, note)


def resolve_rejection(actor: User, rejection_id: uuid.UUID, note: str | None
                      ) -> RejectedMutation:
    if db.session.get(RejectedMutation, rejection_id) is None:
        raise NotFound(_("No such rejected change."))
    return sync_lists.resolve(RejectedMutation, rejection_id, actor, note)
