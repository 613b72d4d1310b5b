/**
 * Sync, honestly: online or not, what is waiting to go, photos uploading, when it last
 * worked, and every change the server refused or flagged, with what to do about it.
 */
import { dismissNotice } from "../actions.js";
import { db } from "../db.js";
// The server writes its own explanation in English: a Chinese phone shows only its own
// words for the reason (every reason the server gives has one, see messages.js).
import { currentLanguage, fmtDateTime, fmtRelative, t, tOr } from "../i18n.js";
import { retryFailed } from "../photos.js";
import { html, useLive, useStore } from "../state.js";
import { status as syncStatus, syncNow } from "../sync.js";
import { Icon } from "./components.js";
import { TopBar } from "./frame.js";

/**
 * Conflicts of one kind on one order read as one notice (a reassignment flags every change
 * that followed it); rejections stay one per change, each with its own message.
 */
function groupNotices(notices) {
  const groups = new Map();
  for (const notice of notices) {
    const key = notice.kind === "conflict" ? `c:${notice.order_id}:${notice.reason}`
      : `r:${notice.seq}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(notice);
  }
  return [...groups.values()];
}

export function SyncScreen() {
  const state = useStore(syncStatus);
  const data = useLive(async () => {
    const [pending, blobs, notices, orders] = await Promise.all([
      db.outbox.orderBy("id").toArray(), db.blobs.toArray(),
      db.notices.toArray(), db.work_order.toArray()]);
    return { pending, notices: notices.filter((n) => !n.dismissed_at).reverse(),
      numbers: Object.fromEntries(orders.map((o) => [o.id, o.number])),
      uploads: {
        pending: blobs.filter((b) => b.state === "pending" || b.state === "uploading").length,
        failed: blobs.filter((b) => b.state === "failed"),
        uploaded: blobs.filter((b) => b.state === "uploaded").length,
      } };
  }, []);
  if (!data) return html`<${TopBar} title=${t("sync.title")} />`;
  const { pending, notices, uploads, numbers } = data;
  return html`
    <${TopBar} title=${t("sync.title")} />
    <main id="main" class="screen" tabindex="-1">
      <section class="card" aria-labelledby="sync-state">
        <h2 id="sync-state" class="card-title">${t("sync.state")}</h2>
        <dl class="facts">
          <div><dt>${t("sync.network")}</dt>
            <dd data-testid="network">${state.online ? t("sync.online") : t("sync.offline")}</dd></div>
          <div><dt>${t("sync.pending")}</dt><dd data-testid="pending-count">${pending.length}</dd></div>
          <div><dt>${t("sync.uploads")}</dt><dd data-testid="upload-count">
            ${t("sync.uploadsLine", { pending: uploads.pending, failed: uploads.failed.length })}</dd></div>
          <div><dt>${t("sync.last")}</dt><dd data-testid="last-sync">${state.lastSyncAt
            ? `${fmtDateTime(state.lastSyncAt)} (${fmtRelative(state.lastSyncAt)})` : t("sync.never")}</dd></div>
        </dl>
        ${state.running && html`<p role="status">${t(`sync.phase.${state.phase || "push"}`)}</p>`}
        ${state.lastError && !state.running && html`<p class="warn-text" role="status">
          ${state.lastError.kind === "network" ? t("sync.networkError")
            : tOr(`syncError.${state.lastError.reason}`, t("sync.serverError",
              { status: state.lastError.status || "?" }))}
          ${state.retryAt ? ` ${t("sync.retryAt", { time: fmtRelative(new Date(state.retryAt).toISOString()) })}` : ""}
        </p>`}
        ${!state.online && html`<p class="muted">${t("sync.offlineHint")}</p>`}
        <button class="button primary wide" onClick=${() => syncNow("manual")}
          disabled=${state.running || !state.online} data-testid="sync-now">
          <${Icon} name="refresh" size=${18} /> ${t("sync.now")}</button>
      </section>
      ${notices.length > 0 && html`<section class="card" aria-labelledby="sync-problems">
        <h2 id="sync-problems" class="card-title">${t("sync.problems")}</h2>
        <ul class="notices" data-testid="notices">${groupNotices(notices).map((group) => {
          const notice = group[0];
          const number = numbers[notice.order_id] || notice.order_number;
          const what = [...new Set(group.map((n) => t(`mutation.${n.name}`)))].join(", ");
          return html`<li key=${notice.seq} class=${`notice notice-${notice.kind}`}>
            <p class="notice-title"><${Icon} name="alert" size=${18} />
              ${tOr(`reject.${notice.reason}`, t(notice.kind === "conflict" ? "reject.conflict" : "reject.other"))}</p>
            <p class="small">${number && numbers[notice.order_id]
              ? html`<a href=${`#/job/${notice.order_id}`}>${number}</a>` : number}
              ${number ? " · " : ""}${what}${group.length > 1 ? ` (${group.length})` : ""}
              ${" · "}${fmtDateTime(notice.at)}</p>
            ${notice.message && currentLanguage() === "en" && html`<p class="small muted">${t("sync.serverSaid")} “${notice.message}”</p>`}
            <p class="small"><strong>${t("sync.todo")}</strong> ${tOr(`todo.${notice.reason}`,
              t(notice.kind === "conflict" ? "todo.conflict" : "todo.other"))}</p>
            <button class="button small" onClick=${() => Promise.all(group.map((n) => dismissNotice(n.seq)))}>
              ${t("action.dismiss")}</button>
          </li>`;
        })}</ul>
      </section>`}
      ${uploads.failed.length > 0 && html`<section class="card" aria-labelledby="sync-uploads">
        <h2 id="sync-uploads" class="card-title">${t("sync.failedUploads")}</h2>
        <p>${t("sync.failedUploadsText", { n: uploads.failed.length })}</p>
        <button class="button" onClick=${async () => { await retryFailed(); syncNow("retry"); }}>
          ${t("upload.retryAll")}</button>
      </section>`}
      <section class="card" aria-labelledby="sync-queue">
        <h2 id="sync-queue" class="card-title">${t("sync.waiting")}</h2>
        ${pending.length ? html`<ol class="queue">${pending.slice(0, 50).map((m) => html`
          <li key=${m.id}><span>${t(`mutation.${m.name}`)}</span>
            <span class="muted small">${numbers[m.order_id] || ""} · ${fmtDateTime(m.client_time)}</span></li>`)}
          ${pending.length > 50 && html`<li class="muted">${t("sync.more", { n: pending.length - 50 })}</li>`}
        </ol>` : html`<p class="muted">${t("sync.nothingWaiting")}</p>`}
      </section>
    </main>`;
}
