"""Returns and exchanges: the rules.

* **A request** names the appliance (an asset of the customer), the reason, what the
  customer would like (money back or a new unit), the purchase date and — when the
  policy requires it — a proof-of-purchase photo (checked as an image by the blob store).
  The purchase date (never in the future) fixes the policy window on the day of the
  request, in the company's time zone: refund, exchange or warranty repair. Outside every
  window the request is stored **refused**, its reason written from the stored days; a
  manager (admin) may accept it as **goodwill** with a reason (every decision allowed).
  One open request per appliance; an appliance already exchanged cannot be returned.
* **Inspection**: on site (a work order of type ``return_exchange`` for the appliance,
  linked; the technician's app handles it like any other job) or in the workshop. The
  office records the findings (fault confirmed / not reproduced / damage by misuse),
  notes and photos.
* **Decision**: ``proposal`` follows the findings and the window — a confirmed fault gets
  what the customer asked for when the window allows it, else the window's first allowed
  decision (refund, exchange, repair in that order); a fault not reproduced or caused by
  misuse is declined. Anyone in the office may take the proposal; another allowed
  decision needs a manager (admin) and a reason. Refund records the amount returned to
  the customer (money handled outside Doorstep). Exchange creates the replacement
  appliance as a new asset of the customer (its warranty starts on the day of the
  exchange) and links it; no ledger movement, since appliances are not stocked parts.
  Repair opens a linked repair order.
* **Every state change is audited** (``return_request.<state>``: who, from, to).

Functions flush, never commit; bad input raises Invalid naming the field before anything
is written.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import BinaryIO
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..assets.models import Asset
from ..audit import service as audit
from ..database import utcnow
from ..errors import Conflict, Forbidden, Invalid, NotFound, checked_text
from ..extensions import db
from ..media.blobs import TooLarge, store_uploaded_image
from ..media.models import Blob
from ..settings.service import get as setting
from ..workorders import service as orders
from ..workorders.models import WorkOrder
from . import policy as policies
from .models import DECISIONS, FINDINGS, MODES, REASONS, WISHES, ReturnPhoto, ReturnRequest

MAX_TEXT = 2000
MAX_SERIAL = 80
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 6
MAX_REFUND_CENTS = 100_000_000
OPEN = ("requested", "inspecting", "inspected")
MANAGER = "admin"


def zone() -> ZoneInfo:
    return ZoneInfo(setting("DOORSTEP_TIMEZONE"))


def company_day(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def _text(value, field: str, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    return checked_text(value, field, required, limit)


def _choice(value, field: str, choices) -> str:
    if value not in choices:
        raise Invalid(_l("Choose one of the options."), {field: [_l("Choose one of the options.")]})
    return value


def _audit(actor, request: ReturnRequest, before: str | None, **data) -> None:
    audit.record(f"return_request.{request.state}", actor, request, number=request.number,
                 **{"from": before, "to": request.state, **data})


def get(request_id: uuid.UUID, lock: bool = False) -> ReturnRequest:
    """The request; ``lock`` holds its row until the commit (two offices deciding at once
    act one after the other, and the second finds it decided). Raises NotFound."""
    found = db.session.get(ReturnRequest, request_id, with_for_update=lock)
    if found is None:
        raise NotFound(_l("No such return request."))
    return found


# --- photos -----------------------------------------------------------------------------

def _store_photo(stream: BinaryIO, field: str) -> str:
    """Store an uploaded image through the blob store's sequence (hashed while copied,
    checked, renditions kept); returns its SHA-256. Raises Invalid naming ``field`` for an
    empty or broken image, TooLarge (413) past MAX_PHOTO_BYTES, in the reader's language;
    nothing is stored then."""
    try:
        return store_uploaded_image(stream, MAX_PHOTO_BYTES, field).sha256
    except TooLarge:
        msg = _l("A photo may be at most %(mb)d MB.", mb=MAX_PHOTO_BYTES // 2**20)
        raise TooLarge(msg, {field: [msg]}, code="too_large") from None
    except Invalid as refused:
        msg = _l("Choose a photo.") if refused.code == "empty" else \
            _l("This file is not a photo we can use (JPEG, PNG or WebP).")
        raise Invalid(msg, {field: [msg]}, code=refused.code) from None


def photo_of(request: ReturnRequest, sha256: str) -> Blob:
    """A photo of this request (the only way its bytes are served)."""
    if not any(p.sha256 == sha256 for p in request.photos):
        raise NotFound(_l("No such photo."))
    return db.session.get(Blob, sha256)


# --- the request ------------------------------------------------------------------------

def _purchase_date(value, today: date) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date) or value.year < 1950:
        raise Invalid(_l("Give the purchase date."),
                      {"purchase_date": [_l("Give the date on the receipt, such as 2026-11-23.")]})
    if value > today:
        raise Invalid(_l("The purchase date is in the future."),
                      {"purchase_date": [_l("cannot be after today")]})
    return value


def returned_by(asset_id: uuid.UUID) -> ReturnRequest | None:
    """The request that took this appliance back in exchange, if any (the console marks
    the appliance returned)."""
    return exchanged(asset_id)


def open_request_for(asset_id: uuid.UUID) -> ReturnRequest | None:
    return db.session.scalar(select(ReturnRequest).where(
        ReturnRequest.asset_id == asset_id, ReturnRequest.state.in_(OPEN)))


def exchanged_asset_ids():
    """A SELECT of the appliances taken back in exchange: gone from the customer's home,
    so not offered for a new request."""
    return select(ReturnRequest.asset_id).where(ReturnRequest.decision == "exchange")


def exchanged(asset_id: uuid.UUID) -> ReturnRequest | None:
    """The request that exchanged this appliance (it is then a returned unit), if any."""
    return db.session.scalar(select(ReturnRequest).where(
        ReturnRequest.asset_id == asset_id, ReturnRequest.decision == "exchange"))


def create(actor, *, asset_id, reason, wish, purchase_date, description=None,
           proof: BinaryIO | None = None, channel: str = "console",
           work_order_id: uuid.UUID | None = None, now: datetime | None = None
           ) -> ReturnRequest:
    """Record a request (see the module's rules); answers it ``requested`` within a window,
    ``refused`` outside every window.

    Raises Invalid naming the field (``asset_id``, ``reason``, ``wish``, ``purchase_date``,
    ``description``, ``proof``, ``work_order_id``), TooLarge naming ``proof``, Conflict
    (``return_open`` / ``already_exchanged``) naming ``asset_id``. Nothing is stored then.
    """
    now = now or utcnow()
    today = company_day(now)
    # The appliance's row is held until the commit: two requests for it at once are
    # checked one after the other (one in progress per appliance).
    asset = db.session.get(Asset, asset_id, with_for_update=True) \
        if isinstance(asset_id, uuid.UUID) else None
    if asset is None or asset.deleted_at is not None:
        raise Invalid(_l("No such appliance."), {"asset_id": [_l("No such appliance.")]})
    order = None
    if work_order_id is not None:
        order = db.session.get(WorkOrder, work_order_id)
        if order is None or order.asset_id != asset.id:
            raise Invalid(_l("That order is not about this appliance."),
                          {"work_order_id": [_l("is not about this appliance")]})
    reason = _choice(reason, "reason", REASONS)
    wish = _choice(wish, "wish", WISHES)
    description = _text(description, "description")
    bought = _purchase_date(purchase_date, today)
    policy = policies.current()
    if proof is None and policy["proof_required"]:
        raise Invalid(_l("Add a photo of the receipt or invoice."),
                      {"proof": [_l("Add a photo of the receipt or invoice.")]})
    if open_request_for(asset.id) is not None:
        raise Conflict(_l("This appliance already has a return request in progress."),
                       {"asset_id": [_l("has a return request in progress")]},
                       code="return_open")
    if exchanged(asset.id) is not None:
        raise Conflict(_l("This appliance was already exchanged."),
                       {"asset_id": [_l("was already exchanged")]}, code="already_exchanged")
    proof_sha = _store_photo(proof, "proof") if proof is not None else None
    window = policies.window_for(policy, bought, today, asset.warranty_end)
    end = policies.warranty_end(policy, bought, asset.warranty_end)
    request = ReturnRequest(
        number=orders.next_number("RX", now.year), customer_id=asset.customer_id,
        asset_id=asset.id, work_order_id=order.id if order else None, channel=channel,
        reason=reason, wish=wish, description=description, purchase_date=bought,
        model=asset.model, category=asset.category,
        state="requested" if window else "refused", window=window,
        days_since_purchase=(today - bought).days,
        allowed=list(policy["allows"][window]) if window else [],
        terms={"refund_days": policy["refund_days"],
               "exchange_days": policy["exchange_days"], "warranty_end": end.isoformat()},
        currency=setting("DOORSTEP_CURRENCY"), created_by_id=getattr(actor, "id", None),
        created_at=now)
    db.session.add(request)
    db.session.flush()
    if proof_sha:
        db.session.add(ReturnPhoto(request_id=request.id, sha256=proof_sha, kind="proof",
                                   created_at=now))
    db.session.flush()
    _audit(actor, request, None, channel=channel, window=window)
    return request


def refusal(request: ReturnRequest) -> str | None:
    """Why a request outside every window was refused, in the reader's language."""
    if request.state != "refused" and not request.goodwill:
        return None
    from ..words import day

    terms = request.terms or {}
    return _("Bought %(days)d days ago: refunds are accepted within %(refund)d days, "
             "exchanges within %(exchange)d days, and free repairs until the warranty "
             "ended on %(end)s.", days=request.days_since_purchase,
             refund=terms.get("refund_days", 0), exchange=terms.get("exchange_days", 0),
             end=day(date.fromisoformat(terms["warranty_end"])) if terms.get("warranty_end")
             else "")


def accept_goodwill(actor, request: ReturnRequest, reason) -> ReturnRequest:
    """A manager accepts a refused request as a goodwill case (every decision allowed).
    Raises Forbidden for anyone but a manager, Invalid naming ``reason`` without one,
    Conflict (``wrong_state``) unless refused."""
    if getattr(actor, "role", None) != MANAGER:
        raise Forbidden(_l("Only a manager may accept a goodwill case."),
                        {"goodwill": [_l("needs a manager")]})
    reason = _text(reason, "reason", required=True)
    _state(request, "refused")
    request.goodwill, request.goodwill_reason = True, reason
    request.allowed = list(policies.GRANTABLE)
    request.state = "requested"
    db.session.flush()
    _audit(actor, request, "refused", goodwill=True, reason=reason)
    return request


def _state(request: ReturnRequest, *expected: str) -> None:
    if request.state not in expected:
        raise Conflict(_l("The request is no longer at that step."),
                       {"state": [_l("The request is no longer at that step.")]},
                       code="wrong_state")


def start_inspection(actor, request: ReturnRequest, mode, now: datetime | None = None
                     ) -> ReturnRequest:
    """On site: a ``return_exchange`` work order for the appliance, linked; in the workshop:
    the office will record the findings. Raises Invalid naming ``mode``, Conflict unless
    requested."""
    now = now or utcnow()
    mode = _choice(mode, "mode", MODES)
    _state(request, "requested")
    request.mode = mode
    if mode == "on_site":
        order = orders.create_order(actor, {
            "channel": "web" if request.channel == "portal" else "phone",
            "type": "return_exchange", "priority": "normal",
            "customer_id": request.customer_id, "asset_id": request.asset_id,
            "description": " · ".join(filter(None, (request.number, request.description)))},
            now=now)
        request.inspection_order_id = order.id
    request.state = "inspecting"
    db.session.flush()
    _audit(actor, request, "requested", mode=mode)
    return request


def record_findings(actor, request: ReturnRequest, finding, notes=None,
                    photos: list[BinaryIO] = (), now: datetime | None = None) -> ReturnRequest:
    """The inspection's findings, notes and photos. Raises Invalid naming ``finding``,
    ``notes`` or ``photos``; Conflict unless being inspected."""
    now = now or utcnow()
    finding = _choice(finding, "finding", FINDINGS)
    notes = _text(notes, "notes")
    _state(request, "inspecting")
    if len(photos) > MAX_PHOTOS:
        msg = _l("At most %(n)d photos.", n=MAX_PHOTOS)
        raise Invalid(msg, {"photos": [msg]})
    hashes = [_store_photo(stream, "photos") for stream in photos]
    for sha in hashes:
        db.session.add(ReturnPhoto(request_id=request.id, sha256=sha, kind="inspection",
                                   created_at=now))
    request.finding, request.finding_notes, request.inspected_at = finding, notes, now
    request.proposed = proposal(request)
    request.state = "inspected"
    db.session.flush()
    _audit(actor, request, "inspecting", finding=finding, proposed=request.proposed)
    return request


def allowed(request: ReturnRequest) -> list[str]:
    """The decisions this request may end in: its window's (all, for goodwill) and
    declining."""
    return [d for d in DECISIONS if d in request.allowed or d == "decline"]


def proposal(request: ReturnRequest) -> str:
    """The decision the policy proposes from the window and the findings."""
    if request.finding != "fault_confirmed":
        return "decline"
    if request.wish in request.allowed:
        return request.wish
    return next((d for d in policies.GRANTABLE if d in request.allowed), "decline")


def decide(actor, request: ReturnRequest, decision, reason=None, refund_cents=None,
           replacement_serial=None, replacement_model=None, now: datetime | None = None
           ) -> ReturnRequest:
    """Decide an inspected request (see the module's rules).

    Raises Invalid naming ``decision`` (not allowed by the policy), ``reason`` (another
    decision than proposed, without one), ``refund_cents``, ``replacement_serial`` or
    ``replacement_model``; Forbidden naming ``decision`` when someone other than a manager
    departs from the proposal; Conflict unless inspected.
    """
    now = now or utcnow()
    decision = _choice(decision, "decision", DECISIONS)
    _state(request, "inspected")
    if decision not in allowed(request):
        raise Invalid(_l("The policy does not allow this decision for this request."),
                      {"decision": [_l("is not allowed by the policy for this request")]})
    reason = _text(reason, "reason")
    if decision != request.proposed:
        if getattr(actor, "role", None) != MANAGER:
            raise Forbidden(_l("Only a manager may choose another decision than the "
                               "proposal."), {"decision": [_l("needs a manager")]})
        if reason is None:
            raise Invalid(_l("Say why another decision than the proposal."),
                          {"reason": [_l("Required.")]})
    if decision == "refund":
        if isinstance(refund_cents, bool) or not isinstance(refund_cents, int) \
                or not 0 < refund_cents <= MAX_REFUND_CENTS:
            raise Invalid(_l("Give the amount refunded."),
                          {"refund_cents": [_l("must be a whole number of cents above zero")]})
        request.refund_cents = refund_cents
    elif decision == "exchange":
        serial = _text(replacement_serial, "replacement_serial", required=True,
                       limit=MAX_SERIAL)
        model = _text(replacement_model, "replacement_model", limit=80)
        old = request.asset
        if serial == old.serial:
            raise Invalid(_l("The replacement is another unit: give its serial."),
                          {"replacement_serial": [_l("is the returned unit's serial")]})
        today = company_day(now)
        months = policies.current()["warranty_months"]
        replacement = Asset(customer_id=old.customer_id, address_id=old.address_id,
                            category=old.category, brand=old.brand, model=model or old.model,
                            serial=serial, production_batch=None, purchase_date=today,
                            warranty_end=today + relativedelta(months=months),
                            installed_on=today)
        db.session.add(replacement)
        db.session.flush()
        request.replacement_asset_id = replacement.id
    elif decision == "repair":
        order = orders.create_order(actor, {
            "channel": "web" if request.channel == "portal" else "phone", "type": "repair",
            "priority": "normal", "customer_id": request.customer_id,
            "asset_id": request.asset_id,
            "description": " · ".join(filter(None, (request.number, request.description)))},
            now=now)
        request.repair_order_id = order.id
    request.decision, request.decision_reason = decision, reason
    request.decided_at, request.decided_by_id = now, getattr(actor, "id", None)
    request.state = "decided"
    db.session.flush()
    _audit(actor, request, "inspected", decision=decision, proposed=request.proposed,
           reason=reason, refund_cents=request.refund_cents,
           replacement_serial=request.replacement.serial if request.replacement else None)
    return request


# --- lists and the analysis ---------------------------------------------------------------

@dataclass
class Filter:
    state: str | None = None
    decision: str | None = None
    model: str | None = None
    month: str | None = None  # YYYY-MM, by the day asked (company time zone)
    reason: str | None = None
    within_policy: bool | None = None
    customer_id: uuid.UUID | None = None
    asset_id: uuid.UUID | None = None


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next, in the company's time zone.
    Raises Invalid naming ``month`` unless YYYY-MM."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        raise Invalid(_l("Give a month such as 2026-11."),
                      {"month": [_l("Give a month such as 2026-11.")]}) from None
    start = datetime.combine(first, time(), zone())
    return start, datetime.combine(first + relativedelta(months=1), time(), zone())


