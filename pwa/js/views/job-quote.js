/**
 * The quote (out of warranty, before the work): the technician prices the repair from what
 * the phone holds — parts from the van or to order, labour and travel (the tariff, which
 * they may change) — the customer reads it in their language and approves or declines by
 * signing (docs/sync-protocol.md §4a). What is shown is the very content object that is
 * hashed (quote-content.js): sign what you see. Once decided, the screen shows the
 * decision and what it allows.
 */
import { useRef, useState } from "preact/hooks";
import { decideQuote } from "../actions.js";
import { fmtDateTime, fmtMoney, language, partName, t, tIn } from "../i18n.js";
import { searchParts } from "../model.js";
import { StorageFull } from "../outbox.js";
import { priceListLines, quoteContent } from "../quote-content.js";
import { languageOf } from "../signed-content.js";
import { html, toast, useLive, useStore } from "../state.js";
import { holdUpdates } from "../updates.js";
import { Empty, Icon, Stepper } from "./components.js";
import { useSignaturePad } from "./signature-pad.js";

const CLOSED = new Set(["closed", "cancelled", "signed"]);

/** Whether the job waits for the customer's decision on a quote (charged, none yet). */
export function needsQuote(job) {
  return job.order.in_warranty !== true && !job.quote;
}

export function QuoteTab({ job }) {
  const { order } = job;
  if (order.in_warranty === true) {
    return html`<${Empty} icon="check" title=${t("quote.inWarranty")} />`;
  }
  if (job.quote) return html`<${Decided} job=${job} />`;
  if (CLOSED.has(order.status)) {
    return html`<${Empty} icon="clock" title=${t("quote.tooLate")} />`;
  }
  return html`<${QuoteBuilder} job=${job} />`;
}

/** Cents from what the technician typed ("120", "120.5", "120,50"); null if not money. */
export function centsOf(text) {
  const clean = String(text || "").trim().replace(",", ".");
  if (!/^\d{1,7}(\.\d{0,2})?$/.test(clean)) return null;
  return Math.round(parseFloat(clean) * 100);
}

const plain = (cents) => (cents / 100).toFixed(2);

// Quotes being prepared, per order, while the app is open: leaving the tab (to check the
// van, the Work tab) and coming back keeps the chosen parts and prices. Nothing is stored:
// only the customer's signed decision is.
const drafts = new Map();

