"""The demo's money on site (``flask seed-demo``): two out-of-warranty jobs of the first
technician — one booked for later today whose quote waits for the customer's decision
(the app opens its Quote tab; the console says no quote is decided yet), and one finished
this morning whose quote the customer approved and paid by card (the console and the
customer's page show the quote, the payment and nothing still due)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..accounts.models import User
from ..assets.models import Asset
from ..customers.models import Address, Customer
from ..extensions import db
from ..inventory.models import Part, StockLevel, StockLocation
from ..technicians.models import Technician
from ..workorders import service as orders
from ..workorders.lifecycle import Status
from ..workorders.models import PartUsage
from . import service
from .content import content_hash, quote_content
from .models import LineKind, PaymentMethod, QuoteDecision

# The intake as the demo's "AC_NOT_COOLING" calls are answered (server/demo.py).
INTAKE = {"since": "days", "outdoor_unit": "no"}  # choice codes, labelled on every screen

PEOPLE = (
    ("周建华", "宜山路455弄12号301室", "空调制冷效果差，外机有异响"),
    ("孙丽娟", "田林路88弄6号502室", "空调不制冷，开机十分钟后停机"),
)


def _customer_and_asset(name: str, line1: str, serial: str, today: date) -> tuple:
    customer = Customer(name=name, phone=f"+86 139 1700 {serial[-4:]}", language="zh")
    customer.addresses = [Address(line1=line1, district="徐汇区", city="上海市", country="CN",
                                  latitude=31.178, longitude=121.423)]
    db.session.add(customer)
    db.session.flush()
    asset = Asset(customer_id=customer.id, address_id=customer.addresses[0].id,
                  category="air_conditioner", brand="Gree", model="KFR-35GW", serial=serial,
                  purchase_date=today - timedelta(days=365 * 8),
                  warranty_end=today - timedelta(days=365 * 2))
    db.session.add(asset)
    db.session.flush()
    return customer, asset


def later_today(now: datetime, zone: ZoneInfo) -> datetime:
    """A start two hours after this hour began, on the technician's own calendar day: from
    22:00 local on, 22:00 that day (already begun, still today's job)."""
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    local_day = now.astimezone(zone).date()
    if start.astimezone(zone).date() != local_day:
        start = datetime.combine(local_day, time(22), zone).astimezone(now.tzinfo)
    return start


def seed(now: datetime, technician: Technician, office: User,
         move_stock: Callable[..., None], zone: ZoneInfo) -> None:
    """Add the two jobs. ``move_stock`` is the seed's ledger writer (part, from, to,
    quantity, reason, at, actor, order), so the part fitted leaves the van's stock;
    ``zone`` is the technician's, whose "today" the waiting job is booked on."""
    today = now.date()
    (name_a, line_a, fault_a), (name_b, line_b, fault_b) = PEOPLE
    van = db.session.scalar(select(StockLocation)
                            .where(StockLocation.technician_id == technician.id))
    # A part for air conditioners that is on the technician's van.
    part = db.session.scalar(select(Part).join(StockLevel, StockLevel.part_id == Part.id)
                             .where(Part.category == "air_conditioner", Part.active.is_(True),
                                    StockLevel.location_id == van.id, StockLevel.quantity > 0)
                             .order_by(Part.sku))

    # Waiting for the customer's decision: booked for later today.
    customer, asset = _customer_and_asset(name_a, line_a, "SN2018Q0417", today)
    waiting = orders.create_order(office, {
        "channel": "phone", "type": "repair", "priority": "normal",
        "customer_id": customer.id, "asset_id": asset.id, "language": "zh",
        "symptom_code": "AC_NOT_COOLING", "intake_answers": INTAKE, "description": fault_a}, now=now - timedelta(hours=20))
    start = later_today(now, zone)
    orders.update_order(office, waiting, {"assignee_id": technician.id,
                                          "appointment_start": start,
                                          "appointment_end": start + timedelta(hours=2)},
                        server_time=now - timedelta(hours=19))
    orders.transition(office, waiting, Status.SCHEDULED, now=now - timedelta(hours=19))

    # Approved, the part fitted, paid by card: this morning.
    customer, asset = _customer_and_asset(name_b, line_b, "SN2017Q1123", today)
    paid = orders.create_order(office, {
        "channel": "phone", "type": "repair", "priority": "normal",
        "customer_id": customer.id, "asset_id": asset.id, "language": "zh",
        "symptom_code": "AC_NOT_COOLING", "intake_answers": INTAKE, "description": fault_b}, now=now - timedelta(days=1))
    start = now - timedelta(hours=5)
    orders.update_order(office, paid, {"assignee_id": technician.id, "appointment_start": start,
                                       "appointment_end": start + timedelta(hours=2)},
                        server_time=now - timedelta(hours=23))
    orders.transition(office, paid, Status.SCHEDULED, now=now - timedelta(hours=23))
    tech = technician.user
    orders.transition(tech, paid, Status.EN_ROUTE, device_time=start, now=start)
    arrived = start + timedelta(minutes=35)
    orders.transition(tech, paid, Status.ON_SITE, device_time=arrived, now=arrived)
    decided = arrived + timedelta(minutes=20)
    quote_id = uuid.uuid5(uuid.NAMESPACE_URL, f"doorstep-demo-quote-{paid.id}")
    lines = [{"kind": LineKind.PART, "part_id": part.id, "quantity": 1,
              "unit_price_cents": part.price_cents},
             {"kind": LineKind.LABOUR, "part_id": None, "quantity": 1,
              "unit_price_cents": paid.labour_cents or 0},
             {"kind": LineKind.TRAVEL, "part_id": None, "quantity": 1,
              "unit_price_cents": paid.travel_cents or 0}]
    fee = service.diagnostic_fee_cents()
    signed = content_hash(quote_content(paid, quote_id, service._lines(lines),
                                        QuoteDecision.APPROVED, fee))
    quote, _ = service.record_quote(
        paid, quote_id, lines, QuoteDecision.APPROVED, fee, name_b,
        hashlib.sha256(f"demo signature {quote_id}".encode()).hexdigest(), signed, decided,
        technician.id, decided + timedelta(minutes=1))
    orders.add_event(paid, "quote_approved", tech, server_time=decided, device_time=decided,
                     data={"quote_id": str(quote.id), "total_cents": quote.total_cents,
                           "signer_name": quote.signer_name})
    fitted = decided + timedelta(minutes=40)
    usage = PartUsage(part_id=part.id, quantity=1, unit_price_cents=part.price_cents,
                      from_location_id=van.id if van else None, technician_id=technician.id,
                      device_time=fitted, created_at=fitted)
    paid.parts_used.append(usage)
    move_stock(part, van, None, 1, "used_on_order", fitted, tech, paid)
    db.session.flush()
    orders.recompute_charges(paid)
    orders.add_event(paid, "part_used", tech, server_time=fitted, device_time=fitted,
                     data={"part": part.sku, "quantity": 1, "line_id": str(usage.id)})
    orders.update_order(tech, paid, {"diagnosis": "压缩机运行电容失效，压缩机无法启动",
                                     "resolution": "更换压缩机运行电容，试机 20 分钟制冷正常",
                                     "root_cause": "wear_and_tear"},
                        server_time=fitted)
    done = fitted + timedelta(minutes=25)
    orders.transition(tech, paid, Status.COMPLETED, device_time=done, now=done)
    due = service.balance(paid).due_cents
    payment_id = uuid.uuid5(uuid.NAMESPACE_URL, f"doorstep-demo-payment-{paid.id}")
    payment, _ = service.record_payment(paid, payment_id, PaymentMethod.CARD, due, None,
                                        done + timedelta(minutes=3), technician.id,
                                        done + timedelta(minutes=4))
    orders.add_event(paid, "payment", tech, server_time=done, device_time=done,
                     data={"payment_id": str(payment.id), "method": payment.method,
                           "amount_cents": payment.amount_cents})
    db.session.flush()
