/**
 * What the technician sees = the server's rows (as last pulled) with the changes still in
 * the outbox folded over them, oldest first. Pure functions, no storage: the same fold
 * also writes an acknowledged change into the replicated rows until the next pull brings
 * the server's own version.
 *
 * Every step is idempotent (lines are keyed by the UUID made on the phone), so folding a
 * change the server already applied is harmless.
 */

import { quotedLabourTravel } from "./quote-content.js";

/** Statuses after which the job is finished on the technician's side. */
export const DONE = new Set(["completed", "signed", "closed", "cancelled"]);
export const ACTIVE = new Set(["en_route", "on_site", "awaiting_parts", "awaiting_customer"]);
export const PAUSED = new Set(["awaiting_parts", "awaiting_customer"]);

/** The order row after `pending` mutations (only those that touch the order itself). */
export function foldOrder(order, pending) {
  let next = order;
  for (const m of pending) {
    if (m.args.order_id !== order.id) continue;
    next = applyToOrder(next, m);
  }
  return next;
}

function applyToOrder(order, m) {
  const a = m.args;
  switch (m.name) {
    case "transition": {
      if (order.status === a.to) return order;
      const next = { ...order, status: a.to };
      if (a.to === "on_site" && !order.started_at) next.started_at = a.device_time;
      if (a.to === "completed") next.completed_at = a.device_time;
      return next;
    }
    case "set_fields":
      return { ...order, ...a.fields };
    case "capture_signature":
      return order.status === "completed" ? { ...order, status: "signed" } : order;
    case "request_part": // the server puts a job on site on hold for the part (stock.js)
      return order.status === "on_site" ? { ...order, status: "awaiting_parts" } : order;
    default:
      return order;
  }
}

/**
 * A whole job: `base` = {order, notes, part_usages, time_logs, photos, signatures, surveys}
 * (arrays of rows for that order); returns the same shape with `pending` folded in, each
 * line from the outbox marked `_pending: true`. `prices` maps part id → price in cents,
 * for lines the server has not priced yet.
 */
export function foldJob(base, pending, prices = {}) {
  const job = {
    order: base.order,
    notes: [...(base.notes || [])],
    part_usages: [...(base.part_usages || [])],
    time_logs: [...(base.time_logs || [])],
    photos: [...(base.photos || [])],
    signatures: [...(base.signatures || [])],
    surveys: [...(base.surveys || [])],
    checklist_answers: [...(base.checklist_answers || [])],
    quotes: [...(base.quotes || [])],
    payments: [...(base.payments || [])],
  };
  const has = (list, id) => list.some((row) => row.id === id);
  for (const m of pending) {
    const a = m.args;
    if (!job.order || a.order_id !== job.order.id) continue;
    job.order = applyToOrder(job.order, m);
    const line = { work_order_id: a.order_id, _pending: true, _mutation: m.id };
    switch (m.name) {
      case "add_note":
        if (!has(job.notes, a.note_id)) {
          job.notes.push({ ...line, id: a.note_id, body: a.body, device_time: a.device_time,
            created_at: a.device_time });
        }
        break;
      case "use_part":
      case "return_part":
        if (!has(job.part_usages, a.line_id)) {
          job.part_usages.push({ ...line, id: a.line_id, part_id: a.part_id,
            quantity: m.name === "use_part" ? a.quantity : -a.quantity,
            unit_price_cents: prices[a.part_id] ?? 0, device_time: a.device_time });
        }
        break;
      case "attach_photo":
        if (!has(job.photos, a.photo_id)) {
          job.photos.push({ ...line, id: a.photo_id, kind: a.kind, sha256: a.sha256,
            caption: a.caption ?? null, taken_at: a.taken_at ?? null, status: "pending",
            failure_reason: null });
        }
        break;
      case "log_time":
        if (!has(job.time_logs, a.log_id)) {
          job.time_logs.push({ ...line, id: a.log_id, kind: a.kind, started_at: a.started_at,
            ended_at: a.ended_at });
        }
        break;
      case "capture_signature":
        if (!has(job.signatures, a.signature_id)) {
          job.signatures.push({ ...line, id: a.signature_id, signer_name: a.signer_name,
            image_sha256: a.image_sha256, content_hash: a.content_hash,
            signed_at_device: a.device_time });
        }
        break;
      case "submit_survey":
        if (!has(job.surveys, a.survey_id)) {
          job.surveys.push({ ...line, id: a.survey_id, rating: a.rating,
            comment: a.comment ?? null });
        }
        break;
      case "fill_checklist_item":
        if (!has(job.checklist_answers, a.answer_id)) {
          job.checklist_answers.push({ ...line, id: a.answer_id, template_id: a.template_id,
            template_version: a.template_version, item_key: a.item_key, value: a.value,
            device_time: a.device_time, created_at: a.device_time });
        }
        break;
      case "decide_quote":
        // One quote per order: a pending decision shows only while the server has none.
        if (!has(job.quotes, a.quote_id) && !job.quotes.length) {
          job.quotes.push({ ...line, id: a.quote_id, decision: a.decision,
            diagnostic_fee_cents: a.diagnostic_fee_cents, signer_name: a.signer_name,
            content_hash: a.content_hash, decided_at_device: a.device_time,
            currency: job.order.currency,
            lines: a.lines.map((l) => ({ ...l, total_cents: l.quantity * l.unit_price_cents })),
            total_cents: a.lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents, 0) });
        }
        break;
      case "record_payment":
        if (!has(job.payments, a.payment_id)) {
          job.payments.push({ ...line, id: a.payment_id, method: a.method,
            amount_cents: a.amount_cents, reference: a.reference ?? null,
            currency: job.order.currency, paid_at_device: a.device_time });
        }
        break;
      default:
        break;
    }
  }
  return job;
}