function QuoteBuilder({ job }) {
  const { order, asset } = job;
  useStore(language);
  const draft = drafts.get(order.id) || { chosen: {}, known: {},
    labour: plain(order.labour_cents || 0), travel: plain(order.travel_cents || 0),
    quoteId: crypto.randomUUID() };
  const [chosen, setChosen] = useState(draft.chosen);
  const [query, setQuery] = useState("");
  const [labour, setLabour] = useState(draft.labour);
  const [travel, setTravel] = useState(draft.travel);
  const [quoteId] = useState(draft.quoteId);
  const results = useLive(() => searchParts(query, { all: true,
    model: asset ? asset.model : null }), [query]) || [];
  const [known, setKnown] = useState(draft.known);
  drafts.set(order.id, { chosen, known, labour, travel, quoteId });
  const allParts = { ...known, ...job.parts };
  const shown = query.trim() ? results.slice(0, 20)
    : results.filter((r) => r.fits && r.inVan > 0).slice(0, 6);
  const labourCents = centsOf(labour);
  const travelCents = centsOf(travel);
  const lines = priceListLines({ labour_cents: labourCents ?? 0, travel_cents: travelCents ?? 0 },
    chosen, allParts);
  const content = quoteContent({ quoteId, order, customer: job.customer || { name: "" },
    address: job.address, asset: job.asset, parts: allParts, lines, decision: "approved" });
  const stockOf = (partId) => (job.stock && job.stock.get(partId)) || 0;
  const setQuantity = (part, quantity) => {
    setKnown({ ...known, [part.id]: part });
    setChosen({ ...chosen, [part.id]: quantity });
  };
  return html`
    <section class="card" aria-labelledby="quote-parts">
      <h2 id="quote-parts" class="card-title">${t("quote.parts")}</h2>
      ${Object.entries(chosen).filter(([, n]) => n > 0).length ? html`<ul class="parts-used quote-chosen"
        data-testid="quote-chosen">${Object.entries(chosen).filter(([, n]) => n > 0)
        .map(([partId, quantity]) => {
          const part = allParts[partId] || {};
          const inVan = stockOf(partId);
          return html`<li key=${partId}><div class="grow">
              <div class="part-name">${partName(part)}</div>
              <div class="muted small">${part.sku} · ${fmtMoney(part.price_cents, order.currency)}
                ${" · "}${inVan >= quantity ? t("quote.fromVan") : t("quote.toOrder")}</div></div>
            <${Stepper} id=${`q-${partId}`} label=${t("parts.quantity")} value=${quantity} min=${0}
              onChange=${(n) => setQuantity(part, n)} /></li>`;
        })}</ul>` : html`<p class="muted">${t("quote.noParts")}</p>`}
      <div class="search">
        <label for="quote-part-search" class="visually-hidden">${t("parts.search")}</label>
        <${Icon} name="search" size=${18} />
        <input id="quote-part-search" type="search" placeholder=${t("parts.search")}
          value=${query} autocomplete="off" onInput=${(e) => setQuery(e.currentTarget.value)} />
      </div>
      <ul class="part-results" aria-label=${t("parts.results")}>
        ${shown.map(({ part, inVan }) => html`<li key=${part.id}>
          <button type="button" class="part-result"
            onClick=${() => { setQuantity(part, (chosen[part.id] || 0) + 1); setQuery(""); }}>
            <span class="grow"><span class="part-name">${partName(part)}</span>
              <span class="muted small">${part.sku} · ${fmtMoney(part.price_cents, order.currency)}</span></span>
            <span class=${`stock ${inVan > 0 ? "" : "stock-out"}`}>${inVan > 0
              ? t("parts.inVan", { n: inVan }) : t("quote.toOrder")}</span>
          </button></li>`)}
        ${!results.length && html`<li class="muted">${t("parts.noMatch")}</li>`}
      </ul>
    </section>
    <section class="card form" aria-labelledby="quote-work">
      <h2 id="quote-work" class="card-title">${t("quote.work")}</h2>
      <div class="field"><label for="quote-labour">${t("charges.labour")} (${order.currency})</label>
        <input id="quote-labour" type="text" inputmode="decimal" value=${labour}
          aria-invalid=${labourCents === null ? "true" : null}
          onInput=${(e) => setLabour(e.currentTarget.value)} /></div>
      <div class="field"><label for="quote-travel">${t("charges.travel")} (${order.currency})</label>
        <input id="quote-travel" type="text" inputmode="decimal" value=${travel}
          aria-invalid=${travelCents === null ? "true" : null}
          onInput=${(e) => setTravel(e.currentTarget.value)} /></div>
      ${(labourCents === null || travelCents === null)
        && html`<p class="warn-text">${t("quote.badAmount")}</p>`}
    </section>
    <${QuotePreview} content=${content} />
    ${labourCents !== null && travelCents !== null && html`<${DecisionForm} job=${job}
      quoteId=${quoteId} lines=${lines} content=${content} />`}`;
}

/** The quote as the customer reads it, in the order's language. */
export function QuotePreview({ content, decided = false }) {
  const lang = content.language;
  const tr = (key, params) => tIn(lang, key, params);
  const money = (cents) => fmtMoney(cents, content.currency, lang);
  const lineName = (line) => (line.kind === "part" ? line.name : tr(`quote.line.${line.kind}`));
  return html`<article class="report card" lang=${lang === "zh" ? "zh-Hans" : "en"}
    aria-labelledby="quote-title" data-testid="quote-preview">
    <h2 id="quote-title" class="report-title">${tr("quote.title")}</h2>
    <p class="muted">${content.order.number} · ${content.customer.name}</p>
    ${content.asset && html`<p class="muted small">${content.asset.brand} ${content.asset.model} · ${content.asset.serial}</p>`}
    <table class="report-parts">
      <thead><tr><th scope="col">${tr("quote.item")}</th><th scope="col" class="num">${tr("report.qty")}</th>
        <th scope="col" class="num">${tr("report.amount")}</th></tr></thead>
      <tbody>${content.lines.map((line, i) => html`<tr key=${i}>
        <td>${lineName(line)}${line.sku && html`<div class="muted small">${line.sku} · ${money(line.unit_price_cents)}</div>`}</td>
        <td class="num">${line.quantity}</td><td class="num">${money(line.total_cents)}</td></tr>`)}
      </tbody></table>
    <dl class="charges">
      <div class="total"><dt>${tr("charges.total")}</dt>
        <dd data-testid="quote-total">${money(content.total_cents)}</dd></div>
    </dl>
    ${!decided && html`<p class="muted small">${tr("quote.declineFee",
      { fee: money(content.diagnostic_fee_cents) })}</p>`}
  </article>`;
}

