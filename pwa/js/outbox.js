/**
 * The outbox: the technician's changes as sync mutations, kept on the phone until the
 * server acknowledges them.
 *
 * Rules (docs/sync-protocol.md, "Push"):
 * - every mutation gets the next per-device id in the same transaction that stores it;
 * - an entry is deleted only when a push response carries its result — never because
 *   of age, an error, an update or a sign-out;
 * - a rejected mutation is counted as processed by the server: it leaves the outbox and
 *   becomes a notice the technician sees with its reason (never silently dropped);
 * - network errors and 5xx are retried by the caller with backoff (sync.js); nothing here
 *   gives up;
 * - after a revocation (session.js signed in as a new device and set `adoptFrom`) nothing
 *   is pushed until adoptOutbox() has learned the outcome of every id the revoked device
 *   processed and renumbered the rest for the new device.
 */
import { APP_VERSION, HttpError, PROTOCOL, request } from "./api.js";
import { db, getMeta, setMeta, isQuotaError } from "./db.js";
import { foldJob } from "./fold.js";

/** The version of each mutation this app writes (sync/mutations.py, latest). */
export const VERSIONS = {
  transition: 2, set_fields: 1, add_note: 1, use_part: 1, return_part: 1, attach_photo: 1,
  log_time: 1, capture_signature: 1, submit_survey: 1, fill_checklist_item: 1,
  propose_article: 1, open_article: 1, rate_article: 1, decide_quote: 1, record_payment: 1,
  request_part: 1, confirm_receipt: 1,
};

// Ids of the batch on its way to the server: never merged into (see enqueue).
const inFlight = new Set();

const BATCH = 100;
const BATCH_BYTES = 1_000_000; // the server refuses bodies over 2 MB

export class StorageFull extends Error {
  constructor(cause) {
    super("storage_full");
    this.name = "StorageFull";
    this.cause = cause;
  }
}

const listeners = new Set();
/** Called after anything is queued (sync.js schedules a push). */
export function onQueued(listener) {
  listeners.add(listener);
}

/**
 * Store `mutations` ([{name, args}], or an async function returning them, run inside the
 * transaction) atomically with the next ids; `extra()` may write more rows (a photo's
 * bytes, say) in the same transaction, from `extraTables`.
 * Returns the ids. Throws StorageFull when the phone has no room (nothing is stored).
 */
export async function enqueue(mutations, { extraTables = [], extra } = {}) {
  const now = new Date().toISOString();
  let ids = [];
  try {
    await db.transaction("rw", [db.meta, db.outbox, ...extraTables], async () => {
      if (extra) await extra();
      const list = typeof mutations === "function" ? await mutations() : mutations;
      let next = await getMeta("nextMutationId", 1);
      const last = await db.outbox.orderBy("id").last();
      if (last && last.id >= next) next = last.id + 1;
      ids = [];
      if (list.length === 1 && mergeable(last, list[0])) {
        // Typing in a field saves every second: keep one change per editing session, with
        // the base the technician saw before the first keystroke.
        const { fields, base, device_time: time } = list[0].args;
        await db.outbox.put({ ...last, args: { ...last.args, device_time: time,
          fields: { ...last.args.fields, ...fields }, base: { ...base, ...last.args.base } } });
        ids.push(last.id);
        return;
      }
      for (const { name, args } of list) {
        if (!VERSIONS[name]) throw new Error(`unknown mutation ${name}`);
        await db.outbox.add({ id: next, name, version: VERSIONS[name], args,
          client_time: now, order_id: args.order_id || null });
        ids.push(next);
        next += 1;
      }
      await setMeta("nextMutationId", next);
    });
  } catch (error) {
    if (isQuotaError(error)) throw new StorageFull(error);
    throw error;
  }
  for (const listener of listeners) listener();
  return ids;
}

function mergeable(last, mutation) {
  return last && !inFlight.has(last.id) && last.name === "set_fields"
    && mutation.name === "set_fields" && last.args.order_id === mutation.args.order_id
    && Object.keys(mutation.args.fields).every((key) => key in last.args.fields);
}

export function pendingAll() {
  return db.outbox.orderBy("id").toArray();
}

