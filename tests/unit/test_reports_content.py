"""The signed-content contract (docs/signed-content.md): shared vectors and the server's build."""

import hashlib
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from server.extensions import db
from server.media.models import Photo
from server.reports.content import canonical, content_hash, signed_content
from server.inventory.models import Part
from server.workorders.models import PartUsage

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "signed_content.json"


def vectors():
    return json.loads(VECTORS.read_text(encoding="utf-8"))


@pytest.mark.parametrize("vector", vectors(), ids=lambda v: v["name"])
def test_every_shared_vector_is_reproduced_byte_for_byte(vector):
    assert canonical(vector["content"]) == vector["canonical"]
    assert content_hash(vector["content"]) == vector["sha256"]
    assert hashlib.sha256(vector["canonical"].encode()).hexdigest() == vector["sha256"]


def test_the_vectors_cover_what_the_contract_promises():
    names = " ".join(v["name"] for v in vectors())
    contents = [v["content"] for v in vectors()]
    assert any(c["language"] == "zh" for c in contents)
    assert any(c["parts"] == [] for c in contents)
    assert any(p["quantity"] < 0 for c in contents for p in c["parts"])
    assert {c["charges"]["in_warranty"] for c in contents} == {True, False}
    assert any(c["asset"] is None for c in contents)
    assert any("checklist" in c for c in contents) and any("checklist" not in c for c in contents)
    text = json.dumps(contents, ensure_ascii=False)
    for needle in ('\\"', "\\\\", "\\n", "\\u0001", "👍"):
        assert needle in text, needle
    assert "NFC" in names


