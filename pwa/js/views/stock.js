/** Parts requested for a job (on its parts tab), and incoming deliveries to the van: a
 * banner on the job list and a screen to confirm what arrived. */
import { useState } from "preact/hooks";
import { fmtDateTime, language, partName, t } from "../i18n.js";
import { searchParts } from "../model.js";
import { StorageFull } from "../outbox.js";
import { html, toast, useLive, useStore } from "../state.js";
import { confirmReceipt, incoming, requestPart, requestsFor } from "../stock.js";
import { Dialog, Empty, Icon, Stepper } from "./components.js";
import { TopBar } from "./frame.js";

const OPEN = new Set(["scheduled", "en_route", "on_site", "awaiting_parts", "awaiting_customer",
  "reopened"]);

function failed(error) {
  toast(error instanceof StorageFull ? t("storage.full") : String(error), { kind: "error" });
}

/** A request's state in words; one ordered from a supplier says when it is expected
 * (docs/sync-protocol.md §4c). */
function requestState(r) {
  if (r.status === "ordered") {
    return r.expected_on
      ? t("request.status.ordered", { date: fmtDateTime(r.expected_on, { dateOnly: true }) })
      : t("request.status.ordered_undated");
  }
  return t(`request.status.${r.status}`);
}

/** The job's parts requests, and a way to ask for a part the van lacks. */
export function PartRequests({ job }) {
  const { order } = job;
  useStore(language);
  const requests = useLive(() => requestsFor(order.id), [order.id]) || [];
  const [asking, setAsking] = useState(false);
  return html`<section class="card" aria-labelledby="requests-title" data-testid="part-requests">
    <h2 id="requests-title" class="card-title">${t("request.title")}</h2>
    ${requests.length ? html`<ul class="part-requests">
      ${requests.map((r) => html`<li key=${r.id} data-status=${r.status}>
        <div class="grow"><div class="part-name">${partName(r.part)}</div>
          <div class="muted small">${r.part.sku} · ${t("request.quantity", { n: r.quantity })}
            ${r.note ? html` · ${r.note}` : null}</div></div>
        <span class=${`chip request-${r.status}`}>${requestState(r)}</span>
      </li>`)}</ul>` : html`<p class="muted">${t("request.none")}</p>`}
    ${OPEN.has(order.status) && html`<button class="button" data-testid="request-part"
      onClick=${() => setAsking(true)}>${t("request.ask")}</button>`}
    <${Dialog} open=${asking} title=${t("request.ask")} onClose=${() => setAsking(false)}>
      ${asking && html`<${RequestForm} job=${job} onDone=${() => setAsking(false)} />`}
    <//>
  </section>`;
}

function RequestForm({ job, onDone }) {
  const { order, asset } = job;
  const [query, setQuery] = useState("");
  const [chosen, setChosen] = useState(null);
  const [quantity, setQuantity] = useState(1);
  const [note, setNote] = useState("");
  const results = useLive(() => searchParts(query, { all: true,
    model: asset ? asset.model : null }), [query]) || [];
  const submit = async (event) => {
    event.preventDefault();
    try {
      await requestPart(order, chosen.id, quantity, note);
      toast(t("request.sent", { name: partName(chosen) }), { kind: "ok" });
      onDone();
    } catch (error) {
      failed(error);
    }
  };
  if (!chosen) {
    return html`<div class="form">
      <div class="search">
        <label for="request-search" class="visually-hidden">${t("parts.search")}</label>
        <${Icon} name="search" size=${18} />
        <input id="request-search" type="search" placeholder=${t("parts.search")} value=${query}
          autocomplete="off" onInput=${(e) => setQuery(e.currentTarget.value)} />
      </div>
      <ul class="part-results" aria-label=${t("parts.results")}>
        ${results.slice(0, 20).map(({ part, inVan }) => html`<li key=${part.id}>
          <button type="button" class="part-result" onClick=${() => setChosen(part)}>
            <span class="grow"><span class="part-name">${partName(part)}</span>
              <span class="muted small">${part.sku}</span></span>
            <span class=${`stock ${inVan > 0 ? "" : "stock-out"}`}>${t("parts.inVan", { n: inVan })}</span>
          </button></li>`)}
        ${!results.length && html`<li class="muted">${t("parts.noMatch")}</li>`}
      </ul>
      <div class="dialog-actions"><button type="button" class="button" onClick=${onDone}>
        ${t("action.cancel")}</button></div>
    </div>`;
  }
  return html`<form class="form" onSubmit=${submit}>
    <p><strong>${partName(chosen)}</strong><br /><span class="muted">${chosen.sku}</span></p>
    <${Stepper} id="request-qty" label=${t("parts.quantity")} value=${quantity} onChange=${setQuantity} />
    <label for="request-note">${t("request.note")}</label>
    <textarea id="request-note" rows="2" maxlength="500" value=${note}
      onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
    <p class="muted small">${t("request.waits")}</p>
    <div class="dialog-actions">
      <button type="button" class="button" onClick=${() => setChosen(null)}>${t("action.back")}</button>
      <button type="submit" class="button primary">${t("request.confirm")}</button>
    </div>
  </form>`;
}

/** "Incoming: 3 parts from Central warehouse", on the job list while anything waits. */
export function IncomingBanner() {
  useStore(language);
  const waiting = useLive(incoming, []);
  if (!waiting || !waiting.list.length) return null;
  return html`<a class="banner banner-info incoming-banner" href="#/incoming"
    data-testid="incoming-banner">
    <${Icon} name="sync" size=${18} />
    <span>${t("incoming.banner", { n: waiting.parts, from: waiting.sources.join(", ") })}</span>
  </a>`;
}

/** Confirm what arrived: each delivery's count, less when some is missing. */
export function IncomingScreen() {
  useStore(language);
  const waiting = useLive(incoming, []);
  return html`<${TopBar} title=${t("incoming.title")} back="#/jobs" />
    <main id="main" class="screen incoming-screen" tabindex="-1">
      ${waiting && !waiting.list.length && html`<${Empty} title=${t("incoming.none")} />`}
      ${waiting && waiting.list.map((d) => html`<${Delivery} key=${d.id} delivery=${d} />`)}
    </main>`;
}

function Delivery({ delivery }) {
  const [received, setReceived] = useState(delivery.quantity);
  const [busy, setBusy] = useState(false);
  const short = delivery.quantity - received;
  const confirm = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await confirmReceipt(delivery, received);
      toast(short ? t("incoming.confirmedShort", { n: short }) : t("incoming.confirmed"),
        { kind: "ok" });
    } catch (error) {
      failed(error);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card delivery" onSubmit=${confirm} data-testid="delivery">
    <h2 class="card-title">${partName(delivery.part)}</h2>
    <p class="muted small">${delivery.part.sku} · ${t("incoming.from",
      { from: delivery.from_name })} · ${fmtDateTime(delivery.sent_at)}</p>
    <p>${t("incoming.sent", { n: delivery.quantity })}</p>
    <${Stepper} id=${`received-${delivery.id}`} label=${t("incoming.received")} value=${received}
      min=${0} max=${delivery.quantity} onChange=${setReceived} />
    ${short > 0 && html`<p class="warn-text">${t("incoming.short", { n: short })}</p>`}
    <button type="submit" class="button primary wide" disabled=${busy}>
      ${t("incoming.confirm")}</button>
  </form>`;
}
