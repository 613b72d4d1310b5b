// The phone's signed-content hash against the vectors the server side wrote
// (tests/vectors/signed_content.json), and the content built from the phone's rows.
// Run: node --test pwa/tests/
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import {
  addressLine, canonicalJson, compareCodePoints, contentHash, languageOf, signedContent,
  warrantyOn,
} from "../js/signed-content.js";

const VECTORS = new URL("../../tests/vectors/signed_content.json", import.meta.url);

test("every shared vector: same canonical text and same hash", { skip: !existsSync(VECTORS) },
  async () => {
    const vectors = JSON.parse(readFileSync(VECTORS, "utf8"));
    assert.ok(vectors.length > 0);
    for (const vector of vectors) {
      assert.equal(canonicalJson(vector.content), vector.canonical, vector.name);
      assert.equal(await contentHash(vector.content), vector.sha256, vector.name);
    }
  });

test("canonical form: sorted keys at every level, NFC, JSON escapes, integers only", () => {
  const text = canonicalJson({ b: 1, a: { z: [true, null], y: "e\u0301\n\u0001\"\\" }, 10: 2 });
  assert.equal(text, '{"10":2,"a":{"y":"\u00e9\\n\\u0001\\"\\\\","z":[true,null]},"b":1}');
  assert.throws(() => canonicalJson({ amount: 1.5 }), TypeError);
  assert.equal(canonicalJson({ "\u{1F600}": 1, "\uFFFF": 2 }), '{"\uFFFF":2,"\u{1F600}":1}');
});

test("code point order differs from UTF-16 order above the BMP", () => {
  assert.ok(compareCodePoints("\uFFFF", "\u{1F600}") < 0);
  assert.ok("\uFFFF" > "\u{1F600}"); // what a plain sort would do
});

const order = {
  id: "3F2B8C1E-7A45-4E0B-9D2C-6A1F0E5B7C93", number: "WO-2026-000123", language: "zh-CN",
  description: "不制冷", diagnosis: "电容坏", resolution: "更换电容", root_cause: "wear_and_tear",
  in_warranty: null, labour_cents: 8000, travel_cents: 3000, currency: "CNY",
  created_at: "2026-03-01T23:30:00+00:00",
};
const parts = {
  p1: { id: "p1", sku: "CAP-35", name_en: "Capacitor", name_zh: "电容", price_cents: 4500 },
  p2: { id: "p2", sku: "AB-1", name_en: "Belt", name_zh: "皮带", price_cents: 1000 },
  p3: { id: "p3", sku: "ZZ-9", name_en: "Fuse", name_zh: "保险丝", price_cents: 200 },
};

test("content built from the phone's rows follows the contract", () => {
  const content = signedContent({
    order, customer: { name: "王秀英" },
    address: { line1: "漕溪北路 1 号", line2: "", district: "徐汇区", city: "上海市" },
    asset: { brand: "Gree", model: "KFR-35GW", serial: "SN1", warranty_end: "2026-03-01",
      warranty_status: "out_of_warranty" },
    lines: [
      { part_id: "p1", quantity: 2, unit_price_cents: 4500 },
      { part_id: "p1", quantity: -1, unit_price_cents: 4500 },
      { part_id: "p2", quantity: 1, unit_price_cents: 900 },
      { part_id: "p2", quantity: 1, unit_price_cents: 1000 },
      { part_id: "p3", quantity: 1, unit_price_cents: 200 },
      { part_id: "p3", quantity: -1, unit_price_cents: 200 },
    ],
    parts,
    photos: [{ kind: "before", sha256: "b", status: "ready" },
      { kind: "after", sha256: "c", status: "pending" },
      { kind: "before", sha256: "a", status: "pending" },
      { kind: "after", sha256: "d", status: "failed" }],
  });
  assert.deepEqual(content, {
    v: 1,
    order: { id: "3f2b8c1e-7a45-4e0b-9d2c-6a1f0e5b7c93", number: "WO-2026-000123" },
    language: "zh",
    customer: { name: "王秀英", address: "漕溪北路 1 号, 徐汇区, 上海市" },
    // in warranty on the day the order was taken (UTC), whatever the pulled row says today
    asset: { brand: "Gree", model: "KFR-35GW", serial: "SN1", warranty_status: "in_warranty" },
    fault: "不制冷", diagnosis: "电容坏", resolution: "更换电容", root_cause: "wear_and_tear",
    parts: [
      { sku: "AB-1", name: "皮带", quantity: 2, unit_price_cents: 1000, total_cents: 2000 },
      { sku: "CAP-35", name: "电容", quantity: 1, unit_price_cents: 4500, total_cents: 4500 },
    ],
    charges: { in_warranty: false, parts_cents: 6500, labour_cents: 8000, travel_cents: 3000,
      total_cents: 17500, currency: "CNY" },
    photos: [{ kind: "after", sha256: "c" }, { kind: "before", sha256: "a" },
      { kind: "before", sha256: "b" }],
  });
});

