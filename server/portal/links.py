"""Customer links: ``/c/<token>`` where the token is the order id and a nonce, signed.

The nonce lives in ``customer_links``, so a link can expire (``expires_at``) and be revoked
(``revoked_at``); a new link gets a new nonce and the old one stops working. The token itself
is derived from the secret key, so the same link can be given again (e-mail, the phone's QR
code) without storing it. Functions flush only.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from flask import current_app, g
from itsdangerous import BadSignature, Signer
from sqlalchemy import bindparam, select

from ..database import utcnow
from ..errors import ServiceError
from ..extensions import db
from ..settings.service import public_url
from ..workorders.models import WorkOrder
from .models import CustomerLink

SALT = "customer-page"


class LinkInvalid(ServiceError):
    status = 404


class LinkGone(ServiceError):
    status = 410


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=SALT)


def active_link(order_id: uuid.UUID) -> CustomerLink | None:
    """The order's newest link that is neither revoked nor expired."""
    return db.session.scalar(
        select(CustomerLink).where(CustomerLink.work_order_id == order_id,
                                   CustomerLink.revoked_at.is_(None),
                                   CustomerLink.expires_at > utcnow())
        .order_by(CustomerLink.created_at.desc()).limit(1))


def ensure_link(order: WorkOrder) -> CustomerLink:
    """The order's active link, made now if it has none."""
    link = active_link(order.id)
    if link is None:
        now = utcnow()
        days = current_app.config["CUSTOMER_LINK_MAX_AGE_DAYS"]
        link = CustomerLink(work_order_id=order.id, nonce=secrets.token_urlsafe(12),
                            created_at=now, expires_at=now + timedelta(days=days))
        db.session.add(link)
        db.session.flush()
    return link


def token_of(link: CustomerLink) -> str:
    return _signer().sign(f"{link.work_order_id.hex}.{link.nonce}").decode()


def url_of(link: CustomerLink) -> str:
    return f"{public_url()}/c/{token_of(link)}"


def resolve(token: str) -> tuple[WorkOrder, CustomerLink]:
    """The order a token opens. Raises LinkInvalid (wrong or tampered) or LinkGone (expired
    or revoked); both are shown as the same plain page."""
    try:
        payload = _signer().unsign(token.encode("ascii")).decode()
        order_hex, nonce = payload.split(".", 1)
        order_id = uuid.UUID(hex=order_hex)
    except (BadSignature, UnicodeError, ValueError):
        raise LinkInvalid("This link is not valid.", code="link_invalid") from None
    link = db.session.scalar(select(CustomerLink).where(CustomerLink.nonce == nonce))
    if link is None or link.work_order_id != order_id:
        raise LinkInvalid("This link is not valid.", code="link_invalid")
    if link.revoked_at is not None or link.expires_at <= utcnow():
        raise LinkGone("This link no longer works.", code="link_gone")
    order = db.session.get(WorkOrder, order_id)
    if order is None:
        raise LinkInvalid("This link is not valid.", code="link_invalid")
    return order, link


def insert_if_missing(session, order_id: uuid.UUID) -> None:
    """Make the order's link inside a flush (``messaging.hooks``), with a plain INSERT."""
    insert_missing(session, [order_id])


# The orders among some that have an active link: built once (``insert_missing`` runs in
# the flush of every sync batch that moves an order on its way).
_ACTIVE_LINKS = select(CustomerLink.work_order_id).where(
    CustomerLink.work_order_id.in_(bindparam("ids", expanding=True)),
    CustomerLink.revoked_at.is_(None), CustomerLink.expires_at > bindparam("now"))


def insert_missing(session, order_ids) -> None:
    """``insert_if_missing`` for many orders: one query for the links they have, one
    INSERT for the orders with none."""
    from sqlalchemy import insert

    order_ids = list(dict.fromkeys(order_ids))
    if not order_ids:
        return
    now = utcnow()
    have = set()
    for start in range(0, len(order_ids), 500):
        have.update(session.scalars(_ACTIVE_LINKS, {"ids": order_ids[start:start + 500],
                                                    "now": now}))
    days = current_app.config["CUSTOMER_LINK_MAX_AGE_DAYS"]
    rows = [{"id": uuid.uuid4(), "work_order_id": order_id,
             "nonce": secrets.token_urlsafe(12), "created_at": now,
             "expires_at": now + timedelta(days=days)}
            for order_id in order_ids if order_id not in have]
    for start in range(0, len(rows), 500):
        session.execute(insert(CustomerLink), rows[start:start + 500])


def prefetch_for_pull(order_ids) -> None:
    """Read the active links of every order in a pull's scope in one query (a first sync
    of 300 orders asked 300 times); ``url_for_pull`` answers from them for this request."""
    now, newest = utcnow(), {}
    for link in db.session.scalars(select(CustomerLink).where(
            CustomerLink.work_order_id.in_(list(order_ids)),
            CustomerLink.revoked_at.is_(None), CustomerLink.expires_at > now)
            .order_by(CustomerLink.created_at)):
        newest[link.work_order_id] = link  # the newest one wins, as in active_link
    g.pull_links = {order_id: newest.get(order_id) for order_id in order_ids}


def url_for_pull(order: WorkOrder) -> str | None:
    """The order's current link for the phone (read only: a pull never makes one)."""
    known = g.get("pull_links")
    link = known[order.id] if known is not None and order.id in known \
        else active_link(order.id)
    return url_of(link) if link is not None else None


def page_url_of_order(order_id: uuid.UUID) -> str | None:
    """The order's current page link, or None when it has none (revoked, never made)."""
    link = active_link(order_id)
    return url_of(link) if link is not None else None


def _register_pull_hook() -> None:
    import sync.wire

    from ..reports import pages

    sync.wire.HOOKS["customer_url"] = url_for_pull
    sync.wire.HOOKS["pull_started"] = prefetch_for_pull
    # The report link (/r/…) leads a browser to the order's page.
    pages.customer_page_url = page_url_of_order


_register_pull_hook()


def revoke(actor, order: WorkOrder) -> int:
    """Stop every link of the order; the next one asked for is new. Returns how many."""
    now = utcnow()
    links = db.session.scalars(select(CustomerLink).where(
        CustomerLink.work_order_id == order.id, CustomerLink.revoked_at.is_(None))).all()
    for link in links:
        link.revoked_at, link.revoked_by_id = now, actor.id
    db.session.flush()
    return len(links)