def _query(f: Filter):
    query = select(ReturnRequest)
    if f.state:
        query = query.where(ReturnRequest.state == f.state)
    if f.decision:
        query = query.where(ReturnRequest.decision == f.decision)
    if f.model:
        query = query.where(ReturnRequest.model == f.model)
    if f.reason:
        query = query.where(ReturnRequest.reason == f.reason)
    if f.within_policy is not None:
        query = query.where(ReturnRequest.window.is_not(None) if f.within_policy
                            else ReturnRequest.window.is_(None))
    if f.customer_id:
        query = query.where(ReturnRequest.customer_id == f.customer_id)
    if f.asset_id:
        query = query.where((ReturnRequest.asset_id == f.asset_id)
                            | (ReturnRequest.replacement_asset_id == f.asset_id))
    if f.month:
        start, end = month_bounds(f.month)
        query = query.where(ReturnRequest.created_at >= start, ReturnRequest.created_at < end)
    return query


def requests(f: Filter, page: int = 1, per_page: int = 50) -> tuple[list[ReturnRequest], int]:
    """The requests matching ``f``, newest first, and how many there are."""
    query = _query(f)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(ReturnRequest.created_at.desc(), ReturnRequest.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


def models() -> list[str]:
    return list(db.session.scalars(select(ReturnRequest.model).distinct()
                                   .order_by(ReturnRequest.model)))


def for_order(order: WorkOrder) -> list[ReturnRequest]:
    """The requests about the order's appliance, newest first (the customer's page)."""
    if order.asset_id is None:
        return []
    return list(db.session.scalars(select(ReturnRequest).where(
        ReturnRequest.asset_id == order.asset_id)
        .order_by(ReturnRequest.created_at.desc(), ReturnRequest.id)))


def analysis(month: str) -> dict:
    """One month's requests (by the day asked): how many, decisions, reasons, by model and
    by category, refund totals (per currency), the share within policy and the days from
    request to decision (median and the longest). Counted in SQL, one row per distinct
    combination; only the decided requests' two times are read one by one.

    Raises Invalid naming ``month``.
    """
    month_rows = _query(Filter(month=month)).subquery()
    r = month_rows.c
    groups = db.session.execute(
        select(r.model, r.category, r.state, r.decision, r.reason, r.window.is_not(None),
               r.goodwill, r.currency, func.count(), func.coalesce(func.sum(r.refund_cents), 0))
        .group_by(r.model, r.category, r.state, r.decision, r.reason, r.window.is_not(None),
                  r.goodwill, r.currency)).all()
    by_model: dict[str, Counter] = defaultdict(Counter)
    by_category: dict[str, Counter] = defaultdict(Counter)
    states, decisions, reasons, refunds = Counter(), Counter(), Counter(), Counter()
    total = within = goodwill = 0
    for model, category, state, decision, reason, inside, kind, currency, n, cents in groups:
        total += n
        within += n if inside else 0
        goodwill += n if kind else 0
        states[state] += n
        reasons[reason] += n
        if decision:
            decisions[decision] += n
        if decision == "refund":
            refunds[currency] += int(cents)
        for table, key in ((by_model, model), (by_category, category)):
            table[key]["requests"] += n
            table[key][decision or "open"] += n
    waits = [(decided - asked) / timedelta(days=1) for asked, decided in db.session.execute(
        select(r.created_at, r.decided_at).where(r.decided_at.is_not(None)))]
    return {
        "month": month, "requests": total, "states": states, "decisions": decisions,
        "reasons": reasons,
        "by_model": {k: dict(v) for k, v in sorted(by_model.items())},
        "by_category": {k: dict(v) for k, v in sorted(by_category.items())},
        "refund_cents": dict(refunds), "within_policy": within, "goodwill": goodwill,
        "within_policy_share": within / total if total else None,
        "decided": len(waits),
        "days_to_decision_median": round(median(waits), 1) if waits else None,
        "days_to_decision_max": round(max(waits), 1) if waits else None,
    }


# --- one serial's history (server/warranty lists these) ------------------------------------

def history_entries(serial: str) -> list[dict]:
    """The requests where ``serial`` is the returned unit or the replacement:
    ``{at, kind: "return_request" | "exchange_replacement", number, detail, request_id}``."""
    old = select(Asset.id).where(Asset.serial == serial)
    entries = []
    for r in db.session.scalars(select(ReturnRequest).where(
            ReturnRequest.asset_id.in_(old) | ReturnRequest.replacement_asset_id.in_(old))):
        replaced = r.replacement is not None and r.replacement.serial == serial
        entries.append({"at": r.decided_at if replaced else r.created_at,
                        "kind": "exchange_replacement" if replaced else "return_request",
                        "number": r.number, "detail": r.decision or r.state,
                        "request_id": r.id, "work_order_id": r.work_order_id,
                        "other_serial": (r.asset.serial if replaced else
                                         r.replacement.serial if r.replacement else None)})
    return entries

