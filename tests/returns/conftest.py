"""A customer's appliance bought a given number of days ago, and receipt photos."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from PIL import Image

from server.returns import service
from tests import factories


def receipt_png(color=(240, 240, 230)) -> bytes:
    image = Image.new("RGB", (120, 160), color)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def bought():
    """``bought(days_ago, warranty_days=365)`` → an asset of a new customer, bought
    ``days_ago`` days ago (company time zone)."""

    def build(days_ago: int, warranty_days: int | None = 365):
        customer = factories.make_customer()
        asset = factories.make_asset(customer)
        today = service.company_day(service.utcnow())
        asset.purchase_date = today - timedelta(days=days_ago)
        asset.warranty_end = (asset.purchase_date + timedelta(days=warranty_days)
                              if warranty_days is not None else None)
        return asset

    return build
