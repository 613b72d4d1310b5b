/**
 * Job checklists on the phone, the same rules as server/checklists/service.py:
 * which templates apply to a job, each item's current answer, what is still missing before
 * the job can be completed, and the checklist part of the signed content.
 *
 * Pure module (no DOM, no storage): runs in the browser and under `node --test`.
 */
import { compareCodePoints } from "./signed-content.js";

/** Active templates for the order's type and its appliance's category and model. */
export function templatesFor(order, asset, templates) {
  return (templates || []).filter((tpl) => tpl.active
    && (!tpl.job_types.length || tpl.job_types.includes(order.type))
    && (!tpl.category || (asset && asset.category === tpl.category))
    && (!tpl.models.length || (asset && tpl.models.includes(asset.model))))
    .sort((a, b) => compareCodePoints(a.name_en, b.name_en));
}

/**
 * The answer to each item, keyed "template id|item key": the answer line with the latest
 * device time, ties to the larger id (answers: pulled rows and pending ones alike).
 */
export function currentAnswers(answers) {
  const latest = {};
  for (const row of answers || []) {
    const key = `${row.template_id}|${row.item_key}`;
    const when = new Date(row.device_time || row.created_at).getTime();
    const held = latest[key];
    if (!held || when > held.when || (when === held.when && row.id > held.row.id)) {
      latest[key] = { when, row };
    }
  }
  return Object.fromEntries(Object.entries(latest).map(([key, { row }]) => [key, row]));
}

export function isAnswered(item, answer) {
  if (!answer || !String(answer.value || "").trim()) return false;
  return item.kind !== "tick" || answer.value === "yes";
}

/** Required items of completion-blocking checklists not yet answered: [{template, item}]. */
export function missingItems(templates, answers) {
  const current = currentAnswers(answers);
  const out = [];
  for (const template of templates) {
    if (!template.blocks_completion) continue;
    for (const item of template.items) {
      if (item.required && !isAnswered(item, current[`${template.id}|${item.key}`])) {
        out.push({ template, item });
      }
    }
  }
  return out;
}

const DECIMAL = /^(-?)(\d{1,10})(?:[.,](\d{1,6}))?$/;

/**
 * A number as the one plain decimal the server stores ("007.50" → "7.5", "," read as the
 * point, no "-0"); null when it is not a number the server takes.
 */
export function plainDecimal(value) {
  const match = DECIMAL.exec(String(value).trim());
  if (!match) return null;
  const whole = match[2].replace(/^0+/, "") || "0";
  const fraction = (match[3] || "").replace(/0+$/, "");
  const text = whole + (fraction ? `.${fraction}` : "");
  return text === "0" || !match[1] ? text : `-${text}`;
}

/** Whether a number answer lies outside the item's limits (accepted, but flagged). */
export function outOfLimits(item, value) {
  if (item.kind !== "number" || plainDecimal(value) === null) return false;
  const number = Number(plainDecimal(value));
  return (item.min !== null && item.min !== undefined && number < item.min)
    || (item.max !== null && item.max !== undefined && number > item.max);
}

/**
 * The signed content's "checklist": each item's current answer as
 * {template, version, key, value}, by template id then key; [] when there is none.
 */
export function signedChecklist(answers) {
  return Object.values(currentAnswers(answers))
    .map((a) => ({ template: String(a.template_id).toLowerCase(), version: a.template_version,
      key: a.item_key, value: a.value }))
    .sort((a, b) => compareCodePoints(a.template, b.template) || compareCodePoints(a.key, b.key));
}
