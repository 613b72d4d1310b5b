/** The top bar every screen shows, with the always-honest sync indicator. */
import { db } from "../db.js";
import { fmtClock, t } from "../i18n.js";
import { html, useLive, useStore } from "../state.js";
import { status as syncStatus } from "../sync.js";
import { Icon } from "./components.js";

/** The always-honest sync indicator in every top bar. */
export function SyncPill() {
  const state = useStore(syncStatus);
  const counts = useLive(async () => ({
    pending: await db.outbox.count(),
    uploads: await db.blobs.where("state").anyOf("pending", "uploading").count(),
    failed: await db.blobs.where("state").equals("failed").count(),
    rejected: await db.notices.filter((n) => !n.dismissed_at && n.kind === "rejected").count(),
    notices: await db.notices.filter((n) => !n.dismissed_at).count(),
  }), []) || { pending: 0, uploads: 0, failed: 0, rejected: 0, notices: 0 };
  const waiting = counts.pending + counts.uploads;
  let tone = "ok";
  let icon = "check";
  let text;
  let long = null;
  if (state.authProblem) {
    tone = "bad"; icon = "alert"; text = t("pill.signIn"); long = t("pill.long.signIn");
  } else if (counts.rejected || counts.failed) {
    tone = "bad"; icon = "alert"; text = t("pill.problems", { n: counts.rejected + counts.failed });
  } else if (!state.online) {
    tone = "off"; icon = "cloudOff";
    text = waiting ? t("pill.offlinePending", { n: waiting }) : t("pill.offline");
    if (waiting) long = t("pill.long.offlinePending", { n: waiting });
  } else if (state.running) {
    tone = "busy"; icon = "sync"; text = t("pill.syncing");
  } else if (waiting) {
    tone = "busy"; icon = "upload"; text = t("pill.pending", { n: waiting });
  } else if (state.lastError) {
    tone = "warn"; icon = "alert"; text = t("pill.retrying");
  } else if (counts.notices) {
    tone = "warn"; icon = "alert"; text = t("pill.toRead", { n: counts.notices });
  } else {
    text = state.lastSyncAt ? t("pill.synced", { time: fmtClock(state.lastSyncAt) })
      : t("pill.neverSynced");
  }
  return html`<a class=${`sync-pill tone-${tone}`} href="#/sync" data-testid="sync-pill"
    data-pending=${counts.pending} data-uploads=${counts.uploads}
    data-online=${state.online ? "yes" : "no"} data-running=${state.running ? "yes" : "no"}
    data-error=${state.lastError || state.authProblem ? "yes" : "no"}
    data-last-sync=${state.lastSyncAt || ""} data-notices=${counts.notices}
    aria-label=${`${t("pill.label")}: ${long || text}`}>
    <${Icon} name=${icon} size=${18} /><span>${text}</span></a>`;
}

export function TopBar({ title, back = null, children = null }) {
  return html`<header class="topbar">
    ${back && html`<a class="icon-button back" href=${back} aria-label=${t("action.back")}>
      <${Icon} name="back" /></a>`}
    <h1 class="topbar-title">${title}</h1>
    ${children}
    <${SyncPill} />
  </header>`;
}

