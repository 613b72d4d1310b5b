// What the technician sees: server rows with the outbox folded over them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { balance, charges, distanceKm, foldJob, foldOrder, partTotals, vanStock }
  from "../js/fold.js";

const order = { id: "o1", status: "scheduled", diagnosis: null, started_at: null,
  in_warranty: false, labour_cents: 8000, travel_cents: 3000, currency: "CNY" };
const m = (id, name, args) => ({ id, name, args: { order_id: "o1", ...args } });

test("status steps and field edits fold in order; other orders untouched", () => {
  const pending = [
    m(1, "transition", { to: "en_route", device_time: "t1" }),
    m(2, "transition", { to: "on_site", device_time: "t2" }),
    m(3, "set_fields", { fields: { diagnosis: "relay" }, base: { diagnosis: null } }),
    { id: 4, name: "transition", args: { order_id: "o2", to: "completed" } },
  ];
  const folded = foldOrder(order, pending);
  assert.equal(folded.status, "on_site");
  assert.equal(folded.started_at, "t2");
  assert.equal(folded.diagnosis, "relay");
  assert.equal(order.status, "scheduled"); // the row itself is never changed
});

test("lines from the outbox are added once, marked pending; signing moves to signed", () => {
  const pending = [
    m(1, "add_note", { note_id: "n1", body: "hello", device_time: "t" }),
    m(2, "use_part", { line_id: "l1", part_id: "p1", quantity: 2, device_time: "t" }),
    m(3, "return_part", { line_id: "l2", part_id: "p1", quantity: 1, device_time: "t" }),
    m(4, "attach_photo", { photo_id: "ph1", kind: "before", sha256: "abc" }),
    m(5, "transition", { to: "completed", device_time: "t" }),
    m(6, "capture_signature", { signature_id: "s1", signer_name: "A", image_sha256: "i",
      content_hash: "h", device_time: "t" }),
    m(7, "submit_survey", { survey_id: "v1", rating: 5 }),
  ];
  const base = { order: { ...order, status: "on_site" }, notes: [{ id: "n1", body: "hello" }] };
  const job = foldJob(base, pending, { p1: 4500 });
  assert.equal(job.notes.length, 1); // already on the server: not doubled
  assert.deepEqual(job.part_usages.map((l) => [l.quantity, l.unit_price_cents, l._pending]),
    [[2, 4500, true], [-1, 4500, true]]);
  assert.equal(job.photos[0].status, "pending");
  assert.equal(job.order.status, "signed");
  assert.equal(job.signatures[0].content_hash, "h");
  assert.equal(job.surveys[0].rating, 5);
  assert.deepEqual(foldJob(job, pending, { p1: 4500 }).part_usages.length, 2); // idempotent
});

test("part totals sum lines per part, drop zeros, take the highest unit price", () => {
  const totals = partTotals([
    { part_id: "a", quantity: 2, unit_price_cents: 100 },
    { part_id: "a", quantity: 1, unit_price_cents: 120 },
    { part_id: "b", quantity: 1, unit_price_cents: 50 },
    { part_id: "b", quantity: -1, unit_price_cents: 50 },
  ]);
  assert.deepEqual(totals, [{ part_id: "a", quantity: 3, unit_price_cents: 120,
    total_cents: 360 }]);
});

test("charges: free in warranty, else parts + labour + travel", () => {
  const totals = [{ total_cents: 4500 }];
  assert.equal(charges(order, totals).total_cents, 15500);
  assert.equal(charges({ ...order, in_warranty: true }, totals).total_cents, 0);
  assert.equal(charges({ ...order, in_warranty: null }, totals).in_warranty, false);
});

test("van stock follows pending uses and returns", () => {
  const stock = vanStock([{ part_id: "p1", quantity: 3 }], [
    m(1, "use_part", { part_id: "p1", quantity: 2 }),
    m(2, "return_part", { part_id: "p1", quantity: 1 }),
    m(3, "use_part", { part_id: "p9", quantity: 1 })]);
  assert.equal(stock.get("p1"), 2);
  assert.equal(stock.get("p9"), -1);
});

test("distance", () => {
  const km = distanceKm({ latitude: 31.19, longitude: 121.44 },
    { latitude: 31.23, longitude: 121.47 });
  assert.ok(km > 4 && km < 6, km);
  assert.equal(distanceKm(null, { latitude: 1, longitude: 1 }), null);
});

const quoteLines = [
  { kind: "part", part_id: "p1", quantity: 1, unit_price_cents: 4500 },
  { kind: "labour", part_id: null, quantity: 1, unit_price_cents: 12000 },
  { kind: "travel", part_id: null, quantity: 1, unit_price_cents: 2000 },
];
const decide = (id, decision, quoteId = "q1") => m(id, "decide_quote", { quote_id: quoteId,
  lines: quoteLines, decision, diagnostic_fee_cents: 5000, signer_name: "Alice",
  content_hash: "h", device_time: "t" });

test("a pending quote decision folds in once; the server's quote wins over a second one", () => {
  const job = foldJob({ order }, [decide(1, "approved"), decide(2, "declined", "q2")]);
  assert.equal(job.quotes.length, 1);
  assert.equal(job.quotes[0].decision, "approved");
  assert.equal(job.quotes[0].total_cents, 18500);
  assert.equal(job.quotes[0]._pending, true);
  const server = { id: "q9", decision: "declined", diagnostic_fee_cents: 5000, lines: [] };
  const kept = foldJob({ order, quotes: [server] }, [decide(1, "approved")]);
  assert.deepEqual(kept.quotes, [server]);
});

test("charges under a quote: approved → the quoted labour and travel; declined → the fee", () => {
  const approved = foldJob({ order }, [decide(1, "approved")]).quotes[0];
  assert.deepEqual(charges(order, [{ total_cents: 4500 }], approved),
    { in_warranty: false, parts_cents: 4500, labour_cents: 12000, travel_cents: 2000,
      total_cents: 18500, currency: "CNY", discount_cents: 0 });
  const declined = foldJob({ order }, [decide(1, "declined")]).quotes[0];
  assert.equal(charges(order, [], declined).total_cents, 5000);
  assert.equal(charges(order, [], declined).travel_cents, 0);
});

test("payments fold in once; paid and still due, never below zero", () => {
  const pay = (id, cents) => m(id, "record_payment", { payment_id: `pay${id}`, method: "cash",
    amount_cents: cents, device_time: "t" });
  const job = foldJob({ order, payments: [{ id: "pay1", amount_cents: 3000 }] },
    [pay(1, 3000), pay(2, 2000)]);
  assert.equal(job.payments.length, 2);
  assert.deepEqual(balance(11000, job.payments), { paid_cents: 5000, due_cents: 6000 });
  assert.deepEqual(balance(4000, job.payments), { paid_cents: 5000, due_cents: 0 });
});
