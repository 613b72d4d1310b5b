/**
 * Where the phone is, when it allows: used to stamp status steps and the signature, and to
 * show distances. Never blocks a step for long and never asks twice after a refusal.
 */
import { createStore } from "./state.js";

export const position = createStore({ coords: null, at: 0, denied: false });

let enabled = true;
export function setLocationEnabled(value) {
  enabled = value;
}

async function permission() {
  try {
    const status = await navigator.permissions.query({ name: "geolocation" });
    return status.state; // granted | prompt | denied
  } catch {
    return "prompt";
  }
}

/**
 * The current position as {latitude, longitude}, or null (switched off, refused,
 * unavailable or slower than `timeout` ms). `ask` false: only if already allowed.
 */
export async function currentPosition({ timeout = 3000, ask = true } = {}) {
  if (!enabled || !navigator.geolocation) return null;
  const state = await permission();
  if (state === "denied" || (state === "prompt" && !ask)) {
    if (state === "denied") position.set({ denied: true });
    return null;
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(position.get().coords), timeout);
    navigator.geolocation.getCurrentPosition((found) => {
      clearTimeout(timer);
      const coords = { latitude: round(found.coords.latitude),
        longitude: round(found.coords.longitude) };
      position.set({ coords, at: Date.now(), denied: false });
      resolve(coords);
    }, () => {
      clearTimeout(timer);
      resolve(null);
    }, { enableHighAccuracy: false, maximumAge: 120000, timeout });
  });
}

const round = (value) => Math.round(value * 1e6) / 1e6;
