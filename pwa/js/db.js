/**
 * The technician app's IndexedDB database — this module is the only place that knows its
 * name, stores, indexes and versions. Nothing else opens IndexedDB.
 *
 * What is stored where ("doorstep" database):
 *
 *   meta       key → value. `session` (token, device id, user), `deviceId` (made on this
 *              phone, kept across sign-ins), `cursor` (pull position), `jobsUpto` (a first
 *              sync's jobs page said its rows stand there, docs/sync-protocol.md §7d; 0
 *              once the cursor has passed it — an upgrade that sets the cursor to 0 must set
 *              this to 0 too), `nextMutationId`,
 *              `lastSyncAt`, `language`, `settings`, `leaving` (orders the server removed
 *              while changes for them were still pending), `adoptFrom` (a revoked device
 *              whose ids the outbox entries still carry, until outbox.js adoptOutbox has
 *              taken them over), `correctiveActions` (the technician's open QC actions as
 *              last fetched, {fetchedAt, items}: corrective-actions.js).
 *   outbox     the technician's changes (mutations) not yet acknowledged by the server,
 *              keyed by their mutation id (per device, increasing, no gaps). An entry is
 *              deleted only when the server sent its own result for it. Nothing expires.
 *   notices    what the server said about processed changes that needs the technician's
 *              eyes: rejections (with reason) and conflicts (kept, office told). Kept until
 *              dismissed.
 *   blobs      photo and signature bytes by SHA-256 (plus a small thumbnail), with their
 *              upload state: pending → uploading → uploaded | failed.
 *   article_images  the knowledge base's images by SHA-256 (`blob`), fetched after a pull
 *              for the articles that show them (article-images.js), so articles read
 *              offline show their images. Never uploaded; refetched if missing.
 *
 *   Replicated from the server (its truth as of the last pull; named after the pull's
 *   entity types; cleared and pulled again from cursor 0 when the scope checksum drifts):
 *   work_order, customer, address, asset, note, part_usage, time_log, photo, signature,
 *   survey, report, stock_level, part, article, checklist_template, checklist_answer
 *   (the last two since schema version 2), symptom (the symptom catalogue by code, with
 *   its labels in both languages and any questions an admin rewrote; since version 4 —
 *   docs/sync-protocol.md §7b), quote, payment (since schema version 5), part_request and
 *   van_delivery (version 6: parts asked for from a job, deliveries to the van the
 *   technician confirms; stock.js).
 *
 * What the technician sees is the replicated rows with the pending outbox folded over
 * them (fold.js), so an edit shows at once and is never lost to a pull.
 *
 * Upgrades: add a new `db.version(n)` below with an `.upgrade()` that moves data forward.
 * Never delete or rename the outbox, notices or blobs stores (assertSchemaKeepsOutbox
 * checks the first), and never await the network inside a transaction.
 */
import Dexie from "dexie";

export const DB_NAME = "doorstep";

export const REPLICATED = {
  work_order: "id, status, appointment_start, asset_id, customer_id",
  customer: "id",
  address: "id, customer_id",
  asset: "id, customer_id, model",
  note: "id, work_order_id",
  part_usage: "id, work_order_id, part_id",
  time_log: "id, work_order_id",
  photo: "id, work_order_id, sha256",
  signature: "id, work_order_id",
  survey: "id, work_order_id",
  report: "id, work_order_id",
  stock_level: "id, part_id, location_id",
  part: "id, sku",
  article: "id",
  checklist_template: "id",
  checklist_answer: "id, work_order_id",
  symptom: "id",
  quote: "id, work_order_id",
  payment: "id, work_order_id",
  part_request: "id, work_order_id",
  van_delivery: "id, status",
};

// The replicated stores of schema version 1, as they were.
const REPLICATED_V1 = Object.fromEntries(Object.entries(REPLICATED)
  .filter(([name]) => !["checklist_template", "checklist_answer", "symptom", "quote",
    "payment", "part_request", "van_delivery"].includes(name)));
