/**
 * Money received on site (no gateway): cash, card, or a transfer with its reference. What
 * is still due is shown before sending and is the most the form accepts — the server's
 * rule (payment_exceeds_due, docs/sync-protocol.md §4a rule 5). Recorded offline as
 * `record_payment`; the job shows what was paid and what is still due.
 */
import { useState } from "preact/hooks";
import { recordPayment } from "../actions.js";
import { balance, charges } from "../fold.js";
import { fmtDateTime, fmtMoney, t } from "../i18n.js";
import { StorageFull } from "../outbox.js";
import { html, toast } from "../state.js";
import { Empty } from "./components.js";
import { centsOf } from "./job-quote.js";

const METHODS = ["cash", "card", "transfer"];

export function PaymentTab({ job }) {
  const { order } = job;
  if (order.in_warranty === true) {
    return html`<${Empty} icon="check" title=${t("charges.inWarranty")} />`;
  }
  const money = charges(order, job.totals, job.quote);
  const owed = balance(money.total_cents, job.payments);
  const fmt = (cents) => fmtMoney(cents, money.currency);
  return html`
    <section class="card" aria-labelledby="pay-balance" data-testid="balance">
      <h2 id="pay-balance" class="card-title">${t("pay.balance")}</h2>
      <dl class="charges">
        <div><dt>${t("charges.total")}</dt><dd>${fmt(money.total_cents)}</dd></div>
        <div><dt>${t("pay.paid")}</dt><dd data-testid="paid">${fmt(owed.paid_cents)}</dd></div>
        <div class="total"><dt>${t("pay.due")}</dt><dd data-testid="due">${fmt(owed.due_cents)}</dd></div>
      </dl>
      ${job.payments.length > 0 && html`<ul class="plain-list" data-testid="payments">
        ${job.payments.map((p) => html`<li key=${p.id}>${t(`pay.method.${p.method}`)}
          ${" · "}${fmt(p.amount_cents)}${p.reference ? ` · ${p.reference}` : ""}
          ${" · "}<span class="muted small">${fmtDateTime(p.paid_at_device)}</span>
          ${p._pending && html` <span class="pending-text">${t("pay.notSynced")}</span>`}</li>`)}
      </ul>`}
    </section>
    ${order.status === "cancelled" ? null : owed.due_cents > 0
      ? html`<${PaymentForm} order=${order} due=${owed.due_cents} currency=${money.currency} />`
      : html`<p class="card muted" data-testid="nothing-due">${t("pay.nothingDue")}</p>`}`;
}

function PaymentForm({ order, due, currency }) {
  const [method, setMethod] = useState("cash");
  const [amount, setAmount] = useState((due / 100).toFixed(2));
  const [reference, setReference] = useState("");
  const [busy, setBusy] = useState(false);
  const cents = centsOf(amount);
  const tooMuch = cents !== null && cents > due;
  const needsReference = method === "transfer" && !reference.trim();
  const ok = cents !== null && cents > 0 && !tooMuch && !needsReference;
  const submit = async (event) => {
    event.preventDefault();
    if (!ok) return;
    setBusy(true);
    try {
      await recordPayment(order, { method, amountCents: cents,
        reference: method === "transfer" || reference.trim() ? reference.trim() || null : null });
      toast(t("pay.done", { amount: fmtMoney(cents, currency) }), { kind: "ok" });
      setReference("");
    } catch (error) {
      toast(error instanceof StorageFull ? t("storage.full") : String(error), { kind: "error" });
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card form" onSubmit=${submit} aria-labelledby="pay-title"
    data-testid="payment-form">
    <h2 id="pay-title" class="card-title">${t("pay.title")}</h2>
    <fieldset class="choices">
      <legend>${t("pay.method")}</legend>
      ${METHODS.map((name) => html`<label class="choice" key=${name}>
        <input type="radio" name="method" value=${name} checked=${method === name}
          onChange=${() => setMethod(name)} /><span>${t(`pay.method.${name}`)}</span></label>`)}
    </fieldset>
    <div class="field">
      <label for="pay-amount">${t("pay.amount")} (${currency})</label>
      <input id="pay-amount" type="text" inputmode="decimal" value=${amount}
        aria-describedby="pay-most" aria-invalid=${cents === null || tooMuch ? "true" : null}
        onInput=${(e) => setAmount(e.currentTarget.value)} />
      <p id="pay-most" class=${tooMuch ? "warn-text" : "muted small"}>${t("pay.atMost",
        { amount: fmtMoney(due, currency) })}</p>
    </div>
    ${method === "transfer" && html`<div class="field">
      <label for="pay-reference">${t("pay.reference")}</label>
      <input id="pay-reference" type="text" maxlength="80" required value=${reference}
        onInput=${(e) => setReference(e.currentTarget.value)} /></div>`}
    <button type="submit" class="button primary wide" disabled=${busy || !ok}>${t("pay.submit")}</button>
  </form>`;
}
