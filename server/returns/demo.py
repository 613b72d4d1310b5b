"""The returns part of the demo: new appliances for a few customers, and one request in
each state — asked on the customer's page or at the office, refused outside the policy,
inspected on site and in the workshop, decided as a refund, an exchange and a repair."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from PIL import Image, ImageDraw
from sqlalchemy import select

from ..assets.models import Asset
from ..customers.models import Customer
from ..extensions import db
from . import service

# (state, channel, days since purchase when asked, days ago asked, wish, findings, decision)
STORY = (
    ("requested", "portal", 3, 0, "refund", None, None),
    ("refused", "console", 540, 2, "exchange", None, None),
    ("inspecting", "portal", 9, 1, "exchange", None, None),
    ("inspected", "console", 5, 4, "refund", "not_reproduced", None),
    ("decided", "portal", 4, 20, "refund", "fault_confirmed", "refund"),
    ("decided", "console", 12, 10, "exchange", "fault_confirmed", "exchange"),
    ("decided", "console", 80, 35, "exchange", "fault_confirmed", "repair"),
)
MODELS = (("washing_machine", "Haier", "EG100MATE"), ("refrigerator", "Midea", "BCD-516WKPZM"),
          ("air_conditioner", "Gree", "KFR-35GW"))


def receipt_image(number: int) -> io.BytesIO:
    """A plain picture of a receipt (the photo a customer would take)."""
    image = Image.new("RGB", (360, 480), (250, 250, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 340, 460), outline=(60, 60, 60), width=2)
    for row in range(8):
        draw.line((40, 80 + row * 40, 320 - (row % 3) * 40, 80 + row * 40), fill=(90, 90, 90),
                  width=3)
    draw.text((40, 36), f"RECEIPT {number:04d}", fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return out


def seed(admin, now: datetime) -> None:
    """One request per state (and each decision), on new appliances of the first customers."""
    if admin is None:
        return
    customers = db.session.scalars(select(Customer).where(Customer.deleted_at.is_(None))
                                   .order_by(Customer.name).limit(len(STORY))).all()
    for n, (customer, story) in enumerate(zip(customers, STORY, strict=False)):
        state, channel, age, ago, wish, finding, decision = story
        address = next((a for a in customer.addresses if a.deleted_at is None), None)
        if address is None:
            continue
        asked = now - timedelta(days=ago, hours=n)
        bought = service.company_day(asked) - timedelta(days=age)
        category, brand, model = MODELS[n % len(MODELS)]
        asset = Asset(customer_id=customer.id, address_id=address.id, category=category,
                      brand=brand, model=model, serial=f"RX-DEMO-{n + 1:04d}",
                      purchase_date=bought, warranty_end=bought + relativedelta(years=1),
                      installed_on=bought)
        db.session.add(asset)
        db.session.flush()
        request = service.create(
            None if channel == "portal" else admin, asset_id=asset.id,
            reason="performance_fault" if n % 3 else "arrived_damaged", wish=wish,
            purchase_date=bought, description=None, proof=receipt_image(n + 1),
            channel=channel, now=asked)
        if state in ("requested", "refused"):
            continue
        step = asked + timedelta(hours=5)
        service.start_inspection(admin, request, "on_site" if state == "inspecting" else
                                 "workshop", now=step)
        if state == "inspecting":
            continue
        step += timedelta(days=1)
        service.record_findings(admin, request, finding, now=step)
        if decision is None:
            continue
        step += timedelta(hours=20)
        service.decide(admin, request, decision,
                       refund_cents=259900 if decision == "refund" else None,
                       replacement_serial=f"RX-DEMO-NEW-{n + 1:04d}"
                       if decision == "exchange" else None, now=step)