// The replicated stores of each later schema version, before what the next one added.
const without = (...names) => Object.fromEntries(Object.entries(REPLICATED)
  .filter(([name]) => !names.includes(name)));
const REPLICATED_V3 = without("symptom", "quote", "payment", "part_request", "van_delivery");
const REPLICATED_V4 = without("quote", "payment", "part_request", "van_delivery");
const REPLICATED_V5 = without("part_request", "van_delivery");

/** Entity types whose rows belong to one work order (dropped with it). */
export const ORDER_LINES = ["note", "part_usage", "time_log", "photo", "signature", "survey",
  "report", "checklist_answer", "quote", "payment", "part_request"];

const LOCAL = {
  meta: "key",
  outbox: "id, order_id",
  notices: "++seq, mutation_id, order_id",
  blobs: "sha256, state, order_id",
};

// Every version of the schema, oldest first. Keep old entries: Dexie upgrades through them.
const VERSIONS = [
  { version: 1, stores: { ...LOCAL, ...REPLICATED_V1 } },
  // Checklists: two new replicated stores. Templates written before the upgrade sit below
  // the phone's cursor, so the next pull starts again from 0 (the outbox is untouched).
  { version: 2, stores: { ...LOCAL, ...REPLICATED_V3 },
    upgrade: (tx) => tx.table("meta").put({ key: "cursor", value: 0 }) },
  // 3: article images kept for offline reading (nothing to move).
  { version: 3, stores: { ...LOCAL, ...REPLICATED_V3, article_images: "sha256" } },
  // 4: the symptom catalogue. A first pull carries it, so the next pull starts from 0
  // (the outbox is untouched).
  { version: 4, stores: { ...LOCAL, ...REPLICATED_V4, article_images: "sha256" },
    upgrade: (tx) => tx.table("meta").put({ key: "cursor", value: 0 }) },
  // 5: quotes and payments (out of warranty) replicated; rows written before the upgrade
  // sit below the cursor, so the next pull starts again from 0 (the outbox is untouched).
  { version: 5, stores: { ...LOCAL, ...REPLICATED_V5, article_images: "sha256" },
    upgrade: (tx) => tx.table("meta").put({ key: "cursor", value: 0 }) },
  // 6: parts requests and deliveries to the van; pulled again from 0 like version 2.
  { version: 6, stores: { ...LOCAL, ...REPLICATED, article_images: "sha256" },
    upgrade: (tx) => tx.table("meta").put({ key: "cursor", value: 0 }) },
];

export function assertSchemaKeepsOutbox(versions = VERSIONS) {
  for (const { version, stores } of versions) {
    for (const kept of ["outbox", "notices", "blobs", "meta"]) {
      if (!stores[kept]) throw new Error(`schema version ${version} drops the ${kept} store`);
    }
  }
}

assertSchemaKeepsOutbox();

export const db = new Dexie(DB_NAME);
for (const { version, stores, upgrade } of VERSIONS) {
  const declared = db.version(version).stores(stores);
  if (upgrade) declared.upgrade(upgrade);
}

// Another tab running a newer app version wants to upgrade: let it, then reload onto it.
db.on("versionchange", () => {
  db.close();
  window.dispatchEvent(new CustomEvent("doorstep:db-replaced"));
  return false;
});

/** Read a meta value (or `fallback`). */
export async function getMeta(key, fallback = undefined) {
  const row = await db.meta.get(key);
  return row === undefined ? fallback : row.value;
}

/** Write a meta value; call inside a transaction that includes db.meta, or alone. */
export function setMeta(key, value) {
  return db.meta.put({ key, value });
}

export function replicatedTables() {
  return Object.keys(REPLICATED).map((name) => db.table(name));
}

/** True when `error` (possibly wrapped by Dexie) means the phone's storage is full. */
export function isQuotaError(error) {
  for (let e = error; e; e = e.inner) {
    if (e.name === "QuotaExceededError" || e.name === "QuotaExceeded") return true;
  }
  return false;
}
