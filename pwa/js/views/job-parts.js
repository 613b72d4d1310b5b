/** Parts used from the van (searchable offline), returns, and what the customer pays. */
import { useState } from "preact/hooks";
import { returnPart, usePart } from "../actions.js";
import { charges } from "../fold.js";
import { fmtMoney, language, partName, t } from "../i18n.js";
import { searchParts } from "../model.js";
import { StorageFull } from "../outbox.js";
import { html, toast, useLive, useStore } from "../state.js";
import { Dialog, Icon, Stepper } from "./components.js";
import { needsQuote } from "./job-quote.js";
import { PartRequests } from "./stock.js";

const LOCKED = new Set(["signed", "closed", "cancelled"]);

function failed(error) {
  toast(error instanceof StorageFull ? t("storage.full") : String(error), { kind: "error" });
}

export function PartsTab({ job }) {
  const { order } = job;
  const locked = LOCKED.has(order.status);
  const [returning, setReturning] = useState(null);
  const [quantity, setQuantity] = useState(1);
  return html`
    <section class="card" aria-labelledby="parts-used">
      <h2 id="parts-used" class="card-title">${t("parts.used")}</h2>
      ${job.totals.length ? html`<ul class="parts-used" data-testid="parts-used">
        ${job.totals.map((entry) => {
          const part = job.parts[entry.part_id] || {};
          return html`<li key=${entry.part_id}>
            <div class="grow">
              <div class="part-name">${partName(part)}</div>
              <div class="muted small">${part.sku} · ${entry.quantity} × ${fmtMoney(entry.unit_price_cents, order.currency)}</div>
            </div>
            <div class="part-total">${fmtMoney(entry.total_cents, order.currency)}</div>
            ${!locked && html`<button class="button small" onClick=${() => { setReturning(entry); setQuantity(1); }}
              aria-label=${t("parts.returnOne", { name: partName(part) })}>${t("parts.return")}</button>`}
          </li>`;
        })}</ul>` : html`<p class="muted">${t("parts.none")}</p>`}
    </section>
    ${!locked && (job.quote && job.quote.decision === "declined"
      ? html`<p class="card banner inline banner-warn" data-testid="parts-declined">${t("parts.quoteDeclined")}</p>`
      : needsQuote(job) ? html`<p class="card banner inline banner-info" data-testid="parts-quote-first">
        ${t("parts.quoteFirst")} <a href=${`#/job/${order.id}/quote`}>${t("step.openQuote")}</a></p>`
        : html`<${PartPicker} job=${job} />`)}
    <${PartRequests} job=${job} />
    <${Charges} order=${order} totals=${job.totals} quote=${job.quote} />
    <${Dialog} open=${!!returning} title=${t("parts.returnTitle")} onClose=${() => setReturning(null)}>
      ${returning && html`<form class="form" onSubmit=${async (event) => {
        event.preventDefault();
        try {
          await returnPart(order, returning.part_id, quantity);
          toast(t("parts.returned"), { kind: "ok" });
        } catch (error) {
          failed(error);
        }
        setReturning(null);
      }}>
        <p>${partName(job.parts[returning.part_id] || {})}</p>
        <${Stepper} id="return-qty" label=${t("parts.quantity")} value=${quantity}
          max=${returning.quantity} onChange=${setQuantity} />
        <div class="dialog-actions">
          <button type="button" class="button" onClick=${() => setReturning(null)}>${t("action.cancel")}</button>
          <button type="submit" class="button primary">${t("parts.returnConfirm")}</button>
        </div>
      </form>`}
    <//>`;
}

