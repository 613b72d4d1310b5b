// The phone's quote content and hash against the shared vectors (tests/vectors/
// quote_content.json, checked by the server in tests/billing/test_quote_content.py).
// Run: node --test pwa/tests/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { canonicalJson, contentHash } from "../js/signed-content.js";
import { priceListLines, quoteContent, quotedLabourTravel } from "../js/quote-content.js";

const VECTORS = new URL("../../tests/vectors/quote_content.json", import.meta.url);

test("every quote vector: the phone builds the same content, text and hash", async () => {
  const vectors = JSON.parse(readFileSync(VECTORS, "utf8"));
  assert.ok(vectors.length >= 2);
  for (const v of vectors) {
    const content = quoteContent({ quoteId: v.quote_id, order: v.order, customer: v.customer,
      address: v.address, asset: v.asset, parts: v.parts, lines: v.lines,
      decision: v.decision });
    assert.deepEqual(content, v.content, v.name);
    assert.equal(canonicalJson(content), v.canonical, v.name);
    assert.equal(await contentHash(content), v.sha256, v.name);
  }
});

test("a quote from the price list: catalogue prices, the order's labour and travel", () => {
  const order = { labour_cents: 8000, travel_cents: 3000 };
  const parts = { p1: { price_cents: 4500 }, p2: { price_cents: 900 } };
  assert.deepEqual(priceListLines(order, { p1: 2, p2: 0 }, parts), [
    { kind: "part", part_id: "p1", quantity: 2, unit_price_cents: 4500 },
    { kind: "labour", part_id: null, quantity: 1, unit_price_cents: 8000 },
    { kind: "travel", part_id: null, quantity: 1, unit_price_cents: 3000 },
  ]);
});

test("approved: the quoted labour and travel; declined: the diagnostic fee only", () => {
  const lines = [{ kind: "labour", quantity: 1, unit_price_cents: 12000 },
    { kind: "travel", quantity: 1, unit_price_cents: 3000 },
    { kind: "part", quantity: 2, unit_price_cents: 4500 }];
  assert.deepEqual(quotedLabourTravel({ decision: "approved", lines }),
    { labour: 12000, travel: 3000 });
  assert.deepEqual(quotedLabourTravel({ decision: "declined", lines,
    diagnostic_fee_cents: 5000 }), { labour: 5000, travel: 0 });
  assert.equal(quotedLabourTravel(null), null);
});
