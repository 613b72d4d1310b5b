/**
 * Sync: push the outbox, pull the server's changes, upload photos — on start-up, when the
 * network comes back, when the app comes to the foreground, every minute while open, after
 * each change, and when the technician asks (pull-to-refresh, "Sync now").
 *
 * Pull (docs/sync-protocol.md, "Pull"): pages from the stored cursor; each page is applied
 * in one transaction together with its new cursor. A first sync asks for the jobs first
 * (§7d): that page is stored (and the job list shows) before the catalogue is fetched.
 * Orders the server removed are dropped only once nothing is pending for them. When the last page's scope checksum differs from
 * the orders held here, the replicated rows are cleared (never the outbox, notices or
 * photos) and pulled again from cursor 0.
 *
 * The `status` store says honestly what is going on; counts of pending work come from the
 * database itself (see views/sync.js).
 */
import { AuthProblem, HttpError, PROTOCOL, request } from "./api.js";
import { fetchArticleImages } from "./article-images.js";
import { refreshCorrectiveActions } from "./corrective-actions.js";
import { db, getMeta, ORDER_LINES, REPLICATED, setMeta } from "./db.js";
import { setTimeZone } from "./i18n.js";
import { onQueued, pushAll } from "./outbox.js";
import { recoverUploads, uploadPending } from "./photos.js";
import { getSession, markAuthProblem } from "./session.js";
import { sha256Hex } from "./signed-content.js";
import { createStore } from "./state.js";

export const status = createStore({
  online: navigator.onLine,
  running: false,
  phase: null, // push | pull | upload
  lastSyncAt: null,
  lastError: null, // {kind, message, status}
  retryAt: null,
  authProblem: null,
});

const PERIOD = 60_000;
const BACKOFF = [5, 10, 30, 60, 120, 300];
let failures = 0;
let running = null;
let again = false;
let retryTimer = null;
let soonTimer = null;

/** Run one sync now (or once more right after the one running). Never throws. */
export function syncNow(reason = "manual") {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      do {
        again = false;
        await syncOnce(reason);
      } while (again);
    } finally {
      running = null;
    }
  })();
  return running;
}

/** A change was made: sync shortly (several taps in a row go up together). */
export function syncSoon(delay = 800) {
  clearTimeout(soonTimer);
  soonTimer = setTimeout(() => syncNow("change"), delay);
}

async function syncOnce(reason) {
  const online = navigator.onLine;
  status.set({ online });
  const session = await getSession();
  if (!session || session.problem) {
    status.set({ authProblem: session ? session.problem : null });
    return;
  }
  if (!online) return;
  clearTimeout(retryTimer);
  status.set({ running: true, lastError: null, retryAt: null, authProblem: null });
  try {
    status.set({ phase: "push" });
    await pushAll(session.token);
    await dropLeavingOrders();
    status.set({ phase: "pull" });
    await pullAll(session.token);
    status.set({ phase: "upload" });
    const uploads = await uploadPending(session.token);
    if (uploads.uploaded) {
      // What the bytes unblocked on the server (photo checks, the report) comes back now.
      status.set({ phase: "pull" });
      await pullAll(session.token);
    }
    if (await db.outbox.count()) {
      // Pulled a last_mutation_id covering entries the push did not see acknowledged.
      await pushAll(session.token);
    }
    await fetchArticleImages(session.token);
    await refreshCorrectiveActions(session.token);
    failures = 0;
    const at = new Date().toISOString();
    await setMeta("lastSyncAt", at);
    status.set({ lastSyncAt: at });
  } catch (error) {
    handleFailure(error, reason);
  } finally {
    status.set({ running: false, phase: null, online: navigator.onLine });
  }
}

function handleFailure(error, reason) {
  if (error instanceof AuthProblem) {
    markAuthProblem(error.reason);
    status.set({ authProblem: error.reason });
    return;
  }
  const retryable = error.retryable !== false;
  failures += 1;
  const wait = BACKOFF[Math.min(failures - 1, BACKOFF.length - 1)] * 1000
    * (retryable ? 1 : 2) * (0.8 + Math.random() * 0.4);
  const retryAt = Date.now() + wait;
  status.set({
    lastError: {
      kind: error instanceof HttpError ? "server" : "network",
      status: error.status || null,
      reason: error.reason || null,
      message: error.message,
    },
    retryAt,
  });
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => syncNow("retry"), wait);
  console.warn(`sync (${reason}) failed; retrying in ${Math.round(wait / 1000)} s`, error);
}

// -- pull ---------------------------------------------------------------------------------
async function pullAll(token) {
  let resyncs = 0;
  for (let page = 0; page < 10000; page += 1) {
    const cursor = await getMeta("cursor", 0);
    // A first sync asks for the jobs first (docs/sync-protocol.md §7d): the list shows
    // once they are stored, while the parts catalogue and the articles still arrive.
    const jobsUpto = await getMeta("jobsUpto", 0);
    const jobs = jobsUpto ? `&jobs_upto=${jobsUpto}` : cursor === 0 ? "&jobs_first=true" : "";
    const { data } = await request(
      `/api/v1/sync/pull?protocol=${PROTOCOL}&cursor=${cursor}${jobs}`, { token });
    await applyPage(data, jobsUpto);
    if (data.has_more) continue;
    const local = await localChecksum();
    if (local !== data.scope.checksum && resyncs < 2) {
      resyncs += 1;
      console.warn("scope checksum differs: pulling everything again");
      await resetReplica();
      continue;
    }
    return;
  }
}