function PartPicker({ job }) {
  const { order, asset } = job;
  useStore(language);
  const [query, setQuery] = useState("");
  const [all, setAll] = useState(false);
  const [chosen, setChosen] = useState(null);
  const [quantity, setQuantity] = useState(1);
  const results = useLive(() => searchParts(query, { all, model: asset ? asset.model : null }),
    [query, all]) || [];
  // With no search yet, suggest what fits this appliance and is in the van.
  const shown = query.trim() ? results.slice(0, 30)
    : results.filter((r) => r.fits && r.inVan > 0).slice(0, 6);
  const add = async (event) => {
    event.preventDefault();
    try {
      await usePart(order, chosen.part.id, quantity);
      toast(t("parts.added", { name: partName(chosen.part), n: quantity }), { kind: "ok" });
      setChosen(null);
      setQuantity(1);
      setQuery("");
    } catch (error) {
      failed(error);
    }
  };
  return html`<section class="card" aria-labelledby="parts-add">
    <h2 id="parts-add" class="card-title">${t("parts.add")}</h2>
    <div class="search">
      <label for="part-search" class="visually-hidden">${t("parts.search")}</label>
      <${Icon} name="search" size=${18} />
      <input id="part-search" type="search" placeholder=${t("parts.search")} value=${query}
        autocomplete="off" onInput=${(e) => setQuery(e.currentTarget.value)} />
    </div>
    <label class="check"><input type="checkbox" checked=${all}
      onChange=${(e) => setAll(e.currentTarget.checked)} /> ${t("parts.wholeCatalogue")}</label>
    <ul class="part-results" aria-label=${t("parts.results")}>
      ${shown.map(({ part, inVan, fits }) => html`<li key=${part.id}>
        <button class="part-result" onClick=${() => { setChosen({ part, inVan }); setQuantity(1); }}>
          <span class="grow"><span class="part-name">${partName(part)}</span>
            <span class="muted small">${part.sku} · ${fmtMoney(part.price_cents, order.currency)}
              ${!fits && html` · ${t("parts.otherModels")}`}</span></span>
          <span class=${`stock ${inVan > 0 ? "" : "stock-out"}`}>${t("parts.inVan", { n: inVan })}</span>
        </button></li>`)}
      ${!results.length && html`<li class="muted">${t("parts.noMatch")}</li>`}
    </ul>
    ${results.length > shown.length && html`<p class="muted small">${query.trim()
      ? t("parts.moreResults", { n: results.length - shown.length }) : t("parts.typeToSearch")}</p>`}
    <${Dialog} open=${!!chosen} title=${t("parts.useTitle")} onClose=${() => setChosen(null)}>
      ${chosen && html`<form class="form" onSubmit=${add}>
        <p><strong>${partName(chosen.part)}</strong><br />
          <span class="muted">${chosen.part.sku} · ${t("parts.inVan", { n: chosen.inVan })}</span></p>
        ${chosen.inVan < quantity && html`<p class="warn-text">${t("parts.notEnough")}</p>`}
        <${Stepper} id="use-qty" label=${t("parts.quantity")} value=${quantity} onChange=${setQuantity} />
        <div class="dialog-actions">
          <button type="button" class="button" onClick=${() => setChosen(null)}>${t("action.cancel")}</button>
          <button type="submit" class="button primary">${t("parts.useConfirm")}</button>
        </div>
      </form>`}
    <//>
  </section>`;
}

export function Charges({ order, totals, quote = null }) {
  const money = charges(order, totals, quote);
  const fmt = (cents) => fmtMoney(cents, money.currency);
  return html`<section class="card" aria-labelledby="charges-title" data-testid="charges">
    <h2 id="charges-title" class="card-title">${t("charges.title")}</h2>
    ${money.in_warranty && html`<p class="chip warranty-in_warranty">${t("charges.inWarranty")}</p>`}
    <dl class="charges">
      <div><dt>${t("charges.parts")}</dt><dd>${fmt(money.parts_cents)}</dd></div>
      <div><dt>${t("charges.labour")}</dt><dd>${fmt(money.labour_cents)}</dd></div>
      <div><dt>${t("charges.travel")}</dt><dd>${fmt(money.travel_cents)}</dd></div>
      ${money.discount_cents > 0 && html`<div><dt>${order.discount_reason
        ? t("charges.discountFor", { reason: t(`discountReason.${order.discount_reason}`) })
        : t("charges.discount")}</dt><dd>−${fmt(money.discount_cents)}</dd></div>`}
      <div class="total"><dt>${t("charges.total")}</dt><dd>${fmt(money.total_cents)}</dd></div>
    </dl>
    ${order.rework_of && html`<p class="muted">${t("report.reworkOf", { number: order.rework_of })}</p>`}
  </section>`;
}
