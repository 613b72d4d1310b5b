/** The work record: arrival notes, diagnosis, resolution, root cause, and notes. */
import { useEffect, useRef, useState } from "preact/hooks";
import { addNote, proposeArticle, setFields } from "../actions.js";
import { fmtDateTime, language, t } from "../i18n.js";
import { StorageFull } from "../outbox.js";
import { html, toast, useStore } from "../state.js";
import { holdUpdates } from "../updates.js";
import { Icon } from "./components.js";

// sync/… server/workorders/service.py ROOT_CAUSES, in the same order.
export const ROOT_CAUSES = ["wear_and_tear", "installation_fault", "manufacturing_defect",
  "misuse", "power_supply", "water_supply", "blockage", "refrigerant_leak", "control_board",
  "no_fault_found", "other"];

const LOCKED = new Set(["signed", "closed", "cancelled"]);

function failed(error) {
  toast(error instanceof StorageFull ? t("storage.full") : String(error), { kind: "error" });
}

/**
 * A text field saved on the phone a moment after typing stops, on leaving the field and
 * when the app goes to the background. (The outbox merges the saves of one edit.)
 */
function SavedText({ order, name, rows = 4, locked }) {
  const [value, setValue] = useState(order[name] || "");
  const [state, setState] = useState(null); // null | saved
  const shown = useRef(order[name] || "");
  const editing = useRef(false);
  const timer = useRef(null);
  const latest = useRef(value);
  latest.current = value;
  useEffect(() => {
    if (!editing.current) {
      setValue(order[name] || "");
      shown.current = order[name] || "";
    }
  }, [order[name]]);
  const save = async () => {
    clearTimeout(timer.current);
    const holdKey = `field:${order.id}:${name}`;
    const text = latest.current;
    try {
      const changed = await setFields(order, { [name]: text }, { [name]: shown.current });
      shown.current = text;
      holdUpdates(holdKey, null);
      if (changed) setState("saved");
    } catch (error) {
      failed(error);
    }
  };
  useEffect(() => {
    const onHide = () => { if (document.visibilityState === "hidden" && editing.current) save(); };
    document.addEventListener("visibilitychange", onHide);
    return () => document.removeEventListener("visibilitychange", onHide);
  });
  const id = `field-${name}`;
  return html`<div class="field">
    <label for=${id}>${t(`field.${name}`)}</label>
    <textarea id=${id} rows=${rows} value=${value} readonly=${locked}
      aria-describedby=${`${id}-state`}
      onFocus=${() => { editing.current = true; }}
      onInput=${(e) => { setValue(e.currentTarget.value); latest.current = e.currentTarget.value;
        setState(null); holdUpdates(`field:${order.id}:${name}`, t(`field.${name}`));
        clearTimeout(timer.current); timer.current = setTimeout(save, 1000); }}
      onBlur=${async () => { editing.current = false; await save(); }}></textarea>
    <p id=${`${id}-state`} class="field-state" aria-live="polite">
      ${state === "saved" ? html`<${Icon} name="check" size=${14} /> ${t("work.savedHere")}` : ""}</p>
  </div>`;
}

/** The proposal's first draft, from the job's diagnosis and resolution. */
function proposalDraft(job) {
  const { order, asset } = job;
  const firstLine = (order.diagnosis || "").trim().split("\n")[0];
  const title = [asset && asset.model, firstLine].filter(Boolean).join(": ").slice(0, 200);
  const body = [["field.diagnosis", order.diagnosis], ["field.resolution", order.resolution]]
    .filter(([, text]) => text && text.trim())
    .map(([label, text]) => `${t(label)}:\n\n${text.trim()}`).join("\n\n");
  return { title, body };
}

/**
 * "Propose an article": what the technician learnt on this job goes to the office's review
 * queue (sync propose_article), offline like everything else.
 */
