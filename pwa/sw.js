/* Doorstep service worker: a thin router over a versioned precache of the app shell.
 *
 *   install   precache every shell file into "doorstep-shell-<BUILD>" (revalidated: 304s)
 *   activate  delete older "doorstep-shell-*" caches; claim open pages
 *   fetch     routes below; the API is never cached here (the app keeps its data in
 *             IndexedDB and its changes in the outbox)
 *   message   "skip-waiting": the page asks for the new version, after it made sure no
 *             unsynced work is open on screen; "claim": a page the activation missed
 *
 * The server writes BUILD (a digest of the shell) and SHELL (the files) into the two
 * lines below, so every change to the app is a new worker and nothing is listed by hand.
 */
const BUILD = "dev";
const SHELL = [];

const PREFIX = "doorstep-shell-";
const CACHE = PREFIX + BUILD;
let opened = null; // the cache, opened once per worker start (a cold start makes ~40 requests)
const shellCache = () => (opened ||= caches.open(CACHE));

// -- routes: first match wins ------------------------------------------------------------
const ROUTES = [
  [(url, req) => url.pathname.startsWith("/api/"), passThrough],
  [(url, req) => req.mode === "navigate" && /^\/app(\/|$)/.test(url.pathname), appShell],
  [(url) => url.pathname.startsWith("/app/"), cacheFirst],
];

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  for (const [matches, strategy] of ROUTES) {
    if (matches(url, request)) {
      const response = strategy(request, url);
      if (response) event.respondWith(response);
      return;
    }
  }
});

// -- strategies ---------------------------------------------------------------------------
function passThrough() {
  return null; // the browser fetches it as if there were no worker
}

/** Every page of the app is the same shell; the router in the page picks the screen. */
async function appShell(request) {
  const cache = await shellCache();
  const cached = await cache.match("/app/");
  if (cached) return cached;
  return fetch(request);
}

async function cacheFirst(request) {
  const cache = await shellCache();
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  return response;
}

// -- lifecycle ------------------------------------------------------------------------------
self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // "no-cache": revalidate with the server (cheap 304s for what the page just loaded).
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: "no-cache" })));
  })());
  // No skipWaiting here: a new version waits until the page says the technician agreed.
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "skip-waiting") self.skipWaiting();
  // A page the activation's claim missed asks for it (updates.js, claimMissedPage).
  if (data.type === "claim") event.waitUntil(self.clients.claim().catch(() => {}));
  if (data.type === "build" && event.ports[0]) event.ports[0].postMessage({ build: BUILD });
});
