/**
 * What the technician does to a job, as mutations in the outbox. Each call stores its
 * change on the phone at once (the screens show it straight away) and sync takes it to
 * the server when it can. Status steps carry the phone's time and, when allowed, place;
 * travel and work time are logged from the steps.
 */
import { plainDecimal } from "./checklist.js";
import { db, getMeta, setMeta } from "./db.js";
import { currentPosition } from "./geo.js";
import { enqueue } from "./outbox.js";
import { storeAndQueue } from "./photos.js";
import { contentHash, sha256Hex } from "./signed-content.js";

const now = () => new Date().toISOString();
const located = (coords) => (coords ? { latitude: coords.latitude,
  longitude: coords.longitude } : {});

/** The next status steps offered for `status`: [{to, kind, needsReason, label}]. */
export function nextSteps(status) {
  switch (status) {
    case "scheduled":
    case "reopened":
      return [{ to: "en_route", kind: "primary" }];
    case "en_route":
      return [{ to: "on_site", kind: "primary" },
        { to: "scheduled", kind: "secondary", needsReason: true }];
    case "on_site":
      return [{ to: "completed", kind: "primary" },
        { to: "awaiting_parts", kind: "secondary", needsReason: true },
        { to: "awaiting_customer", kind: "secondary", needsReason: true }];
    case "awaiting_parts":
    case "awaiting_customer":
      return [{ to: "on_site", kind: "primary", label: "resume" },
        { to: "en_route", kind: "secondary", label: "travelAgain" }];
    default:
      return [];
  }
}

/**
 * Move the job to `to`. Also logs travel (en route → on site) and work (on site → paused
 * or completed) as time logs.
 */
export async function transition(order, to, { reason = null } = {}) {
  const coords = await currentPosition();
  const at = now();
  const clockKey = `clock:${order.id}`;
  await enqueue(async () => {
    const clock = await getMeta(clockKey, {});
    const list = [{ name: "transition", args: { order_id: order.id, to, device_time: at,
      ...located(coords), ...(reason ? { reason } : {}) } }];
    const log = (kind, since) => {
      if (since && since < at) {
        list.push({ name: "log_time", args: { order_id: order.id, log_id: crypto.randomUUID(),
          kind, started_at: since, ended_at: at } });
      }
    };
    if (to === "on_site") {
      log("travel", clock.travel_since);
      clock.travel_since = null;
      clock.work_since = at;
    } else if (to === "en_route") {
      log("work", clock.work_since);
      clock.work_since = null;
      clock.travel_since = at;
    } else if (["awaiting_parts", "awaiting_customer", "completed"].includes(to)) {
      log("work", clock.work_since);
      clock.work_since = null;
    } else if (to === "scheduled") {
      clock.travel_since = null;
    }
    await setMeta(clockKey, clock);
    return list;
  });
}

const empty = (value) => (value === "" || value === undefined ? null : value);

/**
 * Save technician fields (diagnosis, resolution, root_cause, arrival_notes). `shown` is
 * what the screen showed before the edit: the server uses it to tell an edit from an
 * overwrite of somebody else's newer value. Unchanged fields are not sent.
 */
export async function setFields(order, values, shown) {
  const fields = {};
  const base = {};
  for (const [name, value] of Object.entries(values)) {
    const next = empty(value);
    const before = empty(shown[name]);
    if (next === before) continue;
    fields[name] = next;
    base[name] = before;
  }
  if (!Object.keys(fields).length) return false;
  await enqueue([{ name: "set_fields", args: { order_id: order.id, fields, base,
    device_time: now() } }]);
  return true;
}

export async function addNote(order, body) {
  await enqueue([{ name: "add_note", args: { order_id: order.id, note_id: crypto.randomUUID(),
    body, device_time: now() } }]);
}

export async function usePart(order, partId, quantity) {
  await enqueue([{ name: "use_part", args: { order_id: order.id, line_id: crypto.randomUUID(),
    part_id: partId, quantity, device_time: now() } }]);
}

export async function returnPart(order, partId, quantity) {
  await enqueue([{ name: "return_part", args: { order_id: order.id,
    line_id: crypto.randomUUID(), part_id: partId, quantity, device_time: now() } }]);
}

/**
 * The customer signs: the signature image is stored and queued for upload, and
 * capture_signature (with the hash of exactly the `content` shown) and submit_survey are
 * queued in one transaction. Returns the content hash.
 */