function DecisionForm({ job, quoteId, lines, content }) {
  const { order } = job;
  const lang = languageOf(order);
  const tr = (key, params) => tIn(lang, key, params);
  const canvas = useRef(null);
  const [name, setName] = useState(job.customer ? job.customer.name : "");
  const [busy, setBusy] = useState(false);
  const hold = `quote:${order.id}`;
  const { drawn, clear, png } = useSignaturePad(canvas, hold);
  const decide = async (decision) => {
    if (!drawn || !name.trim()) return;
    setBusy(true);
    try {
      const image = await png();
      await decideQuote(order, { quoteId, lines, content: { ...content, decision }, image,
        signerName: name.trim() });
      holdUpdates(hold, null);
      drafts.delete(order.id);
      window.scrollTo(0, 0);
      toast(t(`quote.done.${decision}`), { kind: "ok" });
    } catch (error) {
      toast(error instanceof StorageFull ? t("storage.full") : String(error), { kind: "error" });
    } finally {
      setBusy(false);
    }
  };
  const ready = drawn && name.trim() && !busy;
  return html`<form class="card form sign-form" aria-labelledby="quote-sign-title"
    lang=${lang === "zh" ? "zh-Hans" : "en"} data-testid="quote-sign"
    onSubmit=${(e) => e.preventDefault()}>
    <h2 id="quote-sign-title" class="card-title">${tr("quote.signTitle")}</h2>
    <p class="muted">${tr("quote.explain")}</p>
    <div class="field">
      <span class="label" id="quote-pad-label">${tr("sign.signature")}</span>
      <div class="pad-wrap">
        <canvas ref=${canvas} class="signature-pad" data-testid="quote-pad" role="img"
          aria-labelledby="quote-pad-label"></canvas>
        <p class="pad-hint" aria-hidden=${drawn ? "true" : null}>${drawn ? "" : tr("sign.padHint")}</p>
      </div>
      <button type="button" class="link-button" onClick=${clear} disabled=${!drawn}>${tr("sign.clear")}</button>
    </div>
    <div class="field">
      <label for="quote-signer">${tr("sign.name")}</label>
      <input id="quote-signer" type="text" autocomplete="name" required maxlength="120"
        value=${name} onInput=${(e) => setName(e.currentTarget.value)} />
    </div>
    <div class="stepbar-row">
      <button type="button" class="button" disabled=${!ready}
        onClick=${() => decide("declined")}>${tr("quote.decline")}</button>
      <button type="button" class="button primary grow" disabled=${!ready}
        onClick=${() => decide("approved")}>${tr("quote.approve")}</button>
    </div>
  </form>`;
}

/** The customer's decision, and what it allows from now on. */
function Decided({ job }) {
  const { order, quote } = job;
  const declined = quote.decision === "declined";
  const lang = languageOf(order);
  const parts = job.parts;
  const lines = quote.lines.map((line) => {
    const part = line.part_id ? parts[line.part_id] || {} : null;
    return { kind: line.kind, sku: line.sku || (part && part.sku) || null,
      name: part ? (lang === "zh" ? line.name_zh || part.name_zh : line.name_en || part.name_en)
        : null, quantity: line.quantity, unit_price_cents: line.unit_price_cents,
      total_cents: line.total_cents ?? line.quantity * line.unit_price_cents };
  });
  const content = { language: lang, currency: quote.currency || order.currency,
    order: { number: order.number }, customer: { name: job.customer ? job.customer.name : "" },
    asset: job.asset, lines, total_cents: quote.total_cents,
    diagnostic_fee_cents: quote.diagnostic_fee_cents };
  return html`<section class=${`card banner inline ${declined ? "banner-warn" : "banner-ok"}`}
      data-testid="quote-decision">
      <p><strong>${t(`quote.decision.${quote.decision}`)}</strong></p>
      <p>${t("quote.decidedBy", { name: quote.signer_name,
        time: fmtDateTime(quote.decided_at_device) })}</p>
      <p>${declined ? t("quote.afterDecline", { fee: fmtMoney(quote.diagnostic_fee_cents,
        content.currency) }) : t("quote.afterApproval")}</p>
      ${quote._pending && html`<p class="pending-text">${t("sign.notSynced")}</p>`}
    </section>
    <${QuotePreview} content=${content} decided=${true} />`;
}
