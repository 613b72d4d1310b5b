"""The change feed of one technician's scope, page by page.

A pull with cursor C first reads the counter value H. Every transaction with a position up
to H has committed by then (see ``positions``), so every later statement — even under READ
COMMITTED — sees all rows written at positions up to H. A row rewritten since by a later
transaction carries a position above H and is sent again on a later page: content may be
fresher than H, never missing. The scope is taken as of H (from the scope intervals), and
the page answers the changes in (C, P] where P ≤ H is chosen so the page holds about
``limit`` rows and never splits a position. The device stores P as its new cursor only
after it has applied the page; a lost response just repeats the same page.

Scope (what a technician's device holds):
* work orders in an open ``ScopeInterval`` of theirs, with their notes, parts used, time
  logs, photos, signature, surveys, reports and checklist answers; the customers, addresses and assets those
  orders refer to;
* the whole parts catalogue, knowledge base and checklist templates (a van needs them
  offline);
* the stock levels of their own van and the deliveries sent to it;
* their parts requests, with their orders;
* the symptom catalogue (labels in both languages, category, offered or not, and the intake
  questions an admin rewrote), whole, on a first pull and on any page whose range covers
  an admin's change to it (docs/sync-protocol.md §7b).

An order whose interval opened in (C, P] arrives whole, whatever the positions of its
rows; one whose interval closed in (C, P] and is not back in scope is listed in
``removed`` so the device can drop it once its own pending mutations are pushed.
"""

from __future__ import annotations

import gc
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Select, String, and_, cast, func, inspect, or_, select
from sqlalchemy.orm import Session

from server.assets.models import Asset
from server.billing.models import Payment, Quote
from server.checklists.models import ChecklistAnswer, ChecklistTemplate
from server.customers.models import Address, Customer
from server.feedback.models import Survey
from server.inventory.models import Part, PartRequest, StockLevel, StockLocation, VanDelivery
from server.knowledge.models import KnowledgeArticle
from server.media.models import Photo, Report, Signature
from server.settings.models import Setting
from server.technicians.models import Technician
from server.workorders.models import PartUsage, TimeLog, WorkOrder, WorkOrderNote

from . import wire
from .dump import compile_dumper
from .models import ScopeInterval, SyncCounter


@dataclass(frozen=True)
class Feed:
    """One replicated entity type: its model, wire schema, and how it belongs to a scope."""

    type: str
    model: type
    schema: type
    by_order: bool = False  # rows carry work_order_id
    global_: bool = False  # everyone gets every row


FEEDS = (
    Feed("work_order", WorkOrder, wire.WorkOrderWire),
    Feed("customer", Customer, wire.CustomerWire),
    Feed("address", Address, wire.AddressWire),
    Feed("asset", Asset, wire.AssetWire),
    Feed("note", WorkOrderNote, wire.NoteWire, by_order=True),
    Feed("part_usage", PartUsage, wire.PartUsageWire, by_order=True),
    Feed("time_log", TimeLog, wire.TimeLogWire, by_order=True),
    Feed("photo", Photo, wire.PhotoWire, by_order=True),
    Feed("signature", Signature, wire.SignatureWire, by_order=True),
    Feed("survey", Survey, wire.SurveyWire, by_order=True),
    Feed("report", Report, wire.ReportWire, by_order=True),
    Feed("quote", Quote, wire.QuoteWire, by_order=True),
    Feed("payment", Payment, wire.PaymentWire, by_order=True),
    Feed("stock_level", StockLevel, wire.StockLevelWire),
    Feed("part_request", PartRequest, wire.PartRequestWire, by_order=True),
    Feed("van_delivery", VanDelivery, wire.VanDeliveryWire),
    Feed("part", Part, wire.PartWire, global_=True),
    Feed("article", KnowledgeArticle, wire.ArticleWire, global_=True),
    Feed("checklist_template", ChecklistTemplate, wire.ChecklistTemplateWire, global_=True),
    Feed("checklist_answer", ChecklistAnswer, wire.ChecklistAnswerWire, by_order=True),
)


# Feeds of the technician's own van (not of an order, not global).
VAN_FEEDS = frozenset({"stock_level", "van_delivery"})


@dataclass
class Scope:
    order_ids: list
    customer_ids: list
    address_ids: list
    asset_ids: list
    van_id: object

    def checksum(self) -> str:
        """sha256 of the sorted order ids, one per line: a device holding a different set of
        orders than the server's scope knows it has drifted and resyncs from cursor 0."""
        lines = sorted(str(order_id) for order_id in self.order_ids)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass
