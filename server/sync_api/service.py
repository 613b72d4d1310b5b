"""What the sync endpoints need beyond the engine: protocol checks and the office's lists."""

from __future__ import annotations

import json
import uuid

from flask import Response, current_app, g
from sqlalchemy import select

from sync import pull as feed
from sync.models import RejectedMutation, SyncConflict

from ..database import utcnow
from ..errors import NotFound, ServiceError
from ..extensions import db
from ..settings import service as settings
from ..workorders.service import technician_of

# Protocol versions this server speaks. A device on an older one may still push (so its
# outbox drains) but must update before it pulls.
# Protocol 2 (issue 17) sends a pulled row's id once, on the change, not again in ``data``;
# a protocol-1 app still gets it in both places.
# Protocol 3 (issue 17) lets a first sync ask for the scope's jobs first (§7d); a pull
# without jobs_first / jobs_upto is the same as in protocol 2.
PROTOCOL = 3


class UpgradeRequired(ServiceError):
    status = 426


class NotATechnician(ServiceError):
    status = 403


def read_before_push(device) -> None:
    """What a push reads before it writes, read with its token (``load_api_actor``): the
    caller's technician row, and the company's settings (the KPI rollup's calendar, read
    at commit). On SQLite a push holds the one write turn from its first statement to its
    commit; these two statements then ran inside it, every other writer waiting.
    Both are as they were when the token was checked, a moment before the push began."""
    g.push_technician = (device.user_id, technician_of(device.user))
    settings.read_stored()


def technician_for(user):
    """Raises NotATechnician: only technicians have a scope to sync."""
    read = g.get("push_technician")
    tech = read[1] if read is not None and read[0] == user.id else technician_of(user)
    if tech is None:
        raise NotATechnician("Only technicians sync a device.")
    return tech


def record_app_version(device, version: str | None) -> None:
    """The app version the phone says it runs, when it says one. Only a new one is
    assigned: the same value would still mark the device changed, and every push would
    take its row through the flush for nothing."""
    if version and version != device.app_version:
        device.app_version = version


def check_protocol(protocol: int, pulling: bool) -> None:
    """Raises UpgradeRequired for a device too old to pull, or too new for this server."""
    if protocol > PROTOCOL:
        raise UpgradeRequired(f"This server speaks sync protocol {PROTOCOL}; "
                              f"the device speaks {protocol}.", code="server_too_old")
    if pulling and protocol < current_app.config["SYNC_MIN_PROTOCOL"]:
        raise UpgradeRequired("Update the app: push your pending changes first, then update.",
                              {"protocol": [f"must be at least "
                                            f"{current_app.config['SYNC_MIN_PROTOCOL']}"]},
                              code="upgrade_required")


def pull_body(technician, device, args: dict, limit: int) -> dict:
    """One pull page as the wire has it (``PullOut``'s shape, docs/sync-protocol.md §7);
    ``args`` as ``PullQuery`` loaded them."""
    page = feed.pull(db.session, technician, args["cursor"], limit,
                     ids_in_data=args["protocol"] < 2, jobs_first=args["jobs_first"],
                     jobs_upto=args["jobs_upto"])
    db.session.refresh(device, ["last_mutation_id"])
    body = {"cursor": page.cursor,
            # a jobs-first page always has more: the catalogue, from the same cursor
            "has_more": page.jobs_upto is not None or page.cursor < page.head,
            "changes": page.changes, "removed": {"work_order": page.removed_orders},
            "last_mutation_id": device.last_mutation_id,
            "scope": {"orders": len(page.scope.order_ids), "checksum": page.scope.checksum()},
            "server_time": utcnow().isoformat(),
            "company": {"timezone": settings.get("DOORSTEP_TIMEZONE"),
                        "currency": settings.get("DOORSTEP_CURRENCY")}}
    if page.jobs_upto is not None:
        body["jobs_upto"] = page.jobs_upto
    return body


def pull_response(body: dict) -> Response:
    """``body`` encoded once. Every value in it is already JSON (the wire schemas dumped the
    rows), so ``PullOut`` would only copy it again, one nested schema per change — on a
    first sync of 20,000 parts that copy cost more than reading and dumping the rows. Keys
    keep their order (no sorting) and text stays UTF-8 rather than \\u escapes: the same
    values, fewer bytes. A first sync's catalogue rows come with their text already
    encoded (``sync.pull.CatalogueCache``)."""
    rest = json.dumps({key: value for key, value in body.items() if key != "changes"},
                      ensure_ascii=False, separators=(",", ":"))
    text = f'{rest[:-1]},"changes":{feed.encode_changes(body["changes"])}}}'
    return Response(text, mimetype="application/json")


def list_conflicts(unresolved: bool, work_order_id: uuid.UUID | None) -> list[SyncConflict]:
    query = select(SyncConflict).order_by(SyncConflict.created_at.desc())
    if unresolved:
        query = query.where(SyncConflict.resolved_at.is_(None))
    if work_order_id:
        query = query.where(SyncConflict.work_order_id == work_order_id)
    return list(db.session.scalars(query.limit(500)))


def list_rejections(unresolved: bool, work_order_id: uuid.UUID | None) -> list[RejectedMutation]:
    query = select(RejectedMutation).order_by(RejectedMutation.created_at.desc())
    if unresolved:
        query = query.where(RejectedMutation.resolved_at.is_(None))
    if work_order_id:
        query = query.where(RejectedMutation.work_order_id == work_order_id)
    return list(db.session.scalars(query.limit(500)))


def resolve(model, item_id: uuid.UUID, actor, note: str | None = None):
    """Mark a conflict or a rejection as handled. Raises NotFound."""
    item = db.session.get(model, item_id)
    if item is None:
        raise NotFound("No such item.")
    if item.resolved_at is None:
        item.resolved_at = utcnow()
        item.resolved_by_id = actor.id
        if note is not None and hasattr(item, "resolution_note"):
            item.resolution_note = note
    db.session.flush()
    return item
