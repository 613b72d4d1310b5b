/**
 * The technician's open corrective actions from quality control (QC): what to change, why
 * (the reviewer's finding on a checked visit), and by when. Read-only on the phone: the
 * supervisor closes an action once they have checked it is dealt with (docs/quality-control.md).
 *
 * Fetched from GET /api/v1/qc/actions?state=open after each sync round while online and
 * kept in meta "correctiveActions" ({fetchedAt, items}), so they read the same offline. A
 * failed fetch keeps the last copy (and says when it was fetched).
 */
import { AuthProblem, request } from "./api.js";
import { getMeta, setMeta } from "./db.js";
import { timeZone } from "./i18n.js";

export const META_KEY = "correctiveActions";

/** Fetch the open actions and keep them on the phone. Throws AuthProblem only. */
export async function refreshCorrectiveActions(token) {
  let data;
  try {
    ({ data } = await request("/api/v1/qc/actions?state=open", { token }));
  } catch (error) {
    if (error instanceof AuthProblem) throw error;
    console.warn("corrective actions not refreshed", error);
    return null;
  }
  const items = (data.items || []).map((a) => ({
    id: a.id, item: a.item, note: a.note, findings: a.findings, due_on: a.due_on,
    order_number: a.order_number, work_order_id: a.work_order_id,
  }));
  const kept = { fetchedAt: new Date().toISOString(), items };
  await setMeta(META_KEY, kept);
  return kept;
}

/** The kept copy: {fetchedAt, items} or null before the first fetch. */
export function readCorrectiveActions() {
  return getMeta(META_KEY, null);
}

/** Today in the company's zone as YYYY-MM-DD (en-CA writes ISO dates). */
export function today(now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timeZone(), year: "numeric",
    month: "2-digit", day: "2-digit" }).format(now);
}

/** True when the action's due day (YYYY-MM-DD) is before today in the company's zone. */
export function isOverdue(action, now = new Date()) {
  return Boolean(action.due_on) && action.due_on < today(now);
}

/** A due day written as a Date at noon UTC: the same calendar day in every zone ±11 h. */
export function dueDate(action) {
  return `${action.due_on}T12:00:00Z`;
}