class Page:
    cursor: int
    head: int
    changes: list[dict]
    removed_orders: list[str]
    scope: Scope
    jobs_upto: int | None = None  # a jobs-first page (§7d): the scope's rows as of here


def open_at(technician: Technician, head: int):
    """Scope intervals of ``technician`` open at position ``head``."""
    return and_(ScopeInterval.technician_id == technician.id,
                ScopeInterval.entered_pos <= head,
                or_(ScopeInterval.left_pos.is_(None), ScopeInterval.left_pos > head))


def current_scope(session: Session, technician: Technician, head: int) -> Scope:
    """The orders (and what they refer to) in the technician's scope as of position ``head``."""
    open_ids = select(ScopeInterval.work_order_id).where(open_at(technician, head))
    rows = session.execute(select(WorkOrder.id, WorkOrder.customer_id, WorkOrder.address_id,
                                  WorkOrder.asset_id)
                           .where(WorkOrder.id.in_(open_ids))).all()
    van_id = session.scalar(select(StockLocation.id).where(
        StockLocation.technician_id == technician.id))
    return Scope(
        order_ids=[r.id for r in rows],
        customer_ids=sorted({r.customer_id for r in rows}),
        address_ids=sorted({r.address_id for r in rows}),
        asset_ids=sorted({r.asset_id for r in rows if r.asset_id}),
        van_id=van_id,
    )


def _in_scope(feed: Feed, scope: Scope, order_ids: list):
    """The WHERE clause restricting ``feed`` to a set of orders (the scope, or new arrivals)."""
    model = feed.model
    if feed.global_:
        return None
    if feed.by_order:
        return model.work_order_id.in_(order_ids)
    if feed.type == "work_order":
        return model.id.in_(order_ids)
    if feed.type == "stock_level":
        return model.location_id == scope.van_id
    if feed.type == "van_delivery":
        return model.van_id == scope.van_id
    chosen = set(order_ids)
    ids = {"customer": scope.customer_ids, "address": scope.address_ids,
           "asset": scope.asset_ids}[feed.type]
    if chosen != set(scope.order_ids):
        column = {"customer": WorkOrder.customer_id, "address": WorkOrder.address_id,
                  "asset": WorkOrder.asset_id}[feed.type]
        return model.id.in_(select(column).where(WorkOrder.id.in_(order_ids)))
    return model.id.in_(ids)


def _query(feed: Feed, scope: Scope, after: int, upto: int) -> Select | None:
    clause = _in_scope(feed, scope, scope.order_ids)
    if feed.type in VAN_FEEDS and scope.van_id is None:
        return None
    query = select(*_columns(feed)).where(feed.model.sync_pos > after,
                                          feed.model.sync_pos <= upto)
    if clause is not None:
        query = query.where(clause)
    return query.order_by(feed.model.sync_pos)