def test_the_canonical_form_is_written_by_hand_the_same_way():
    content = {"v": 1, "b": ["é", 2, None, True], "a": {"z": "line\nbreak", "y": "\u0007"},
               "c": "e\u0301"}
    expected = ('{"a":{"y":"\\u0007","z":"line\\nbreak"},"b":["é",2,null,true],'
                '"c":"é","v":1}')
    assert canonical(content) == expected
    assert content_hash(content) == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def test_floats_have_no_canonical_form():
    with pytest.raises(TypeError):
        canonical({"v": 1, "amount": 1.5})


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is not installed")
def test_an_independent_javascript_canonicaliser_agrees_with_every_vector(tmp_path):
    script = tmp_path / "check.mjs"
    script.write_text("""
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
const canon = (v) => {
  if (v === null || typeof v !== "object")
    return JSON.stringify(typeof v === "string" ? v.normalize("NFC") : v);
  if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
  const keys = Object.keys(v).sort();
  const pairs = keys.map(k => JSON.stringify(k.normalize("NFC")) + ":" + canon(v[k]));
  return "{" + pairs.join(",") + "}";
};
const bad = JSON.parse(readFileSync(process.argv[2], "utf8")).filter(t => {
  const text = canon(t.content);
  return text !== t.canonical
      || createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex") !== t.sha256;
}).map(t => t.name);
console.log(JSON.stringify(bad));
""")
    result = subprocess.run(["node", str(script), str(VECTORS)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


# -- built from the server's rows ------------------------------------------------------------------

def _line(order, part, quantity, price=None):
    db.session.add(PartUsage(id=uuid.uuid4(), work_order_id=order.id, part_id=part.id,
                             quantity=quantity, unit_price_cents=price or part.price_cents))


def _photo(order, kind, sha, status="ready"):
    db.session.add(Photo(id=uuid.uuid4(), work_order_id=order.id, kind=kind, sha256=sha,
                         status=status))


def test_signed_content_of_an_out_of_warranty_chinese_order(
        make_order, make_customer, make_asset, make_part, dispatcher):
    customer = make_customer(name="王秀英", language="zh")
    customer.addresses[0].line2 = ""
    asset = make_asset(customer, warranty_days=-30)
    order = make_order(actor=dispatcher, customer=customer, asset=asset,
                       description="空调不制冷")
    order.diagnosis, order.resolution, order.root_cause = "电容失效", "更换电容", "wear_and_tear"
    capacitor, motor, returned = make_part(4500), make_part(12800), make_part(900)
    _line(order, motor, 1)
    _line(order, capacitor, 2)
    _line(order, capacitor, -1)
    _line(order, returned, 1)
    _line(order, returned, -1)  # used and returned: omitted
    _photo(order, "before", "b" * 64)
    _photo(order, "after", "a" * 64, status="pending")  # pending counts: its hash is known
    _photo(order, "before", "0" * 64, status="failed")  # failed photos are left out
    db.session.flush()
    db.session.refresh(order)

    content = signed_content(order)

    address = customer.addresses[0]
    assert content == {
        "v": 1,
        "order": {"id": str(order.id), "number": order.number},
        "language": "zh",
        "customer": {"name": "王秀英",
                     "address": f"{address.line1}, {address.district}, {address.city}"},
        "asset": {"brand": "Gree", "model": "KFR-35GW", "serial": asset.serial,
                  "warranty_status": "out_of_warranty"},
        "fault": "空调不制冷", "diagnosis": "电容失效", "resolution": "更换电容",
        "root_cause": "wear_and_tear",
        "parts": sorted([
            {"sku": capacitor.sku, "name": capacitor.name_zh, "quantity": 1,
             "unit_price_cents": 4500, "total_cents": 4500},
            {"sku": motor.sku, "name": motor.name_zh, "quantity": 1,
             "unit_price_cents": 12800, "total_cents": 12800},
        ], key=lambda p: p["sku"]),
        "charges": {"in_warranty": False, "parts_cents": 17300,
                    "labour_cents": order.labour_cents, "travel_cents": order.travel_cents,
                    "total_cents": 17300 + order.labour_cents + order.travel_cents,
                    "currency": "CNY"},
        "photos": [{"kind": "after", "sha256": "a" * 64}, {"kind": "before", "sha256": "b" * 64}],
    }
    assert order.labour_cents > 0 and order.travel_cents > 0


def test_in_warranty_every_charge_is_zero_but_parts_are_listed(make_order, make_part):
    order = make_order()  # the factory's asset is in warranty
    part = make_part(4500)
    _line(order, part, 2)
    db.session.flush()
    db.session.refresh(order)
    content = signed_content(order)
    assert content["language"] == "zh" and order.in_warranty is True
    assert content["asset"]["warranty_status"] == "in_warranty"
    assert content["parts"][0]["total_cents"] == 9000
    assert content["charges"] == {"in_warranty": True, "parts_cents": 0, "labour_cents": 0,
                                  "travel_cents": 0, "total_cents": 0, "currency": "CNY"}


def test_an_order_without_asset_and_in_english(make_order, make_customer):
    order = make_order(customer=make_customer(name="Alice Smith", language="en"), asset=False,
                       description=None)
    content = signed_content(order)
    assert content["asset"] is None and content["fault"] is None
    assert content["language"] == "en" and content["charges"]["in_warranty"] is False
    assert content["parts"] == [] and content["photos"] == []


# -- version 2: a rework and the office's discount (the vectors carry the phone's rows) --------

def _vector(prefix):
    return next(v for v in vectors() if v["name"].startswith(prefix))


def test_the_server_builds_the_version_2_vector_byte_for_byte_from_its_own_rows(
        make_order, make_customer, make_asset, dispatcher):
    """The same order as the vector's phone rows (which pwa/tests/signed-content.test.mjs
    builds on the phone's side), stored in the database: the same canonical bytes."""
    vector = _vector("version 2: a rework")
    rows = vector["rows"]
    customer = make_customer(name="王秀英", language="zh")
    address = customer.addresses[0]
    address.line1, address.line2, address.district, address.city = (
        "漕溪北路 8 号 3 室", "", "徐汇区", "上海市")
    asset = make_asset(customer, warranty_days=-30)
    asset.serial = "SN20260456"
    order = make_order(actor=dispatcher, customer=customer, asset=asset,
                       id=uuid.UUID(rows["order"]["id"]), description=rows["order"]["description"])
    order.number = "WO-2026-000456"
    order.diagnosis, order.resolution, order.root_cause = (
        rows["order"]["diagnosis"], rows["order"]["resolution"], "wear_and_tear")
    order.labour_cents = order.travel_cents = 0
    order.rework_of = "WO-2026-000123"
    order.discount_kind, order.discount_value, order.discount_reason = "percent", 10, "complaint_settled"
    part = Part(sku="CAP-35UF", name_en="Run capacitor 35µF", name_zh="运行电容 35µF",
                category="air_conditioner", price_cents=4500)
    db.session.add(part)
    db.session.flush()
    _line(order, part, 2)
    _line(order, part, -1)
    _photo(order, "after", "a" * 64)
    _photo(order, "before", "b" * 64, status="failed")
    db.session.flush()
    db.session.refresh(order)

    content = signed_content(order)

    assert canonical(content) == vector["canonical"]
    assert content_hash(content) == vector["sha256"]


def test_every_charge_waived_is_the_100_percent_vector(make_order, make_customer, dispatcher):
    vector = _vector("version 2: every charge waived")
    customer = make_customer(name="Alice Smith", language="en")
    address = customer.addresses[0]
    address.line1, address.line2, address.district, address.city = (
        "1 High Street", None, "Camden", "London")
    order = make_order(actor=dispatcher, customer=customer, asset=False,
                       id=uuid.UUID(vector["rows"]["order"]["id"]), description="Not cooling")
    order.number = "WO-2026-000457"
    order.resolution, order.root_cause, order.currency = "Cleaned the filter", "blockage", "GBP"
    order.labour_cents, order.travel_cents = 8000, 3000
    order.discount_kind, order.discount_value, order.discount_reason = "percent", 100, "goodwill"
    db.session.flush()
    assert canonical(signed_content(order)) == vector["canonical"]


def test_an_order_that_is_no_rework_and_has_no_discount_is_still_version_1(make_order):
    content = signed_content(make_order())
    assert content["v"] == 1 and "rework_of" not in content
    assert "discount_cents" not in content["charges"]
