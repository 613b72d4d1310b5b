// Parts requests and incoming deliveries as the phone shows them: server rows with the
// outbox folded over them (stock.js), and a request putting a job on site on hold (fold.js).
import assert from "node:assert/strict";
import { test } from "node:test";
import { foldOrder } from "../js/fold.js";
import { foldIncoming, foldRequests } from "../js/stock.js";

test("a pending request shows at once, marked not sent, after the server's ones", () => {
  const rows = [{ id: "r1", work_order_id: "o1", part_id: "p1", quantity: 1, status: "sent",
    created_at: "2026-11-30T08:00:00Z" },
  { id: "rx", work_order_id: "o2", part_id: "p1", quantity: 1, status: "open",
    created_at: "2026-11-30T07:00:00Z" }];
  const pending = [{ id: 5, name: "request_part", args: { order_id: "o1", request_id: "r2",
    part_id: "p2", quantity: 2, note: null, device_time: "2026-11-30T09:00:00Z" } },
  { id: 6, name: "request_part", args: { order_id: "o1", request_id: "r1", part_id: "p1",
    quantity: 1, device_time: "2026-11-30T08:00:00Z" } }];
  const list = foldRequests(rows, pending, "o1");
  assert.deepEqual(list.map((r) => [r.id, r.status]), [["r1", "sent"], ["r2", "pending"]]);
});

test("a request puts a job on site on hold; elsewhere the status stays", () => {
  const request = { id: 1, name: "request_part", args: { order_id: "o1" } };
  assert.equal(foldOrder({ id: "o1", status: "on_site" }, [request]).status, "awaiting_parts");
  assert.equal(foldOrder({ id: "o1", status: "en_route" }, [request]).status, "en_route");
});

test("a delivery leaves the incoming list once its receipt is queued", () => {
  const deliveries = [
    { id: "d2", status: "sent", sent_at: "2026-11-30T09:00:00Z", quantity: 1 },
    { id: "d1", status: "sent", sent_at: "2026-11-30T08:00:00Z", quantity: 3 },
    { id: "d0", status: "received", sent_at: "2026-11-29T08:00:00Z", quantity: 3 },
  ];
  assert.deepEqual(foldIncoming(deliveries, []).map((d) => d.id), ["d1", "d2"]);
  const queued = [{ id: 9, name: "confirm_receipt", args: { delivery_id: "d1", received_quantity: 2 } }];
  assert.deepEqual(foldIncoming(deliveries, queued).map((d) => d.id), ["d2"]);
});
