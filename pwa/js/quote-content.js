/**
 * "Sign what you see" for a quote (out of warranty, before the work): the content the
 * customer approves or declines, and its hash — the canonical form and SHA-256 of the
 * report (signed-content.js). The server builds the same object from its rows
 * (server/billing/content.py); tests/vectors/quote_content.json proves both agree.
 *
 * Content, version 1:
 *   {"v":1, "kind":"quote", "quote_id", "order":{"id","number"}, "language":"en"|"zh",
 *    "customer":{"name","address"}, "asset":null|{"brand","model","serial"},
 *    "lines":[{"kind":"labour"|"part"|"travel", "sku" (parts only, else null),
 *              "name" (the part's name in the language, else null),
 *              "quantity","unit_price_cents","total_cents"}]   (by kind, then sku),
 *    "total_cents", "diagnostic_fee_cents", "currency", "decision":"approved"|"declined"}
 *
 * Pure module (no DOM, no storage): runs in the browser and under `node --test`.
 */
import { addressLine, compareCodePoints, languageOf } from "./signed-content.js";

export const QUOTE_VERSION = 1;

/**
 * A quote from the price list the phone holds: each chosen part (id → quantity) at its
 * catalogue price, then the order's labour and travel (the tariff the server set).
 */
export function priceListLines(order, chosen, parts) {
  const lines = Object.entries(chosen).filter(([, quantity]) => quantity > 0)
    .map(([partId, quantity]) => ({ kind: "part", part_id: partId, quantity,
      unit_price_cents: parts[partId].price_cents }));
  lines.push({ kind: "labour", part_id: null, quantity: 1,
    unit_price_cents: order.labour_cents || 0 });
  lines.push({ kind: "travel", part_id: null, quantity: 1,
    unit_price_cents: order.travel_cents || 0 });
  return lines;
}

/** The quote's content from the phone's rows and the quoted lines. */
export function quoteContent({ quoteId, order, customer, address, asset, parts, lines,
  decision }) {
  const language = languageOf(order);
  const rows = lines.map((line) => {
    const part = line.kind === "part" ? (parts[line.part_id] || {}) : null;
    return {
      kind: line.kind,
      sku: part ? part.sku : null,
      name: part ? (language === "zh" ? part.name_zh : part.name_en) : null,
      quantity: line.quantity,
      unit_price_cents: line.unit_price_cents,
      total_cents: line.quantity * line.unit_price_cents,
    };
  }).sort((a, b) => compareCodePoints(a.kind, b.kind)
    || compareCodePoints(a.sku || "", b.sku || ""));
  return {
    v: QUOTE_VERSION,
    kind: "quote",
    quote_id: String(quoteId).toLowerCase(),
    order: { id: String(order.id).toLowerCase(), number: order.number },
    language,
    customer: { name: customer.name, address: addressLine(address) },
    asset: asset ? { brand: asset.brand, model: asset.model, serial: asset.serial } : null,
    lines: rows,
    total_cents: rows.reduce((sum, row) => sum + row.total_cents, 0),
    diagnostic_fee_cents: order.diagnostic_fee_cents || 0,
    currency: order.currency,
    decision,
  };
}

/** What the customer pays under a quote decision: approved → the quoted labour and travel
 * (parts as used), declined → the diagnostic fee only (as server/billing/service.py). */
export function quotedLabourTravel(quote) {
  if (!quote) return null;
  if (quote.decision === "declined") return { labour: quote.diagnostic_fee_cents, travel: 0 };
  const sum = (kind) => quote.lines.filter((line) => line.kind === kind)
    .reduce((total, line) => total + line.quantity * line.unit_price_cents, 0);
  return { labour: sum("labour"), travel: sum("travel") };
}
