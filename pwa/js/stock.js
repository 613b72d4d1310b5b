/**
 * Van stock on the phone: parts requested for a job, and deliveries sent to the van that
 * the technician confirms (docs/sync-protocol.md, "Parts requests and deliveries").
 *
 * Both are sync mutations in the outbox (`request_part`, `confirm_receipt`); what the
 * screens show is the replicated rows (`part_request`, `van_delivery`) with the pending
 * mutations folded over them, so a request or a receipt shows at once, offline.
 */
import { db, getMeta, setMeta } from "./db.js";
import { enqueue } from "./outbox.js";

const now = () => new Date().toISOString();

/**
 * Ask the office for `quantity` of a part for this job. A job on site then waits for parts
 * (the server moves it, fold.js shows it at once), so the work time so far is logged as a
 * pause would log it (actions.js transition).
 */
export async function requestPart(order, partId, quantity, note = null) {
  const text = (note || "").trim();
  const at = now();
  const clockKey = `clock:${order.id}`;
  return enqueue(async () => {
    const list = [{ name: "request_part", args: { order_id: order.id,
      request_id: crypto.randomUUID(), part_id: partId, quantity,
      note: text || null, device_time: at } }];
    if (order.status === "on_site") {
      const clock = await getMeta(clockKey, {});
      if (clock.work_since && clock.work_since < at) {
        list.push({ name: "log_time", args: { order_id: order.id,
          log_id: crypto.randomUUID(), kind: "work", started_at: clock.work_since,
          ended_at: at } });
      }
      clock.work_since = null;
      await setMeta(clockKey, clock);
    }
    return list;
  });
}

/** Confirm what arrived of a delivery: `received` ≤ what was sent; the rest is short. */
export async function confirmReceipt(delivery, received) {
  return enqueue([{ name: "confirm_receipt", args: { delivery_id: delivery.id,
    received_quantity: received, device_time: now() } }]);
}

/** Requests for a job, oldest first; pending ones have status "pending" (not yet sent). */
export function foldRequests(rows, pending, orderId) {
  const byId = new Map(rows.filter((r) => r.work_order_id === orderId).map((r) => [r.id, r]));
  for (const m of pending) {
    if (m.name !== "request_part" || m.args.order_id !== orderId) continue;
    if (byId.has(m.args.request_id)) continue;
    byId.set(m.args.request_id, { id: m.args.request_id, work_order_id: orderId,
      part_id: m.args.part_id, quantity: m.args.quantity, note: m.args.note,
      status: "pending", created_at: m.args.device_time });
  }
  return [...byId.values()].sort((a, b) => (a.created_at < b.created_at ? -1
    : a.created_at > b.created_at ? 1 : 0));
}

/** Deliveries still to confirm: sent by the office, no receipt queued on this phone. */
export function foldIncoming(deliveries, pending) {
  const confirmed = new Set(pending.filter((m) => m.name === "confirm_receipt")
    .map((m) => m.args.delivery_id));
  return deliveries.filter((d) => d.status === "sent" && !confirmed.has(d.id))
    .sort((a, b) => (a.sent_at < b.sent_at ? -1 : a.sent_at > b.sent_at ? 1
      : a.id < b.id ? -1 : 1));
}

export async function requestsFor(orderId) {
  const [rows, pending, parts] = await Promise.all([
    db.part_request.where("work_order_id").equals(orderId).toArray(),
    db.outbox.orderBy("id").toArray(), db.part.toArray()]);
  const byId = Object.fromEntries(parts.map((p) => [p.id, p]));
  return foldRequests(rows, pending, orderId).map((r) => ({ ...r, part: byId[r.part_id] || {} }));
}

/** Incoming deliveries with their parts, and a summary per source for the banner. */
export async function incoming() {
  const [rows, pending, parts] = await Promise.all([db.van_delivery.toArray(),
    db.outbox.orderBy("id").toArray(), db.part.toArray()]);
  const byId = Object.fromEntries(parts.map((p) => [p.id, p]));
  const list = foldIncoming(rows, pending).map((d) => ({ ...d, part: byId[d.part_id] || {} }));
  const sources = [...new Set(list.map((d) => d.from_name))];
  return { list, parts: list.reduce((n, d) => n + d.quantity, 0), sources };
}
