/**
 * Small shared state for the views: stores with subscribe, hooks over them and over
 * Dexie's liveQuery, the hash router, and toasts.
 */
import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import htm from "htm";
import { liveQuery } from "dexie";

export const html = htm.bind(h);

export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...(typeof patch === "function" ? patch(state) : patch) };
      for (const listener of listeners) listener(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStore(store) {
  const [state, setState] = useState(store.get());
  useEffect(() => store.subscribe(setState), [store]);
  return state;
}

/**
 * The result of an IndexedDB query, kept current as the tables it read change.
 * `initial` (say, a result read at start-up) until the first result, else `undefined`.
 */
export function useLive(query, deps = [], initial = undefined) {
  const [value, setValue] = useState(initial);
  useEffect(() => {
    // The first result usually equals a start-up `initial`: skip that re-render.
    let same = initial !== undefined ? JSON.stringify(initial) : null;
    const subscription = liveQuery(query).subscribe({
      next: (next) => {
        if (same !== null && JSON.stringify(next) === same) {
          same = null;
          return;
        }
        same = null;
        setValue(next);
      },
      error: (error) => console.error("live query failed", error),
    });
    return () => subscription.unsubscribe();
  }, deps);
  return value;
}

// -- routing: #/jobs, #/job/<id>/<tab>, #/knowledge[/<id>], #/sync, #/settings --------------
export function parseRoute(hash = location.hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || "jobs", params: parts.slice(1) };
}

export const route = createStore(parseRoute());
window.addEventListener("hashchange", () => route.set(parseRoute()));

export function navigate(path, { replace = false } = {}) {
  const target = `#/${path}`;
  if (replace) history.replaceState(null, "", target);
  else if (location.hash !== target) history.pushState(null, "", target);
  route.set(parseRoute(target));
}

// -- toasts -------------------------------------------------------------------------------
export const toasts = createStore({ items: [] });
let toastId = 0;

/**
 * Show a short message; `kind` is info | ok | error. One message at a time: a new one
 * replaces the last (errors stay until dismissed, at most two of them).
 */
export function toast(text, { kind = "info", timeout = kind === "error" ? 0 : 3500 } = {}) {
  const id = (toastId += 1);
  toasts.set((s) => ({ items: [...s.items.filter((item) => item.kind === "error").slice(-1),
    { id, text, kind }] }));
  if (timeout) setTimeout(() => dismissToast(id), timeout);
  return id;
}

export function dismissToast(id) {
  toasts.set((s) => ({ items: s.items.filter((item) => item.id !== id) }));
}