@contextmanager
def _gc_paused():
    """Python's cycle collector off while a pull builds tens of thousands of rows and
    dictionaries (none of them in cycles; reference counting frees them): with it on, a
    10× first sync spent more time in collections triggered by those allocations than in
    reading the rows. It is switched back on only if it was on (another thread's pull may
    have paused it first)."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def pull(session: Session, technician: Technician, cursor: int, limit: int,
         ids_in_data: bool = True, jobs_first: bool = False, jobs_upto: int = 0) -> Page:
    """One page of changes for ``technician`` (``_pull`` says how), with the cycle
    collector paused while it is built."""
    with _gc_paused():
        return _pull(session, technician, cursor, limit, ids_in_data, jobs_first, jobs_upto)


def _pull(session: Session, technician: Technician, cursor: int, limit: int,
          ids_in_data: bool = True, jobs_first: bool = False, jobs_upto: int = 0) -> Page:
    """Changes after ``cursor`` for ``technician``; read inside one snapshot transaction.

    ``ids_in_data``: protocol 1 repeats each row's id inside ``data``; protocol 2 sends it
    once, on the change (docs/sync-protocol.md §7), which trims a first sync by a tenth.

    Jobs first (protocol 3, §7d): ``jobs_first`` (cursor 0 only) answers the scope's own
    rows — orders, what they refer to, their lines, the van — as of the head, on one page
    that leaves the cursor at 0 and says ``jobs_upto`` (the head); the catalogue follows on
    the next pages. ``jobs_upto`` says the device holds those rows as of that position: the
    scope's feeds then start from it rather than from ``cursor``, the catalogue from
    ``cursor``.
    """
    head = session.scalar(select(SyncCounter.value).where(SyncCounter.id == 1))
    if cursor > head:
        cursor = 0  # a cursor from another database (restored backup): start over
    if jobs_upto > head or jobs_first:
        jobs_upto = 0  # from another database too: send the scope's rows again
    # Where the device's copy of its scope (orders, their lines, the van) stands.
    held = max(cursor, jobs_upto)
    if jobs_first:
        limit = None  # one page, never split: the scope of one technician
    scope = current_scope(session, technician, head)
    wire.HOOKS["pull_started"](scope.order_ids)
    feeds = [feed for feed in FEEDS if not (jobs_first and feed.global_)]
    after = {feed: cursor if feed.global_ else held for feed in feeds}
    fetched, upto = {}, head
    for feed in feeds:
        if feed.global_ and cursor == 0:
            # A first sync: the whole catalogue, dumped once per version (CatalogueCache).
            items = CACHE.section(session, feed, head, ids_in_data)
            fetched[feed] = items
            if len(items) > limit:
                upto = _stop_before(upto, items[limit]["pos"], items[0]["pos"])
            continue
        query = _query(feed, scope, after[feed], head)
        if query is None:
            fetched[feed] = []
            continue
        rows = session.execute(query if limit is None else query.limit(limit + 1)).all()
        fetched[feed] = rows
        if limit is not None and len(rows) > limit:
            upto = _stop_before(upto, rows[limit].sync_pos, rows[0].sync_pos)
    changes = []
    for feed, rows in fetched.items():
        if feed.global_ and cursor == 0:
            changes += [item for item in rows if item["pos"] <= upto]
            continue
        if limit is not None and len(rows) > limit and rows[limit].sync_pos <= upto:
            rows = session.execute(_query(feed, scope, after[feed], upto)).all()
        changes += [_item(feed, row, ids_in_data) for row in rows if row.sync_pos <= upto]

    entered = list(session.scalars(select(ScopeInterval.work_order_id).where(
        open_at(technician, head),
        ScopeInterval.entered_pos > held, ScopeInterval.entered_pos <= upto)))
    if entered:
        changes += _whole_orders(session, scope, entered, held, upto, ids_in_data)
    # A first pull (cursor 0) starts from an empty replica: there is nothing to remove.
    left = session.scalars(select(ScopeInterval.work_order_id).where(
        ScopeInterval.technician_id == technician.id,
        ScopeInterval.left_pos > held, ScopeInterval.left_pos <= upto)).all() if held else []
    in_scope = set(scope.order_ids)
    removed = sorted({str(order_id) for order_id in left if order_id not in in_scope})
    if not jobs_first:
        changes += symptom_catalogue(session, cursor, upto, ids_in_data)
    changes = _dedupe_sorted(changes)
    if jobs_first:
        return Page(cursor=cursor, head=head, changes=changes, removed_orders=removed,
                    scope=scope, jobs_upto=upto)
    return Page(cursor=upto, head=head, changes=changes, removed_orders=removed, scope=scope)


def _stop_before(upto: int, first_missing: int, first: int) -> int:
    """Stop before the first position a table could not show whole (a position is never
    split: if the very first one is over the limit, it is sent whole)."""
    return min(upto, first_missing - 1 if first_missing > first else first_missing)


class Encoded(dict):
    """A change that also keeps its JSON text (``json``), encoded once: the pull's answer
    splices the text instead of encoding the same catalogue row on every first sync."""

    __slots__ = ("json",)


class CatalogueCache:
    """The global feeds (parts, articles, checklist templates) as a first sync sends them,
    dumped and encoded once per version of each table, in this process.

    A version is ``(max sync_pos, row count, min id, max id)`` of the table's rows at
    positions up to the page's head. In one database it names one content exactly: every
    write gives its row a new, higher position, and every position up to the head has
    committed (``positions``), so the rows at or below a position only ever lose members
    (rewritten higher, or deleted) — the same highest position and the same count mean the
    same rows with the same content. The random ids tell another database apart (a test's
    fresh rows; a restored backup is put back with the app stopped, docs/operations.md).
    One entry per table and id form is kept; a changed catalogue replaces it. Later pulls
    (cursor > 0) read the few changed rows as before.
    """

    def __init__(self):
        # (feed type, ids in data) → (version, its changes in position order)
        self._entries: dict[tuple[str, bool], tuple[tuple, list[Encoded]]] = {}
        self.misses = 0

    def clear(self) -> None:
        self._entries.clear()

    def section(self, session: Session, feed: Feed, head: int,
                ids_in_data: bool) -> list[Encoded]:
        """Every row of ``feed`` at positions up to ``head`` as changes, in position order."""
        model = feed.model
        version = tuple(session.execute(
            select(func.coalesce(func.max(model.sync_pos), 0), func.count(),
                   func.min(cast(model.id, String)), func.max(cast(model.id, String)))
            .where(model.sync_pos <= head)).one())
        key = (feed.type, ids_in_data)
        kept = self._entries.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        self.misses += 1
        rows = session.execute(select(*_columns(feed)).where(model.sync_pos <= version[0])
                               .order_by(model.sync_pos, model.id)).all()
        dumps = _encoder()
        items = []
        for row in rows:
            item = Encoded(_item(feed, row, ids_in_data))
            item.json = dumps(item)
            items.append(item)
        # Kept only if it is that version: under READ COMMITTED a row rewritten since the
        # first statement has moved above the head and is not among them (this page is
        # still right: the row comes again on a later page).
        if (max((item["pos"] for item in items), default=0), len(items)) == version[:2]:
            self._entries[key] = (version, items)
        return items


CACHE = CatalogueCache()


def _encoder():
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` for many small
    values: CPython's C encoder made once, not once per value (half the cost of encoding
    20,000 parts one by one); the plain encoder where there is no C encoder."""
    from json import encoder

    if encoder.c_make_encoder is None:
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    make = encoder.c_make_encoder(None, json.JSONEncoder().default,  # TypeError, as dumps
                                  encoder.encode_basestring, None, ":", ",", False, False,
                                  True)
    return lambda value: "".join(make(value, 0))


