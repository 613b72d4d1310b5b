/**
 * Read models for the screens: replicated rows joined and folded with the outbox
 * (fold.js). Used inside liveQuery, so they re-run whenever a table they read changes.
 */
import { missingItems, templatesFor } from "./checklist.js";
import { db } from "./db.js";
import { dayKey, language } from "./i18n.js";
import { ACTIVE, DONE, foldJob, foldOrder, partTotals, vanStock } from "./fold.js";

/** Every job with its customer, address, and the number of changes not yet synced. */
export async function jobsList() {
  const [orders, customers, addresses, pending] = await Promise.all([
    db.work_order.toArray(), db.customer.toArray(), db.address.toArray(),
    db.outbox.orderBy("id").toArray()]);
  const customerById = new Map(customers.map((c) => [c.id, c]));
  const addressById = new Map(addresses.map((a) => [a.id, a]));
  const pendingByOrder = new Map();
  for (const m of pending) {
    if (!m.order_id) continue;
    if (!pendingByOrder.has(m.order_id)) pendingByOrder.set(m.order_id, []);
    pendingByOrder.get(m.order_id).push(m);
  }
  return orders.map((row) => {
    const mine = pendingByOrder.get(row.id) || [];
    const order = mine.length ? foldOrder(row, mine) : row;
    return { order, customer: customerById.get(order.customer_id) || null,
      address: addressById.get(order.address_id) || null, pending: mine.length };
  });
}

/**
 * Split jobs into today / upcoming / done, each sorted by appointment (jobs with no
 * appointment last). Today also holds anything active or overdue.
 */
export function groupJobs(jobs, now = new Date()) {
  const today = [];
  const upcoming = [];
  const done = [];
  const todayKey = dayKey(now);
  for (const job of jobs) {
    const { status, appointment_start: start } = job.order;
    if (DONE.has(status)) done.push(job);
    else if (ACTIVE.has(status) || !start || new Date(start) <= now
      || dayKey(new Date(start)) === todayKey) today.push(job);
    else upcoming.push(job);
  }
  const byAppointment = (a, b) => (a.order.appointment_start || "9999")
    .localeCompare(b.order.appointment_start || "9999")
    || a.order.number.localeCompare(b.order.number);
  today.sort(byAppointment);
  upcoming.sort(byAppointment);
  done.sort((a, b) => -byAppointment(a, b));
  return { today, upcoming, done };
}

/** Everything the job screen shows, or null when the phone does not hold the order. */
export async function jobDetail(orderId) {
  const row = await db.work_order.get(orderId);
  if (!row) return null;
  const [customer, address, asset, pending, lines, levels, blobs] = await Promise.all([
    db.customer.get(row.customer_id),
    db.address.get(row.address_id),
    row.asset_id ? db.asset.get(row.asset_id) : null,
    db.outbox.where("order_id").equals(orderId).sortBy("id"),
    Promise.all(["note", "part_usage", "time_log", "photo", "signature", "survey", "report",
      "checklist_answer", "quote", "payment"]
      .map((type) => db.table(type).where("work_order_id").equals(orderId).toArray())),
    db.stock_level.toArray(),
    db.blobs.where("order_id").equals(orderId).toArray(),
  ]);
  const [notes, partUsages, timeLogs, photos, signatures, surveys, reports, answers, quotes,
    payments] = lines;
  const partIds = new Set([...partUsages.map((l) => l.part_id),
    ...pending.filter((m) => m.args.part_id).map((m) => m.args.part_id),
    ...[...quotes.flatMap((q) => q.lines || []),
      ...pending.filter((m) => m.name === "decide_quote").flatMap((m) => m.args.lines)]
      .filter((l) => l.part_id).map((l) => l.part_id)]);
  const parts = {};
  for (const part of await db.part.bulkGet([...partIds])) if (part) parts[part.id] = part;
  const prices = Object.fromEntries(Object.values(parts).map((p) => [p.id, p.price_cents]));
  const job = foldJob({ order: row, notes, part_usages: partUsages, time_logs: timeLogs,
    photos, signatures, surveys, checklist_answers: answers, quotes, payments }, pending,
  prices);
  const checklists = templatesFor(row, asset, await db.checklist_template.toArray());
  // The order's symptom as the office's catalogue names it (null: not pulled yet).
  const symptom = row.symptom_code ? (await db.symptom.get(row.symptom_code)) || null : null;
  job.notes.sort((a, b) => (a.device_time || a.created_at || "")
    .localeCompare(b.device_time || b.created_at || ""));
  job.photos.sort((a, b) => (a.taken_at || "").localeCompare(b.taken_at || ""));
  job.payments.sort((a, b) => (a.paid_at_device || "").localeCompare(b.paid_at_device || ""));
  const allPending = await db.outbox.orderBy("id").toArray();
  const visits = row.asset_id ? (await db.work_order.where("asset_id").equals(row.asset_id)
    .toArray()).filter((o) => o.id !== orderId && o.created_at < row.created_at) : [];
  return {
    ...job,
    customer: customer || null,
    address: address || null,
    asset: asset || null,
    reports,
    pending,
    parts,
    totals: partTotals(job.part_usages),
    quote: job.quotes[0] || null,
    stock: vanStock(levels, allPending),
    blobs: Object.fromEntries(blobs.map(({ blob, thumb, ...rest }) => [rest.sha256, rest])),
    checklists,
    symptom,
    checklistMissing: missingItems(checklists, job.checklist_answers),
    previousVisits: visits.sort((a, b) => b.created_at.localeCompare(a.created_at)),
    articles: await suggestArticles({ model: asset ? asset.model : null,
      symptom: row.symptom_code || null, category: asset ? asset.category : null,
      language: language.get().code }),
  };
}

