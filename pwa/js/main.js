/** Start-up: open the local data, pick the language, show the app, then sync. */
import { render } from "preact";
import { getMeta } from "./db.js";
import { setLocationEnabled } from "./geo.js";
import { initLanguage, t } from "./i18n.js";
import { loadSession, requestPersistence, sessionStore } from "./session.js";
import { html, toast } from "./state.js";
import { startSync } from "./sync.js";
import { checkForUpdate, registerWorker, updates } from "./updates.js";
import { jobsList } from "./model.js";
import { setStartupJobs } from "./views/jobs.js";
import { App, prefetchScreens } from "./views/shell.js";

async function boot() {
  performance.mark("app:boot");
  const [session, settings, jobs] = await Promise.all([loadSession(),
    getMeta("settings", { location: true }), jobsList()]);
  setStartupJobs(jobs);
  await initLanguage(session);
  setLocationEnabled(settings.location !== false);
  const root = document.getElementById("app");
  root.textContent = "";
  render(html`<${App} />`, root);
  // The first screen comes first; the worker, sync and the other screens right after.
  const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 200));
  idle(() => {
    registerWorker();
    if (session) requestPersistence();
    // Sync once signed in (now, or later: first sign-in, or again after a token problem).
    const maybeSync = ({ session: current }) => {
      if (current && !current.problem) startSync();
    };
    maybeSync({ session });
    sessionStore.subscribe(maybeSync);
    prefetchScreens();
  }, { timeout: 1000 });
  window.addEventListener("online", checkForUpdate);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") checkForUpdate();
  });
  window.addEventListener("doorstep:db-replaced", () => toast(t("app.dbReplaced"), { kind: "error" }));
  window.addEventListener("unhandledrejection", (event) => {
    const error = event.reason;
    if (error && (error.name === "QuotaExceededError" || error.name === "StorageFull"
      || (error.inner && error.inner.name === "QuotaExceededError"))) {
      updates.set({ storageFull: true });
    }
  });
}

boot().catch((error) => {
  console.error(error);
  document.getElementById("app").innerHTML = `<p class="boot" role="alert">${
    String(error.message || error).replace(/[<&]/g, "")}</p>`;
});