export function pendingFor(orderId) {
  return db.outbox.where("order_id").equals(orderId).sortBy("id");
}

/**
 * Push every pending mutation, in id order, in batches. Returns {applied, rejected,
 * conflicts} counts. Throws AuthProblem / HttpError / NetworkError from the request;
 * what was acknowledged before the error stays acknowledged.
 */
export async function pushAll(token) {
  const summary = { applied: 0, rejected: 0, conflicts: 0 };
  await adoptOutbox(token, summary);
  for (let round = 0; round < 1000; round += 1) {
    const batch = await nextBatch();
    if (!batch.length) break;
    let data;
    try {
      ({ data } = await request("/api/v1/sync/push", { method: "POST", token,
        body: { protocol: PROTOCOL, app_version: APP_VERSION, mutations: batch.map(wire) } }));
      await acknowledge(data, summary);
    } finally {
      inFlight.clear();
    }
    const before = batch[0].id;
    if (data.stopped && data.stopped.reason === "gap") {
      await renumberFrom(data.stopped.expected_id);
      continue;
    }
    if (data.last_mutation_id < before) break; // nothing taken: do not spin
  }
  return summary;
}

/** The oldest entries, marked in flight inside the reading transaction (no merge races). */
function nextBatch() {
  return db.transaction("r", db.outbox, async () => {
    const entries = await db.outbox.orderBy("id").limit(BATCH).toArray();
    let bytes = 0;
    const batch = [];
    for (const entry of entries) {
      bytes += JSON.stringify(entry.args).length + 200;
      if (batch.length && bytes > BATCH_BYTES) break;
      batch.push(entry);
      inFlight.add(entry.id);
    }
    return batch;
  });
}

function wire(entry) {
  return { id: entry.id, name: entry.name, version: entry.version, args: entry.args,
    client_time: entry.client_time };
}

const ACK_TABLES = () => [db.outbox, db.notices, db.meta, db.work_order, db.note,
  db.part_usage, db.time_log, db.photo, db.signature, db.survey, db.stock_level, db.part,
  db.quote, db.payment];

/**
 * Apply a push response: exactly the entries it carries a result for leave the outbox;
 * rejections and conflicts become notices; applied changes are written into the replicated
 * rows until the next pull brings the server's version. One transaction.
 *
 * last_mutation_id may cover entries this batch did not carry (an earlier response was
 * lost): they stay queued, and the next push replays their outcome (docs/sync-protocol.md).
 */
async function acknowledge(data, summary) {
  const results = new Map((data.results || []).map((result) => [result.id, result]));
  const deviceId = await getMeta("deviceId");
  await db.transaction("rw", ACK_TABLES(), async () => {
    const done = (await db.outbox.where("id").belowOrEqual(data.last_mutation_id).sortBy("id"))
      .filter((entry) => results.has(entry.id));
    await settle(done, results, deviceId, summary);
  });
}

/** Inside a transaction: record the outcome of each entry of `done`, then delete them. */
async function settle(done, results, deviceId, summary) {
  for (const entry of done) {
    const result = results.get(entry.id);
    if (result.status === "rejected") {
      summary.rejected += 1;
      await addNotice(deviceId, entry, "rejected", result);
      continue;
    }
    summary.applied += 1;
    await applyAcknowledged(entry);
    for (const conflict of result.conflicts || []) {
      summary.conflicts += 1;
      await addNotice(deviceId, entry, "conflict", { reason: conflict.kind,
        message: conflict.message });
    }
  }
  await db.outbox.bulkDelete(done.map((entry) => entry.id));
}

const ADOPT_CHUNK = 1000;

/**
 * After a revocation (docs/sync-protocol.md §2, "After a revocation"): ask the server what
 * became of the ids the revoked device `adoptFrom` processed — also those whose response
 * was lost — settle them like a push response, and renumber the others from `next_id`, all
 * in one transaction. Asking again is harmless: the server only reads. Throws like request.
 */