async function applyPage(data, jobsUpto = 0) {
  const tables = [...Object.keys(REPLICATED).map((name) => db.table(name)), db.meta,
    db.outbox];
  // Rows by store, in the page's order: one bulkPut per store, not one put per row (a
  // first sync's 2,000 parts on a slow phone).
  const rows = new Map();
  for (const change of data.changes) {
    if (!REPLICATED[change.type]) continue; // a newer server's entity: not ours to keep
    if (!rows.has(change.type)) rows.set(change.type, []);
    // Protocol 2: the row's id comes once, on the change, not again inside data.
    rows.get(change.type).push({ ...change.data, id: change.id });
  }
  await db.transaction("rw", tables, async () => {
    const leaving = new Set(await getMeta("leaving", []));
    for (const [type, list] of rows) await db.table(type).bulkPut(list);
    for (const row of rows.get("work_order") || []) leaving.delete(row.id);
    for (const orderId of (data.removed && data.removed.work_order) || []) {
      if (await db.outbox.where("order_id").equals(orderId).count()) leaving.add(orderId);
      else await dropOrder(orderId);
    }
    await pruneUnreferenced();
    await setMeta("leaving", [...leaving]);
    await setMeta("cursor", data.cursor);
    // The jobs page leaves the cursor at 0 and says where its rows stand; later pages
    // send that back until the cursor has passed it.
    if (data.jobs_upto !== undefined) await setMeta("jobsUpto", data.jobs_upto);
    else if (jobsUpto && data.cursor >= jobsUpto) await setMeta("jobsUpto", 0);
    if (data.company) await setMeta("company", data.company);
  });
  if (data.company) setTimeZone(data.company.timezone);
  if (data.jobs_upto !== undefined) performance.mark("sync:jobs-stored");
}

/** Orders the server removed while changes were pending: drop those now pushed. */
async function dropLeavingOrders() {
  const tables = [...Object.keys(REPLICATED).map((name) => db.table(name)), db.meta,
    db.outbox];
  await db.transaction("rw", tables, async () => {
    const leaving = await getMeta("leaving", []);
    const still = [];
    for (const orderId of leaving) {
      if (await db.outbox.where("order_id").equals(orderId).count()) still.push(orderId);
      else await dropOrder(orderId);
    }
    if (still.length !== leaving.length) {
      await pruneUnreferenced();
      await setMeta("leaving", still);
    }
  });
}

async function dropOrder(orderId) {
  await db.work_order.delete(orderId);
  for (const type of ORDER_LINES) {
    await db.table(type).where("work_order_id").equals(orderId).delete();
  }
}

/** Customers, addresses and assets no order held here refers to any more. */
async function pruneUnreferenced() {
  const orders = await db.work_order.toArray();
  const keep = {
    customer: new Set(orders.map((o) => o.customer_id)),
    address: new Set(orders.map((o) => o.address_id)),
    asset: new Set(orders.map((o) => o.asset_id).filter(Boolean)),
  };
  for (const [type, ids] of Object.entries(keep)) {
    const gone = (await db.table(type).toCollection().primaryKeys())
      .filter((id) => !ids.has(id));
    if (gone.length) await db.table(type).bulkDelete(gone);
  }
}

/** sha256 of the sorted ids of the orders held here (minus those on their way out). */
export async function localChecksum() {
  const leaving = new Set(await getMeta("leaving", []));
  const ids = (await db.work_order.toCollection().primaryKeys())
    .filter((id) => !leaving.has(id)).sort();
  return sha256Hex(new TextEncoder().encode(ids.join("\n")));
}

/** Forget the replicated rows (keeping orders still leaving) and start again from 0. */
async function resetReplica() {
  const tables = [...Object.keys(REPLICATED).map((name) => db.table(name)), db.meta];
  await db.transaction("rw", tables, async () => {
    const leaving = await getMeta("leaving", []);
    const kept = [];
    for (const orderId of leaving) {
      const order = await db.work_order.get(orderId);
      if (!order) continue;
      kept.push(["work_order", order]);
      for (const type of ORDER_LINES) {
        for (const row of await db.table(type).where("work_order_id").equals(orderId)
          .toArray()) kept.push([type, row]);
      }
      for (const [type, id] of [["customer", order.customer_id],
        ["address", order.address_id], ["asset", order.asset_id]]) {
        const row = id && await db.table(type).get(id);
        if (row) kept.push([type, row]);
      }
    }
    for (const name of Object.keys(REPLICATED)) await db.table(name).clear();
    for (const [type, row] of kept) await db.table(type).put(row);
    await setMeta("cursor", 0);
    await setMeta("jobsUpto", 0);
  });
}

// -- triggers -----------------------------------------------------------------------------
let started = false;

/** Wire the triggers and run the first sync. Safe to call more than once. */
export async function startSync() {
  status.set({ lastSyncAt: await getMeta("lastSyncAt", null) });
  if (started) return syncNow("start");
  started = true;
  await recoverUploads();
  onQueued(() => syncSoon());
  window.addEventListener("online", () => {
    status.set({ online: true });
    failures = 0;
    syncNow("online");
  });
  window.addEventListener("offline", () => status.set({ online: false }));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") syncNow("visible");
  });
  setInterval(() => {
    if (document.visibilityState === "visible") syncNow("periodic");
  }, PERIOD);
  return syncNow("start");
}