test("in warranty: parts listed with prices, every charge zero; no asset is null", () => {
  const content = signedContent({ order: { ...order, in_warranty: true, language: "en",
    description: undefined }, customer: { name: "A" }, address: null, asset: null,
  lines: [{ part_id: "p1", quantity: 1, unit_price_cents: 4500 }], parts, photos: [] });
  assert.equal(content.asset, null);
  assert.equal(content.fault, null);
  assert.equal(content.language, "en");
  assert.equal(content.customer.address, "");
  assert.deepEqual(content.parts[0], { sku: "CAP-35", name: "Capacitor", quantity: 1,
    unit_price_cents: 4500, total_cents: 4500 });
  assert.deepEqual(content.charges, { in_warranty: true, parts_cents: 0, labour_cents: 0,
    travel_cents: 0, total_cents: 0, currency: "CNY" });
});

test("helpers: address line, language, warranty day", () => {
  assert.equal(addressLine({ line1: "1 High St", line2: null, district: "Camden",
    city: "London" }), "1 High St, Camden, London");
  assert.equal(languageOf({ language: "ZH" }), "zh");
  assert.equal(languageOf({ language: "en-GB" }), "en");
  assert.equal(languageOf({}), "en");
  assert.equal(warrantyOn({ warranty_end: null }, order.created_at), "unknown");
  assert.equal(warrantyOn({ warranty_end: "2026-02-28" }, order.created_at), "out_of_warranty");
});

test("vectors with the phone's rows: the content built from them is the vector's, byte for byte",
  { skip: !existsSync(VECTORS) }, async () => {
    const vectors = JSON.parse(readFileSync(VECTORS, "utf8")).filter((vector) => vector.rows);
    assert.ok(vectors.length >= 2, "version 2 vectors carry the phone's rows");
    for (const vector of vectors) {
      const content = signedContent(vector.rows);
      assert.equal(canonicalJson(content), vector.canonical, vector.name);
      assert.equal(await contentHash(content), vector.sha256, vector.name);
    }
  });

test("version 1 stays for an order that is no rework and has no discount", () => {
  const content = signedContent({ order: { ...order, rework_of: null, discount_kind: null },
    customer: { name: "A" }, address: null, asset: null, lines: [], parts, photos: [] });
  assert.equal(content.v, 1);
  assert.ok(!("rework_of" in content) && !("discount_cents" in content.charges));
});

test("a discount never takes the total below zero; in warranty nothing is discounted", () => {
  const rows = { customer: { name: "A" }, address: null, asset: null, parts, photos: [],
    lines: [{ part_id: "p1", quantity: 1, unit_price_cents: 4500 }] };
  const amount = signedContent({ ...rows, order: { ...order, discount_kind: "amount",
    discount_value: 999999, discount_reason: "goodwill" } });
  assert.equal(amount.v, 2);
  assert.equal(amount.charges.total_cents, 0);
  assert.equal(amount.charges.discount_cents, 4500 + 8000 + 3000);
  const odd = signedContent({ ...rows, order: { ...order, discount_kind: "percent",
    discount_value: 33, discount_reason: "goodwill" } });
  assert.equal(odd.charges.discount_cents, Math.floor(15500 * 33 / 100));
  const warranty = signedContent({ ...rows, order: { ...order, in_warranty: true,
    discount_kind: "percent", discount_value: 50, discount_reason: "goodwill" } });
  assert.deepEqual(warranty.charges, { in_warranty: true, parts_cents: 0, labour_cents: 0,
    travel_cents: 0, total_cents: 0, currency: "CNY", discount_cents: 0,
    discount_reason: null });
});
