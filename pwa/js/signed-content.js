/**
 * "Sign what you see": the content of a service report the customer signs, and its hash.
 * The server builds the same content from its own rows and must get the same hash; the
 * shared vectors in tests/vectors/signed_content.json prove both sides agree.
 *
 * Content, version 1:
 *   {"v":1, "order":{"id","number"}, "language":"en"|"zh" (the order's),
 *    "customer":{"name","address"},
 *    "asset":null|{"brand","model","serial","warranty_status" (on the order's day)},
 *    "fault", "diagnosis", "resolution", "root_cause",
 *    "parts":[{"sku","name","quantity","unit_price_cents","total_cents"}]   (by sku; the
 *             quantity sums the part's lines, returns negative, zero left out; the unit
 *             price is the highest on the part's lines),
 *    "charges":{"in_warranty","parts_cents","labour_cents","travel_cents","total_cents",
 *               "currency"},
 *    "photos":[{"kind","sha256"}]   (by kind, then sha256; failed photos left out),
 *    "checklist":[{"template","version","key","value"}]   (each item's current answer, by
 *             template id then key; the key only when there are answers — checklist.js)}
 *
 * Version 2 = version 1 plus "rework_of" (the first visit's number, or null) and, in
 * "charges", "discount_cents" and "discount_reason" (the office's waiver or discount). An
 * order that is no rework and has no discount is signed as version 1, as before.
 *
 * Canonical form: keys sorted by code point at every level, no whitespace, raw UTF-8,
 * strings NFC-normalised, integers only. Hash: SHA-256 of the UTF-8 bytes, lowercase hex.
 *
 * Pure module (no DOM, no storage): runs in the browser and under `node --test`.
 */
import { charges as chargesFor, partTotals } from "./fold.js";

export const CONTENT_VERSION = 1;
export const CONTENT_VERSION_2 = 2;

/** 1, or 2 when the order is a rework or carries the office's discount (server: version_of). */
export function versionOf(order) {
  return order.rework_of || order.discount_kind ? CONTENT_VERSION_2 : CONTENT_VERSION;
}

/** Address lines joined with ", ", empty parts skipped. */
export function addressLine(address) {
  if (!address) return "";
  return [address.line1, address.line2, address.district, address.city]
    .filter((part) => part !== null && part !== undefined && part !== "").join(", ");
}

const orNull = (value) => (value === undefined ? null : value);

/** The report language: "zh" for any Chinese order language, otherwise "en". */
export function languageOf(order) {
  return String(order.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

/**
 * The asset's warranty status on the day the order was taken (UTC), like the order's own
 * in_warranty — not today's, which the pulled asset row carries.
 */
export function warrantyOn(asset, createdAt) {
  if (!asset.warranty_end) return "unknown";
  const day = createdAt ? new Date(createdAt).toISOString().slice(0, 10)
    : new Date().toISOString().slice(0, 10);
  return String(asset.warranty_end).slice(0, 10) >= day ? "in_warranty" : "out_of_warranty";
}

/**
 * Build the content from what the phone holds for the job (replicated rows with the
 * pending changes folded in):
 *   order, customer, address, asset (or null), lines (part usage rows, returns negative),
 *   parts (part id → catalogue row), photos (photo rows), checklist (the entries
 *   checklist.js signedChecklist makes from the answer rows; none or [] leaves it out).
 * The language is the order's (languageOf), as the server renders it.
 */
export function signedContent({ order, customer, address, asset, lines, parts, photos,
  checklist, quote = null }) {
  const language = languageOf(order);
  const totals = partTotals(lines || []);
  const partRows = totals.map((entry) => {
    const part = parts[entry.part_id] || {};
    return {
      sku: part.sku,
      name: language === "zh" ? part.name_zh : part.name_en,
      quantity: entry.quantity,
      unit_price_cents: entry.unit_price_cents,
      total_cents: entry.total_cents,
    };
  }).sort((a, b) => compareCodePoints(a.sku, b.sku));
  const version = versionOf(order);
  const { discount_cents: discount, ...money } = chargesFor(order, totals, quote);
  if (version >= CONTENT_VERSION_2) {
    money.discount_cents = discount || 0;
    money.discount_reason = order.discount_kind && !money.in_warranty
      ? orNull(order.discount_reason) : null;
  }
  const content = {
    v: version,
    order: { id: String(order.id).toLowerCase(), number: order.number },
    language,
    customer: { name: customer.name, address: addressLine(address) },
    asset: asset ? { brand: asset.brand, model: asset.model, serial: asset.serial,
      warranty_status: warrantyOn(asset, order.created_at) } : null,
    fault: orNull(order.description),
    diagnosis: orNull(order.diagnosis),
    resolution: orNull(order.resolution),
    root_cause: orNull(order.root_cause),
    parts: partRows,
    charges: money,
    photos: (photos || []).filter((photo) => photo.status !== "failed")
      .map((photo) => ({ kind: photo.kind, sha256: photo.sha256 }))
      .sort((a, b) => compareCodePoints(a.kind, b.kind) || compareCodePoints(a.sha256, b.sha256)),
  };
  if (version >= CONTENT_VERSION_2) content.rework_of = orNull(order.rework_of);
  if (checklist && checklist.length) content.checklist = checklist;
  return content;
}

/** Compare strings by Unicode code point (not UTF-16 unit, as Array.sort would). */
export function compareCodePoints(a, b) {
  const x = [...String(a)];
  const y = [...String(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

/**
 * The canonical JSON text of `value`. Written out by hand rather than with a sorted
 * object, because JavaScript puts integer-like keys ("10") first whatever the order.
 */
export function canonicalJson(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value.normalize("NFC"));
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new TypeError(`signed content holds integers only, got ${value}`);
    }
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]) => [key.normalize("NFC"), item])
      .sort(([a], [b]) => compareCodePoints(a, b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`)
      .join(",")}}`;
  }
  throw new TypeError(`cannot put a ${typeof value} in signed content`);
}

/** SHA-256 of the canonical UTF-8 bytes, lowercase hex. */
export async function contentHash(content) {
  const bytes = new TextEncoder().encode(canonicalJson(content));
  return sha256Hex(bytes);
}

export async function sha256Hex(data) {
  const buffer = data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data
    : await data.arrayBuffer();
  const digest = await globalThis.crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
