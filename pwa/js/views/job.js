/** One job: overview, work, parts, photos and the customer's sign-off, with the next step. */
import { useEffect, useRef, useState } from "preact/hooks";
import { nextSteps, transition } from "../actions.js";
import { addressLine } from "../signed-content.js";
import { fmtDateTime, fmtWindow, language, t, tOr } from "../i18n.js";
import { jobDetail } from "../model.js";
import { StorageFull } from "../outbox.js";
import { html, toast, useLive } from "../state.js";
import { Dialog, Empty, Icon, SlaBadge, StatusChip, WarrantyBadge } from "./components.js";
import { TopBar } from "./frame.js";
import { WorkTab } from "./job-work.js";
import { PartsTab } from "./job-parts.js";
import { PhotosTab } from "./job-photos.js";
import { SignTab } from "./job-sign.js";
import { ChecklistTab, label } from "./job-checklist.js";
import { needsQuote, QuoteTab } from "./job-quote.js";
import { PaymentTab } from "./job-payment.js";

const TABS = ["overview", "work", "checklist", "quote", "parts", "photos", "sign", "pay"];
// Tabs only for a charged (out-of-warranty) job.
const CHARGED_TABS = new Set(["quote", "pay"]);

export function JobScreen({ params }) {
  const [orderId, tabParam] = params;
  const tab = TABS.includes(tabParam) ? tabParam : "overview";
  const job = useLive(() => jobDetail(orderId), [orderId]);
  const main = useRef(null);
  useEffect(() => { window.scrollTo(0, 0); }, [tab]);
  if (job === undefined) return html`<${TopBar} title="…" back="#/jobs" />`;
  if (job === null) {
    return html`<${TopBar} title=${t("job.gone")} back="#/jobs" />
      <main id="main" class="screen"><${Empty} icon="jobs" title=${t("job.goneText")} /></main>`;
  }
  const { order } = job;
  const Tab = { overview: Overview, work: WorkTab, parts: PartsTab, photos: PhotosTab,
    sign: SignTab, checklist: ChecklistTab, quote: QuoteTab, pay: PaymentTab }[tab];
  // The checklist tab only for a job that has one; quote and payment only when charged.
  const tabs = TABS.filter((name) => (name !== "checklist" || job.checklists.length)
    && (!CHARGED_TABS.has(name) || order.in_warranty !== true));
  return html`
    <${TopBar} title=${order.number} back="#/jobs" />
    <div class="job-head">
      <div class="job-head-row">
        <span class="job-head-customer">${job.customer ? job.customer.name : ""}</span>
        <${StatusChip} status=${order.status} />
      </div>
      <nav class="tabs" aria-label=${t("job.sections")}>
        ${tabs.map((name) => html`<a key=${name} href=${`#/job/${order.id}/${name}`}
          aria-current=${tab === name ? "page" : null}>${t(`job.tab.${name}`)}
          ${name === "photos" && job.photos.length ? html` <span class="count">${job.photos.length}</span>` : null}
          ${name === "checklist" && job.checklistMissing.length ? html` <span class="count">${job.checklistMissing.length}</span>` : null}
          </a>`)}
      </nav>
    </div>
    <main id="main" class="screen job-screen" ref=${main} tabindex="-1">
      <${Tab} job=${job} />
    </main>
    <${StepBar} job=${job} tab=${tab} />`;
}

