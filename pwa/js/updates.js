/**
 * The service worker from the page's side: register it, say "ready to work offline" after
 * the first install, and offer "update available" when a new version is waiting.
 *
 * An update is applied only when the technician taps it, and never over unsynced work:
 * open forms save first (or hold the update while they cannot, like a half-drawn
 * signature), the outbox gets one chance to sync, and whatever is still pending stays in
 * IndexedDB, which the new version opens as it is (db.js never drops the outbox).
 */
import { createStore, toast } from "./state.js";
import { t } from "./i18n.js";
import { syncNow } from "./sync.js";

export const updates = createStore({ waiting: null, applying: false, storageFull: false,
  build: null });

// Forms with input not yet saved register here; an update waits until they are done.
const holds = new Map();
export function holdUpdates(key, reason) {
  if (reason) holds.set(key, reason);
  else holds.delete(key);
}

let registration = null;
let reloading = false;

export async function registerWorker() {
  if (!("serviceWorker" in navigator)) return null;
  const firstInstall = !navigator.serviceWorker.controller;
  try {
    registration = await navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
  } catch (error) {
    console.warn("service worker registration failed", error);
    return null;
  }
  const offer = (worker) => {
    if (navigator.serviceWorker.controller) updates.set({ waiting: worker });
  };
  if (registration.waiting) offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      if (worker.state !== "installed") return;
      if (navigator.serviceWorker.controller) offer(worker);
      else if (firstInstall) toast(t("offline.ready"), { kind: "ok" });
    });
  });
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) location.reload();
    else askBuild();  // claimed (first install, claimMissedPage): its build for Settings
  });
  askBuild();
  claimMissedPage();
  setInterval(checkForUpdate, 30 * 60 * 1000);
  return registration;
}

/**
 * A page no worker controls once one is active asks it to take over. Activation claims the
 * open pages, but not one still loading at that moment (a second navigation while the first
 * install finished), nor one opened with a hard reload; such a page has no offline shell
 * behind its fetches, and nothing else would claim it before the app's next start.
 */
function claimMissedPage() {
  navigator.serviceWorker.ready.then((ready) => {
    if (!navigator.serviceWorker.controller && ready.active) {
      ready.active.postMessage({ type: "claim" });
    }
  });
}

/** Ask the server whether a new version exists (also done by the browser on navigation). */
export function checkForUpdate() {
  if (registration && navigator.onLine) registration.update().catch(() => {});
}

function askBuild() {
  const controller = navigator.serviceWorker.controller;
  if (!controller) return;
  const channel = new MessageChannel();
  channel.port1.onmessage = (event) => updates.set({ build: event.data.build });
  controller.postMessage({ type: "build" }, [channel.port2]);
}

export async function applyUpdate() {
  const { waiting } = updates.get();
  if (!waiting) return;
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  await new Promise((resolve) => setTimeout(resolve, 50)); // let blur handlers save
  if (holds.size) {
    toast(t("update.held", { what: [...holds.values()][0] }), { kind: "error" });
    return;
  }
  updates.set({ applying: true });
  if (navigator.onLine) {
    await Promise.race([syncNow("update"), new Promise((r) => setTimeout(r, 8000))]);
  }
  reloading = true;
  waiting.postMessage({ type: "skip-waiting" });
}