def encode_changes(changes: list[dict]) -> str:
    """The changes as one JSON array; catalogue rows use their text encoded once."""
    dumps = _encoder()
    return "[" + ",".join(item.json if item.__class__ is Encoded else dumps(item)
                          for item in changes) + "]"


CATALOGUE_KEYS = ("SYMPTOM_CATALOGUE", "SYMPTOM_QUESTIONS")


def symptom_catalogue(session: Session, after: int, upto: int,
                      ids_in_data: bool = True) -> list[dict]:
    """Every symptom as a ``symptom`` change when the page starts a replica (``after`` 0) or
    an admin changed the catalogue or its questions at a position in (after, upto]; else
    nothing. Its position is that of the change (0: the built-in catalogue)."""
    from server.intake import symptoms

    changed = session.scalar(select(Setting.sync_pos).where(
        Setting.key.in_(CATALOGUE_KEYS), Setting.sync_pos <= upto)
        .order_by(Setting.sync_pos.desc()).limit(1)) or 0
    if after and changed <= after:
        return []
    return [{"type": "symptom", "id": code, "pos": changed,
             "data": {"id": code, **data} if ids_in_data else data}
            for code, data in symptoms.wire_catalogue().items()]


def _whole_orders(session: Session, scope: Scope, order_ids: list, after: int,
                  upto: int, ids_in_data: bool = True) -> list[dict]:
    items = []
    for feed in FEEDS:
        if feed.global_ or feed.type in VAN_FEEDS:
            continue
        clause = _in_scope(feed, scope, order_ids)
        # Rows in (after, upto] of these orders are on the page already (they are in
        # scope): only the others need reading. On a first sync that is almost nothing.
        query = select(*_columns(feed)).where(clause, or_(feed.model.sync_pos <= after,
                                                          feed.model.sync_pos > upto))
        items += [_item(feed, row, ids_in_data) for row in session.execute(query)]
    return items


# -- first-sync speed: rows are read as plain result rows (no ORM identity map) and dumped by
# -- wire schemas compiled once (``dump``), not one schema instance per row.

_DUMPERS = {feed.type: compile_dumper(feed.schema) for feed in FEEDS}
_COLUMNS: dict[str, list] = {}


def _columns(feed: Feed) -> list:
    """The table columns of every mapped attribute (Core columns: no ORM loading). Each
    attribute is named like its column (``test_first_sync_wire`` would notice otherwise)."""
    if feed.type not in _COLUMNS:
        _COLUMNS[feed.type] = [attr.columns[0] for attr in inspect(feed.model).column_attrs]
    return _COLUMNS[feed.type]


def _item(feed: Feed, row, ids_in_data: bool = True) -> dict:
    data = _DUMPERS[feed.type](row)
    if not ids_in_data:
        del data["id"]  # the change's own ``id`` says it (protocol 2)
    return {"type": feed.type, "id": str(row.id), "pos": row.sync_pos, "data": data}


def _dedupe_sorted(items: list[dict]) -> list[dict]:
    """One item per (type, id), in position order (parents before children at equal pos)."""
    rank = {feed.type: i for i, feed in enumerate(FEEDS)} | {"symptom": len(FEEDS)}
    unique = {(item["type"], item["id"]): item for item in items}
    return sorted(unique.values(), key=lambda i: (i["pos"], rank[i["type"]], i["id"]))