/** The next status step, always at hand: one tap, time and place recorded. */
function StepBar({ job, tab }) {
  const { order } = job;
  const [asking, setAsking] = useState(null);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const steps = nextSteps(order.status);
  const go = async (step, why = null) => {
    setBusy(true);
    try {
      await transition(order, step.to, { reason: why });
      toast(t(`step.done.${step.label || step.to}`), { kind: "ok" });
    } catch (error) {
      toast(error instanceof StorageFull ? t("storage.full") : String(error), { kind: "error" });
    } finally {
      setBusy(false);
    }
  };
  if (order.status === "completed" && tab !== "sign") {
    return html`<div class="stepbar"><a class="button primary wide"
      href=${`#/job/${order.id}/sign`}>${t("step.toSign")}</a></div>`;
  }
  if (!steps.length) return null;
  const primary = steps.find((s) => s.kind === "primary");
  const secondary = steps.filter((s) => s.kind === "secondary");
  const needsResolution = primary && primary.to === "completed" && !(order.resolution || "").trim();
  // The server refuses the completion (checklist_incomplete) while items are missing: say
  // which before the technician tries.
  const missing = primary && primary.to === "completed" ? job.checklistMissing : [];
  // Out of warranty the server refuses the completion (quote_required) before the
  // customer decided on a quote: say so, and where to take it.
  const quoteFirst = primary && primary.to === "completed" && needsQuote(job);
  return html`<div class="stepbar">
    ${needsResolution && html`<p class="stepbar-hint">${t("step.needsResolution")}
      ${" "}<a href=${`#/job/${order.id}/work`}>${t("step.writeIt")}</a></p>`}
    ${missing.length > 0 && html`<p class="stepbar-hint" data-testid="checklist-first">
      ${t("step.checklistFirst")} ${missing.map(({ item }) => label(item, language.get().code))
        .join(language.get().code === "zh" ? "、" : ", ")}
      ${" "}<a href=${`#/job/${order.id}/checklist`}>${t("step.openChecklist")}</a></p>`}
    ${quoteFirst && tab !== "quote" && html`<p class="stepbar-hint" data-testid="quote-first">${t("step.quoteFirst")}
      ${" "}<a href=${`#/job/${order.id}/quote`}>${t("step.openQuote")}</a></p>`}
    <div class="stepbar-row">
      ${secondary.length > 0 && html`<button class="button" disabled=${busy}
        onClick=${() => (secondary.length === 1 && !secondary[0].needsReason
          ? go(secondary[0]) : setAsking(secondary))}>
        ${secondary.length === 1 ? t(`step.${secondary[0].label || secondary[0].to}`) : t("step.more")}</button>`}
      ${primary && html`<button class="button primary grow" disabled=${busy || needsResolution || missing.length > 0 || quoteFirst}
        data-step=${primary.to} onClick=${() => go(primary)}>${t(`step.${primary.label || primary.to}`)}</button>`}
    </div>
    <${Dialog} open=${!!asking} title=${t("step.whichTitle")}
      onClose=${() => { setAsking(null); setReason(""); }}>
      <form method="dialog" class="form" onSubmit=${async (event) => {
        event.preventDefault();
        const chosen = event.currentTarget.elements.step.value;
        const step = asking.find((s) => s.to === chosen);
        setAsking(null);
        if (step) await go(step, reason.trim() || null);
        setReason("");
      }}>
        <fieldset class="choices">
          <legend class="visually-hidden">${t("step.whichTitle")}</legend>
          ${(asking || []).map((step, i) => html`<label class="choice" key=${step.to}>
            <input type="radio" name="step" value=${step.to} checked=${i === 0} required />
            <span>${t(`step.${step.to}`)}</span></label>`)}
        </fieldset>
        <label for="step-reason">${t("step.reason")}</label>
        <textarea id="step-reason" rows="3" required value=${reason}
          onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
        <div class="dialog-actions">
          <button type="button" class="button" onClick=${() => setAsking(null)}>
            ${t("action.cancel")}</button>
          <button type="submit" class="button primary" disabled=${!reason.trim()}>
            ${t("action.confirm")}</button>
        </div>
      </form>
    <//>
  </div>`;
}

function mapsLink(address, label) {
  if (!address) return null;
  const text = encodeURIComponent(addressLine(address));
  if (address.latitude == null) return `geo:0,0?q=${text}`;
  const ll = `${address.latitude},${address.longitude}`;
  if (/iPhone|iPad|Macintosh/.test(navigator.userAgent)) {
    return `https://maps.apple.com/?ll=${ll}&q=${encodeURIComponent(label)}`;
  }
  return `geo:${ll}?q=${ll}(${encodeURIComponent(label)})`;
}

/** A symptom's name in the reader's language: the pulled catalogue's (an admin may have
 * added or relabelled it), else the app's own words (docs/sync-protocol.md §7b). */
function symptomLabel(code, entry) {
  const label = entry && entry[`label_${language.get().code}`];
  return label || tOr(`symptom.${code}`, code);
}

/** The question an admin rewrote for this symptom (withdrawn ones included), if any. */
function rewritten(entry, question) {
  return entry && entry.questions ? entry.questions.find((q) => q.key === question) : undefined;
}

/** An intake question's words: the admin's wording, else the symptom's own, else the shared one. */
function intakeQuestion(symptom, question, entry) {
  const written = rewritten(entry, question);
  if (written) return written[`label_${language.get().code}`];
  return tOr(`intake.${symptom}.${question}`, tOr(`intake.${question}`, question.replace(/_/g, " ")));
}

/** A chosen answer as its words ("yes" → "是"); a typed answer as it was typed. */
function intakeAnswer(symptom, question, answer, entry) {
  const text = String(answer);
  const written = rewritten(entry, question);
  if (written) {
    const choice = written.choices.find((c) => c.key === text);
    return choice ? choice[`label_${language.get().code}`] : text;
  }
  return tOr(`answer.${symptom}.${question}.${text}`, tOr(`answer.${question}.${text}`, text));
}

/** Notes that only repeat the customer's standing preferences (listed just above). */
function repeatsPreferences(notes, customer) {
  const preferences = new Set(((customer && customer.preferences) || []).map((p) => p.trim()));
  const parts = notes.split(/[;；\n]/).map((p) => p.trim()).filter(Boolean);
  return preferences.size > 0 && parts.every((p) => preferences.has(p));
}

