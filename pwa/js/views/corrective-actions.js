/** The technician's open corrective actions (read-only): what, why, by when. */
import { dueDate, isOverdue, readCorrectiveActions } from "../corrective-actions.js";
import { fmtDateTime, t } from "../i18n.js";
import { html, useLive } from "../state.js";
import { Empty } from "./components.js";
import { TopBar } from "./frame.js";

export function CorrectiveActionsScreen() {
  const kept = useLive(readCorrectiveActions, []);
  const items = kept ? kept.items : [];
  return html`
    <${TopBar} title=${t("qcActions.title")} />
    <main id="main" class="screen" tabindex="-1">
      <p class="muted">${t("qcActions.intro")}</p>
      ${kept === null && html`<p class="muted" data-testid="qc-actions-never">${t("qcActions.never")}</p>`}
      ${kept && !items.length && html`<${Empty} title=${t("qcActions.none")} />`}
      ${items.length > 0 && html`<ul class="plain-list" data-testid="qc-actions">
        ${items.map((action) => html`<li class="card" key=${action.id}
          data-action=${action.id}>
          <h2 class="card-title">${t(`qcItem.${action.item}`, {}, action.item)}</h2>
          <dl class="facts">
            <div><dt>${t("qcActions.why")}</dt><dd data-testid="qc-action-note">${action.note || "—"}</dd></div>
            ${action.findings && html`<div><dt>${t("qcActions.findings")}</dt><dd>${action.findings}</dd></div>`}
            <div><dt>${t("qcActions.order")}</dt><dd>${action.order_number}</dd></div>
            <div><dt>${t("qcActions.due")}</dt><dd data-testid="qc-action-due">
              ${fmtDateTime(dueDate(action), { dateOnly: true })}
              ${isOverdue(action) && html` <span class="chip sla-red" data-testid="qc-action-overdue">${t("qcActions.overdue")}</span>`}</dd></div>
          </dl>
        </li>`)}</ul>`}
      ${kept && html`<p class="muted small" data-testid="qc-actions-fetched">${t("qcActions.fetched", { at: fmtDateTime(kept.fetchedAt) })}</p>`}
    </main>`;
}