/** Parts in the van (and, with `all`, the whole catalogue) matching `query`. */
export async function searchParts(query, { all = false, model = null } = {}) {
  const [parts, levels, pending] = await Promise.all([db.part.toArray(),
    db.stock_level.toArray(), db.outbox.orderBy("id").toArray()]);
  const stock = vanStock(levels, pending);
  const words = normaliseQuery(query);
  return parts
    .filter((part) => part.active !== false && (all || stock.has(part.id)))
    .filter((part) => matches(words, [part.sku, part.name_en, part.name_zh, part.category,
      ...(part.fits_models || [])]))
    .map((part) => ({ part, inVan: stock.get(part.id) || 0,
      fits: !model || !(part.fits_models || []).length
        || part.fits_models.includes(model) }))
    .sort((a, b) => (b.fits - a.fits) || (b.inVan > 0) - (a.inVan > 0)
      || a.part.sku.localeCompare(b.part.sku));
}

/**
 * An article as a reader of `language` sees it: their language when the article is written
 * in it, else the article's own (docs/sync-protocol.md, "Knowledge").
 */
export function articleText(article, language = "en") {
  if (article.language !== language && article.translation_title
      && article.translation_body) {
    return { language, title: article.translation_title, body: article.translation_body,
      html: article.translation_body_html };
  }
  return { language: article.language, title: article.title, body: article.body,
    html: article.body_html };
}

/** Articles technicians see: drafts (accepted proposals not yet published) stay hidden. */
async function publishedArticles() {
  return (await db.article.toArray()).filter((a) => a.published !== false);
}

/** Knowledge articles matching `query`; those for `models` first. */
export async function searchArticles(query, { models = [], language = "en" } = {}) {
  const words = normaliseQuery(query);
  const wanted = new Set(models);
  return (await publishedArticles())
    .filter((a) => matches(words, [a.title, a.body, a.translation_title, a.translation_body,
      a.category, ...(a.models || []), ...(a.tags || [])]))
    .map((article) => ({ article, text: articleText(article, language),
      forMyJobs: (article.models || []).some((m) => wanted.has(m)) }))
    .sort((a, b) => (b.forMyJobs - a.forMyJobs)
      || ((b.text.language === language) - (a.text.language === language))
      || a.text.title.localeCompare(b.text.title));
}

/**
 * Articles to suggest on a job, offline: the same ranking as the server's
 * (server/knowledge/service.py): the symptom counts 4, the model 2, the category 1, and
 * an article needs the symptom or the model to be suggested. The technician's language
 * first among equals.
 */
export async function suggestArticles({ model = null, symptom = null, category = null,
  language = "en" } = {}) {
  const score = (a) => (symptom && (a.symptoms || []).includes(symptom) ? 4 : 0)
    + (model && (a.models || []).includes(model) ? 2 : 0)
    + (category && a.category === category ? 1 : 0);
  return (await publishedArticles())
    .map((article) => ({ article, score: score(article), text: articleText(article, language) }))
    .filter(({ score: s }) => s >= 2)
    .sort((a, b) => (b.score - a.score)
      || ((b.text.language === language) - (a.text.language === language))
      || a.text.title.localeCompare(b.text.title))
    .map(({ article, text }) => ({ ...article, shown: text }));
}

function normaliseQuery(query) {
  return (query || "").toLowerCase().normalize("NFKC").split(/\s+/).filter(Boolean);
}

function matches(words, fields) {
  if (!words.length) return true;
  const text = fields.filter(Boolean).join(" ").toLowerCase().normalize("NFKC");
  return words.every((word) => text.includes(word));
}

/** Models of the assets on the technician's open jobs. */
export async function myModels() {
  const assets = await db.asset.toArray();
  return [...new Set(assets.map((a) => a.model))];
}
