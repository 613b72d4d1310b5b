"""The quote's signed content (server/billing/content.py): the shared vectors the phone
checks too (pwa/tests/quote-content.test.mjs), built here from the server's own models."""

import json
import uuid
from pathlib import Path

import pytest

from server.assets.models import Asset
from server.billing.content import canonical, content_hash, quote_content
from server.customers.models import Address, Customer
from server.workorders.models import WorkOrder

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "quote_content.json"


def vectors():
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def server_lines(vector):
    """The lines as the server stores them on a quote (server/billing/service.py)."""
    lines = []
    for line in vector["lines"]:
        part = vector["parts"][line["part_id"]] if line["part_id"] else None
        lines.append({"kind": line["kind"], "part_id": line["part_id"],
                      "sku": part and part["sku"], "name_en": part and part["name_en"],
                      "name_zh": part and part["name_zh"], "quantity": line["quantity"],
                      "unit_price_cents": line["unit_price_cents"],
                      "total_cents": line["quantity"] * line["unit_price_cents"]})
    return lines


@pytest.mark.parametrize("vector", vectors(), ids=lambda v: v["name"])
def test_every_quote_vector_is_reproduced_byte_for_byte_from_the_models(vector):
    given = vector["order"]
    order = WorkOrder(id=uuid.UUID(given["id"]), number=given["number"],
                      language=given["language"], currency=given["currency"])
    order.customer = Customer(name=vector["customer"]["name"])
    order.address = Address(**vector["address"])
    order.asset = Asset(**vector["asset"]) if vector["asset"] else None
    content = quote_content(order, uuid.UUID(vector["quote_id"]), server_lines(vector),
                            vector["decision"], given["diagnostic_fee_cents"])
    assert content == vector["content"]
    assert canonical(content) == vector["canonical"]
    assert content_hash(content) == vector["sha256"]


def test_the_vectors_cover_both_decisions_both_languages_and_normalisation():
    contents = [v["content"] for v in vectors()]
    assert {c["decision"] for c in contents} == {"approved", "declined"}
    assert {c["language"] for c in contents} == {"en", "zh"}
    assert any(c["asset"] is None for c in contents)
    assert any("e\u0301" in json.dumps(c, ensure_ascii=False) for c in contents)
    assert all("\u00e9" in v["canonical"] for v in vectors() if "e\u0301" in
               json.dumps(v["content"], ensure_ascii=False))
    # Lines are sorted by kind then sku whatever order the phone listed them in.
    first = contents[0]["lines"]
    assert [(line["kind"], line["sku"]) for line in first] == [
        ("labour", None), ("part", "AB-1"), ("part", "CAP-35UF"), ("travel", None)]