function Overview({ job }) {
  const { order, customer, address, asset } = job;
  const answers = Object.entries(order.intake_answers || {});
  return html`
    <section class="card" aria-labelledby="ov-visit">
      <h2 id="ov-visit" class="card-title">${t("job.visit")}</h2>
      <p class="big">${fmtWindow(order.appointment_start, order.appointment_end, { long: true })}</p>
      <p class="row-wrap"><span>${t(`type.${order.type}`)}</span>
        <span class=${`chip priority-${order.priority}`}>${t(`priority.${order.priority}`)}</span>
        <${SlaBadge} state=${order.sla_state} /></p>
      ${order.resolve_by && html`<p class="muted">${t("job.resolveBy", { time: fmtDateTime(order.resolve_by) })}</p>`}
    </section>
    <section class="card" aria-labelledby="ov-customer">
      <h2 id="ov-customer" class="card-title">${t("job.customer")}</h2>
      <p class="big">${customer ? customer.name : "—"}</p>
      ${customer && customer.phone && html`<a class="button wide" href=${`tel:${customer.phone.replace(/\s/g, "")}`}>
        <${Icon} name="phone" size=${18} /> ${t("job.call")} ${customer.phone}</a>`}
      ${address && html`<a class="address-link" href=${mapsLink(address, customer ? customer.name : "")}>
        <${Icon} name="pin" size=${20} />
        <span><span class="address-text">${addressLine(address)}</span>
          <span class="muted small">${t("job.openMaps")}</span></span></a>`}
      ${address && address.access_notes && html`<p class="note-box">${address.access_notes}</p>`}
      ${customer && (customer.preferences || []).length > 0 && html`
        <ul class="prefs" aria-label=${t("job.preferences")}>
          ${customer.preferences.map((p) => html`<li key=${p}>${p}</li>`)}</ul>`}
      ${order.customer_notes && !repeatsPreferences(order.customer_notes, customer)
        && html`<p class="note-box">${order.customer_notes}</p>`}
    </section>
    <section class="card" aria-labelledby="ov-fault">
      <h2 id="ov-fault" class="card-title">${t("job.fault")}</h2>
      <p>${order.description || t("job.noDescription")}</p>
      ${order.symptom_code && html`<p class="muted" data-testid="symptom">${t("job.symptom")}: ${symptomLabel(order.symptom_code, job.symptom)}</p>`}
      ${answers.length > 0 && html`<dl class="answers">
        ${answers.map(([question, answer]) => html`<div key=${question}>
          <dt>${intakeQuestion(order.symptom_code, question, job.symptom)}</dt>
          <dd>${intakeAnswer(order.symptom_code, question, answer, job.symptom)}</dd></div>`)}</dl>`}
    </section>
    <section class="card" aria-labelledby="ov-asset">
      <h2 id="ov-asset" class="card-title">${t("job.asset")}</h2>
      ${asset ? html`
        <p class="big">${asset.brand} ${asset.model}</p>
        <p class="row-wrap"><span class="muted">${t("job.serial")} ${asset.serial}</span>
          <${WarrantyBadge} status=${asset.warranty_status} /></p>
        ${asset.warranty_end && html`<p class="muted">${t("job.warrantyEnd", { date: fmtDateTime(asset.warranty_end, { dateOnly: true }) })}</p>`}
        <a href=${`#/knowledge/model/${encodeURIComponent(asset.model)}`}>${t("job.articlesFor", { model: asset.model })}</a>
      ` : html`<p class="muted">${t("job.noAsset")}</p>`}
    </section>
    <section class="card" aria-labelledby="ov-articles" data-testid="suggested-articles">
      <h2 id="ov-articles" class="card-title">${t("job.suggestedArticles")}</h2>
      ${job.articles.length ? html`<ul class="plain-list">
        ${job.articles.slice(0, 5).map((a) => html`<li key=${a.id}>
          <a href=${`#/knowledge/${a.id}/job/${order.id}`} lang=${a.shown.language === "zh" ? "zh-Hans" : "en"}>${a.shown.title}</a></li>`)}
      </ul>` : html`<p class="muted">${t("job.noSuggestedArticles")}</p>`}
    </section>
    <section class="card" aria-labelledby="ov-history">
      <h2 id="ov-history" class="card-title">${t("job.previousVisits")}</h2>
      ${job.previousVisits.length ? html`<ul class="plain-list">
        ${job.previousVisits.map((visit) => html`<li key=${visit.id}>
          <a href=${`#/job/${visit.id}`}>${visit.number}</a> · ${fmtDateTime(visit.created_at, { dateOnly: true })}
          ${" · "}<${StatusChip} status=${visit.status} />
          ${visit.resolution && html`<div class="muted small">${visit.resolution}</div>`}</li>`)}
      </ul>` : html`<p class="muted">${t("job.noPreviousVisits")}</p>`}
    </section>`;
}
