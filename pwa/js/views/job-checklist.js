/**
 * The job's checklists, filled on site and offline: tick, number (with its unit; a value
 * outside the limits is kept and flagged), text, or one of the job's photos. Each answer is
 * a `fill_checklist_item` line in the outbox; what is still missing before the job can be
 * completed is listed at the top.
 */
import { useState } from "preact/hooks";
import { fillChecklistItem } from "../actions.js";
import { currentAnswers, isAnswered, outOfLimits } from "../checklist.js";
import { language, t } from "../i18n.js";
import { StorageFull } from "../outbox.js";
import { html, toast } from "../state.js";
import { Empty } from "./components.js";

const LOCKED = new Set(["signed", "closed", "cancelled"]);

export const label = (thing, lang) => (lang === "zh" ? thing.label_zh : thing.label_en);
export const templateName = (template, lang) => (lang === "zh" ? template.name_zh
  : template.name_en);

export function ChecklistTab({ job }) {
  const lang = language.get().code;
  if (!job.checklists.length) {
    return html`<${Empty} icon="jobs" title=${t("checklist.none")} />`;
  }
  const answers = currentAnswers(job.checklist_answers);
  const locked = LOCKED.has(job.order.status);
  return html`
    ${job.checklistMissing.length > 0 ? html`<p class="banner banner-warn inline" role="status"
      data-testid="checklist-missing">${t("checklist.missing", {
        items: job.checklistMissing.map(({ item }) => label(item, lang)).join(lang === "zh" ? "、" : ", ") })}</p>`
      : html`<p class="banner banner-ok inline" role="status" data-testid="checklist-complete">
        ${t("checklist.complete")}</p>`}
    ${job.checklists.map((template) => html`<section class="card checklist" key=${template.id}
      aria-labelledby=${`cl-${template.id}`}>
      <h2 id=${`cl-${template.id}`} class="card-title">${templateName(template, lang)}</h2>
      ${template.blocks_completion && html`<p class="muted small">${t("checklist.blocks")}</p>`}
      <ul class="plain-list checklist-items">
        ${template.items.map((item) => html`<${ChecklistItem} key=${item.key} job=${job}
          template=${template} item=${item} lang=${lang} locked=${locked}
          answer=${answers[`${template.id}|${item.key}`]} />`)}
      </ul>
    </section>`)}`;
}

function ChecklistItem({ job, template, item, answer, lang, locked }) {
  const id = `cl-${template.id}-${item.key}`;
  const [draft, setDraft] = useState(null);
  const shown = draft ?? (answer ? answer.value : "");
  const save = async (value) => {
    try {
      if (answer && answer.value === value) return;
      const queued = await fillChecklistItem(job.order, template, item, value);
      if (!queued && String(value).trim()) toast(t("checklist.notNumber"), { kind: "error" });
      setDraft(null);
    } catch (error) {
      toast(error instanceof StorageFull ? t("storage.full") : String(error), { kind: "error" });
    }
  };
  const text = label(item, lang);
  const flagged = answer && item.kind === "number" && outOfLimits(item, answer.value);
  const done = isAnswered(item, answer);
  return html`<li class=${`checklist-item${done ? " done" : ""}`} data-item=${item.key}>
    ${item.kind === "tick" ? html`<label class="choice">
        <input type="checkbox" id=${id} checked=${answer && answer.value === "yes"}
          disabled=${locked} onChange=${(e) => save(e.currentTarget.checked ? "yes" : "no")} />
        <span>${text}${item.required ? "" : html` <span class="muted small">(${t("checklist.optional")})</span>`}</span>
      </label>`
      : html`<label for=${id}>${text}${item.unit ? ` (${item.unit})` : ""}${item.required ? ""
        : html` <span class="muted small">(${t("checklist.optional")})</span>`}</label>`}
    ${item.kind === "number" && html`<div class="row-wrap">
      <input id=${id} inputmode="decimal" value=${shown} readonly=${locked}
        onInput=${(e) => setDraft(e.currentTarget.value)}
        onChange=${(e) => save(e.currentTarget.value)} />
      ${(item.min != null || item.max != null) && html`<span class="muted small">
        ${t("checklist.limits", { min: item.min ?? "…", max: item.max ?? "…", unit: item.unit || "" })}</span>`}
      </div>
      ${flagged && html`<p class="banner banner-warn inline" data-testid="out-of-limits">
        ${t("checklist.outOfLimits")}</p>`}`}
    ${item.kind === "text" && html`<textarea id=${id} rows="2" value=${shown} readonly=${locked}
        onInput=${(e) => setDraft(e.currentTarget.value)}
        onChange=${(e) => save(e.currentTarget.value)}></textarea>`}
    ${item.kind === "photo" && html`<select id=${id} disabled=${locked}
        onChange=${(e) => save(e.currentTarget.value)}>
        <option value="">${t("checklist.pickPhoto")}</option>
        ${job.photos.map((photo, i) => html`<option key=${photo.id} value=${photo.id}
          selected=${answer && answer.value === photo.id}>${t(`photos.${photo.kind}`)} ${i + 1}</option>`)}
      </select>
      ${!job.photos.length && html`<p class="muted small"><a href=${`#/job/${job.order.id}/photos`}>
        ${t("checklist.takePhoto")}</a></p>`}`}
  </li>`;
}