export async function adoptOutbox(token, summary = { applied: 0, rejected: 0, conflicts: 0 }) {
  const from = await getMeta("adoptFrom", null);
  if (!from) return summary;
  const ids = await db.outbox.orderBy("id").primaryKeys();
  const results = new Map();
  let last = 0;
  let nextId = 1;
  for (let start = 0; start === 0 || start < ids.length; start += ADOPT_CHUNK) {
    const chunk = ids.slice(start, start + ADOPT_CHUNK);
    let data;
    try {
      ({ data } = await request("/api/v1/sync/adopt", { method: "POST", token,
        body: { protocol: PROTOCOL, device_id: from, ids: chunk } }));
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 404)) throw error;
      // Not a device of this account (local data from elsewhere): nothing to learn.
      console.warn("adopt: the server does not know the old device", from);
      await db.meta.delete("adoptFrom");
      return summary;
    }
    for (const result of data.results) results.set(result.id, result);
    last = data.last_mutation_id;
    nextId = data.next_id;
  }
  await db.transaction("rw", ACK_TABLES(), async () => {
    if ((await getMeta("adoptFrom", null)) !== from) return; // another tab did it
    const entries = await db.outbox.orderBy("id").toArray();
    const done = entries.filter((entry) => results.has(entry.id));
    const rest = entries.filter((entry) => !results.has(entry.id));
    if (rest.some((entry) => entry.id <= last)) {
      throw new Error("adopt: an entry the old device processed has no outcome");
    }
    await settle(done, results, from, summary);
    // Never applied, never will be under the old id: the new device's next ids, in order.
    await db.outbox.bulkDelete(rest.map((entry) => entry.id));
    let id = nextId;
    for (const entry of rest) {
      await db.outbox.add({ ...entry, id });
      id += 1;
    }
    await setMeta("nextMutationId", id);
    await db.meta.delete("adoptFrom");
  });
  return summary;
}

async function addNotice(deviceId, entry, kind, result) {
  const seen = await db.notices.where("mutation_id").equals(entry.id)
    .filter((n) => n.device_id === deviceId && n.kind === kind && n.reason === result.reason)
    .count();
  if (seen) return;
  const order = entry.order_id && await db.work_order.get(entry.order_id);
  await db.notices.add({ kind, device_id: deviceId, mutation_id: entry.id, name: entry.name,
    args: entry.args, order_id: entry.order_id, order_number: order ? order.number : null,
    reason: result.reason || null,
    message: result.message || "", errors: result.errors || {},
    at: new Date().toISOString(), dismissed_at: null });
}

/** Write an applied change into the replicated rows (never over a row the server sent). */
async function applyAcknowledged(entry) {
  const order = entry.order_id && await db.work_order.get(entry.order_id);
  if (!order) return;
  const prices = {};
  if (entry.args.part_id) {
    const part = await db.part.get(entry.args.part_id);
    if (part) prices[part.id] = part.price_cents;
  }
  const job = foldJob({ order }, [entry], prices);
  await db.work_order.put(job.order);
  const lines = { note: job.notes, part_usage: job.part_usages, time_log: job.time_logs,
    photo: job.photos, signature: job.signatures, survey: job.surveys, quote: job.quotes,
    payment: job.payments };
  for (const [table, rows] of Object.entries(lines)) {
    for (const { _pending, _mutation, ...row } of rows) {
      if (!(await db.table(table).get(row.id))) await db.table(table).put(row);
    }
  }
  if (entry.name === "use_part" || entry.name === "return_part") {
    const level = await db.stock_level.where("part_id").equals(entry.args.part_id).first();
    if (level) {
      const delta = entry.name === "use_part" ? -entry.args.quantity : entry.args.quantity;
      await db.stock_level.put({ ...level, quantity: level.quantity + delta });
    }
  }
}

/**
 * The server expects `expected` next and the oldest pending entry is above it (the outbox
 * lost entries): give the pending entries consecutive ids from there, keeping their order.
 * Safe because every id above `expected - 1` is one the server has applied none of. (A new
 * device after a revocation never gets here: adoptOutbox renumbers first.)
 */
export async function renumberFrom(expected) {
  await db.transaction("rw", [db.outbox, db.meta], async () => {
    const entries = await db.outbox.orderBy("id").toArray();
    if (!entries.length || entries[0].id === expected) return;
    await db.outbox.clear();
    let id = expected;
    for (const entry of entries) {
      await db.outbox.add({ ...entry, id });
      id += 1;
    }
    await setMeta("nextMutationId", id);
  });
}