/**
 * Part lines summed per part: [{part_id, quantity, unit_price_cents, total_cents}], parts
 * whose lines sum to zero left out. The unit price is the one recorded on the part's lines
 * (the catalogue price when it was used); if they differ, the highest — as the server does.
 */
export function partTotals(lines) {
  const byPart = new Map();
  for (const line of lines) {
    const entry = byPart.get(line.part_id)
      || { part_id: line.part_id, quantity: 0, unit_price_cents: line.unit_price_cents };
    entry.quantity += line.quantity;
    entry.unit_price_cents = Math.max(entry.unit_price_cents, line.unit_price_cents);
    byPart.set(line.part_id, entry);
  }
  return [...byPart.values()].filter((entry) => entry.quantity !== 0).map((entry) => ({
    ...entry, total_cents: entry.quantity * entry.unit_price_cents,
  }));
}

/**
 * What the customer pays: nothing in warranty; otherwise the parts used plus the order's
 * labour and travel — under a quote, the quoted labour and travel (declined: the
 * diagnostic fee only), as server/billing/service.py. All integers (minor units of
 * `currency`).
 */
export function charges(order, totals, quote = null) {
  const inWarranty = order.in_warranty === true;
  const parts = totals.reduce((sum, entry) => sum + entry.total_cents, 0);
  const quoted = quotedLabourTravel(quote);
  const labour = quoted ? quoted.labour : order.labour_cents || 0;
  const travel = quoted ? quoted.travel : order.travel_cents || 0;
  if (inWarranty) {
    return { in_warranty: true, parts_cents: 0, labour_cents: 0, travel_cents: 0,
      total_cents: 0, currency: order.currency };
  }
  const gross = parts + labour + travel;
  const discount = discountOf(order.discount_kind, order.discount_value, gross);
  return { in_warranty: false, parts_cents: parts, labour_cents: labour,
    travel_cents: travel, total_cents: gross - discount, currency: order.currency,
    discount_cents: discount };
}

/**
 * What was paid on site and what is still due (never negative; what a later decision left
 * paid above the total is the office's to refund — docs/sync-protocol.md §4a rule 5).
 */
export function balance(total, payments) {
  const paid = payments.reduce((sum, payment) => sum + payment.amount_cents, 0);
  return { paid_cents: paid, due_cents: Math.max(total - paid, 0) };
}

/**
 * What the office's discount takes off `gross` (server: charges.discount_of): an amount at
 * most `gross`; a percentage (1–100) rounded down to the minor unit.
 */
export function discountOf(kind, value, gross) {
  if (!kind || !value || gross <= 0) return 0;
  if (kind === "percent") return Math.floor((gross * Math.min(value, 100)) / 100);
  return Math.min(value, gross);
}

/** Van stock per part id after the pending part lines (stock may show below zero). */
export function vanStock(levels, pending) {
  const stock = new Map(levels.map((level) => [level.part_id, level.quantity]));
  for (const m of pending) {
    if (m.name !== "use_part" && m.name !== "return_part") continue;
    const delta = m.name === "use_part" ? -m.args.quantity : m.args.quantity;
    stock.set(m.args.part_id, (stock.get(m.args.part_id) || 0) + delta);
  }
  return stock;
}

/** Great-circle distance in km, or null when a point is missing. */
export function distanceKm(from, to) {
  if (!from || !to || from.latitude == null || to.latitude == null) return null;
  const rad = Math.PI / 180;
  const dLat = (to.latitude - from.latitude) * rad;
  const dLon = (to.longitude - from.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2
    + Math.cos(from.latitude * rad) * Math.cos(to.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