function ProposeArticle({ job }) {
  const { code } = useStore(language);
  const [draft, setDraft] = useState(null); // null: closed
  const [sent, setSent] = useState(false);
  const open = () => { setSent(false); setDraft(proposalDraft(job)); };
  const submit = async (event) => {
    event.preventDefault();
    const title = draft.title.trim();
    const body = draft.body.trim();
    if (!title || !body) return;
    try {
      await proposeArticle(job.order, { title, body, language: code });
      setDraft(null);
      setSent(true);
      toast(t("propose.sent"), { kind: "ok" });
    } catch (error) {
      failed(error);
    }
  };
  return html`<section class="card" aria-labelledby="work-propose" data-testid="propose-article">
    <h2 id="work-propose" class="card-title">${t("propose.title")}</h2>
    <p class="muted small">${t("propose.hint")}</p>
    ${sent && html`<p class="banner banner-info inline">${t("propose.sent")}</p>`}
    ${draft ? html`<form class="form" onSubmit=${submit}>
      <label for="proposal-title">${t("propose.articleTitle")}</label>
      <input id="proposal-title" maxlength="200" value=${draft.title}
        onInput=${(e) => setDraft({ ...draft, title: e.currentTarget.value })} />
      <label for="proposal-body">${t("propose.text")}</label>
      <textarea id="proposal-body" rows="8" value=${draft.body}
        onInput=${(e) => setDraft({ ...draft, body: e.currentTarget.value })}></textarea>
      <div class="row-wrap">
        <button type="submit" class="button primary"
          disabled=${!draft.title.trim() || !draft.body.trim()}>${t("propose.send")}</button>
        <button type="button" class="button" onClick=${() => setDraft(null)}>${t("propose.cancel")}</button>
      </div>
    </form>` : html`<button type="button" class="button" onClick=${open}>${t("propose.open")}</button>`}
  </section>`;
}

export function WorkTab({ job }) {
  const { order } = job;
  const locked = LOCKED.has(order.status);
  const [note, setNote] = useState("");
  const submitNote = async (event) => {
    event.preventDefault();
    const body = note.trim();
    if (!body) return;
    try {
      await addNote(order, body);
      setNote("");
      holdUpdates(`note:${order.id}`, null);
      toast(t("work.noteAdded"), { kind: "ok" });
    } catch (error) {
      failed(error);
    }
  };
  const onRootCause = async (event) => {
    try {
      await setFields(order, { root_cause: event.currentTarget.value },
        { root_cause: order.root_cause });
    } catch (error) {
      failed(error);
    }
  };
  return html`
    ${locked && html`<p class="banner banner-info inline">${t("work.locked")}</p>`}
    <section class="card" aria-labelledby="work-record">
      <h2 id="work-record" class="card-title">${t("work.record")}</h2>
      <${SavedText} order=${order} name="arrival_notes" rows=${2} locked=${locked} />
      <${SavedText} order=${order} name="diagnosis" locked=${locked} />
      <${SavedText} order=${order} name="resolution" locked=${locked} />
      <div class="field">
        <label for="field-root_cause">${t("field.root_cause")}</label>
        <select id="field-root_cause" value=${order.root_cause || ""} disabled=${locked}
          onChange=${onRootCause}>
          <option value="">${t("work.chooseRootCause")}</option>
          ${ROOT_CAUSES.map((code) => html`<option key=${code} value=${code}>${t(`rootCause.${code}`)}</option>`)}
        </select>
      </div>
    </section>
    <section class="card" aria-labelledby="work-notes">
      <h2 id="work-notes" class="card-title">${t("work.notes")}</h2>
      ${job.notes.length ? html`<ol class="notes">
        ${job.notes.map((n) => html`<li key=${n.id}>
          <p class="note-body">${n.body}</p>
          <p class="muted small">${fmtDateTime(n.device_time || n.created_at)}
            ${n._pending && html` · <span class="pending-text">${t("work.notSynced")}</span>`}</p>
        </li>`)}</ol>` : html`<p class="muted">${t("work.noNotes")}</p>`}
      <form class="form" onSubmit=${submitNote}>
        <label for="note-body">${t("work.newNote")}</label>
        <textarea id="note-body" rows="3" value=${note}
          onInput=${(e) => { setNote(e.currentTarget.value);
            holdUpdates(`note:${order.id}`, e.currentTarget.value.trim() ? t("work.newNote") : null); }}></textarea>
        <button type="submit" class="button" disabled=${!note.trim()}>${t("work.addNote")}</button>
      </form>
    </section>
    <${ProposeArticle} job=${job} />`;
}