export async function sign(order, { content, image, signerName, rating, comment }) {
  const hash = await contentHash(content);
  const imageHash = await sha256Hex(await image.arrayBuffer());
  const coords = await currentPosition();
  const mutations = [{ name: "capture_signature", args: { order_id: order.id,
    signature_id: crypto.randomUUID(), signer_name: signerName, image_sha256: imageHash,
    content_hash: hash, device_time: now(), ...located(coords) } }];
  if (rating) {
    mutations.push({ name: "submit_survey", args: { order_id: order.id,
      survey_id: crypto.randomUUID(), rating, ...(comment ? { comment } : {}) } });
  }
  await storeAndQueue({ sha256: imageHash, blob: image }, order.id, "signature", mutations);
  await setMeta(`signed:${order.id}`, { content, hash, at: now() });
  return hash;
}

/** The content the customer signed on this phone (for the signed screen). */
export function signedHere(orderId) {
  return getMeta(`signed:${orderId}`, null);
}

/**
 * The technician proposes an article from a job (title and text, usually from its
 * diagnosis and resolution); the office reviews it. Returns the proposal's id.
 */
export async function proposeArticle(order, { title, body, language }) {
  const proposalId = crypto.randomUUID();
  await enqueue([{ name: "propose_article", args: { proposal_id: proposalId,
    order_id: order.id, title, body, language, device_time: now() } }]);
  return proposalId;
}

/** An article was opened (from a job, or from the knowledge screen): returns the opening's
 * id, which "did it help?" refers to. */
export async function openArticle(articleId, orderId = null) {
  const useId = crypto.randomUUID();
  await enqueue([{ name: "open_article", args: { use_id: useId, article_id: articleId,
    order_id: orderId, device_time: now() } }]);
  return useId;
}

export async function rateArticle(useId, helpful) {
  await enqueue([{ name: "rate_article", args: { use_id: useId, helpful,
    device_time: now() } }]);
}

/** Hide a notice the technician has read. */
export function dismissNotice(seq) {
  return db.notices.update(seq, { dismissed_at: now() });
}

/**
 * Answer one checklist item against the template version the phone holds. A number is
 * written as the server stores it (checklist.js plainDecimal); returns false (nothing
 * queued) when the value is not one the item can hold.
 */
export async function fillChecklistItem(order, template, item, value) {
  let text = String(value ?? "").trim();
  if (item.kind === "number") text = plainDecimal(text);
  if (item.kind === "tick" && !["yes", "no"].includes(text)) text = null;
  if (!text) return false;
  await enqueue([{ name: "fill_checklist_item", args: { order_id: order.id,
    answer_id: crypto.randomUUID(), template_id: template.id,
    template_version: template.version, item_key: item.key, value: text,
    device_time: now() } }]);
  return true;
}

/**
 * The customer approves or declines the quote by signing it (out of warranty, before the
 * work): `content` is exactly what the screen showed (quote-content.js), hashed here;
 * `decide_quote` is queued and leaves the outbox only when the server acknowledged it.
 * The signature image is hashed (the server keeps its hash with the decision); its bytes
 * stay on the phone. Returns the content hash.
 */
export async function decideQuote(order, { quoteId, lines, content, image, signerName }) {
  const hash = await contentHash(content);
  const imageHash = await sha256Hex(await image.arrayBuffer());
  await enqueue([{ name: "decide_quote", args: { order_id: order.id, quote_id: quoteId,
    lines: lines.map(({ kind, part_id: partId, quantity, unit_price_cents: price }) => ({
      kind, part_id: partId ?? null, quantity, unit_price_cents: price })),
    decision: content.decision, diagnostic_fee_cents: content.diagnostic_fee_cents,
    signer_name: signerName, image_sha256: imageHash, content_hash: hash,
    device_time: now() } }]);
  return hash;
}

/** Money received on site (cash, card, or a transfer with its reference). */
export async function recordPayment(order, { method, amountCents, reference = null }) {
  const paymentId = crypto.randomUUID();
  await enqueue([{ name: "record_payment", args: { order_id: order.id,
    payment_id: paymentId, method, amount_cents: amountCents,
    ...(reference ? { reference } : {}), device_time: now() } }]);
  return paymentId;
}
