/**
 * Signing the phone in. The device id is made on the phone once and sent with every
 * sign-in, so signing in again (an expired token, a new password) keeps the same device
 * and its sync state. An expired or revoked token only pauses sync: the outbox stays, and
 * the technician keeps working until they sign in again.
 */
import { APP_VERSION, HttpError, request } from "./api.js";
import { db, getMeta, REPLICATED, setMeta } from "./db.js";
import { createStore } from "./state.js";

export const sessionStore = createStore({ session: undefined });

export async function getSession() {
  return getMeta("session", null);
}

export async function loadSession() {
  const session = await getSession();
  sessionStore.set({ session });
  return session;
}

export class SignInRefused extends Error {
  constructor(reason, detail = {}) {
    super(reason);
    this.name = "SignInRefused";
    this.reason = reason;
    this.detail = detail;
  }
}

function deviceName() {
  const ua = navigator.userAgent;
  const platform = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS"
    : (navigator.platform || "browser");
  return `Doorstep app (${platform})`.slice(0, 120);
}

/**
 * Sign in with e-mail and password. Throws SignInRefused (`bad_credentials`,
 * `account_disabled`, `too_many_attempts`, `other_user_pending`) or the request's NetworkError / HttpError.
 */
export async function signIn(email, password) {
  const previous = await getSession();
  const pending = await db.outbox.count();
  const previousEmail = previous && previous.user.email.toLowerCase();
  if (previous && previousEmail !== email.trim().toLowerCase() && pending) {
    throw new SignInRefused("other_user_pending", { email: previous.user.email, pending });
  }
  let deviceId = await getMeta("deviceId", null);
  if (!deviceId) deviceId = crypto.randomUUID();
  const body = (id) => ({ email: email.trim(), password, device_id: id,
    device_name: deviceName(), app_version: APP_VERSION });
  let data;
  let revokedId = null;
  try {
    ({ data } = await request("/api/v1/auth/token", { method: "POST", body: body(deviceId) }));
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) {
      throw new SignInRefused(error.reason === "account_disabled" ? "account_disabled"
        : "bad_credentials");
    }
    if (error instanceof HttpError && error.status === 429) {
      // Too many failed sign-ins for this account or from this network: wait, then retry.
      throw new SignInRefused("too_many_attempts");
    }
    if (!(error instanceof HttpError && error.status === 409)) throw error;
    // This device id was revoked (or is someone else's): become a new device. Before its
    // first push the outbox is taken over from the old id (outbox.js adoptOutbox): the
    // server says what became of every id it already processed, the rest is renumbered.
    if (error.reason === "device_revoked") revokedId = deviceId;
    deviceId = crypto.randomUUID();
    ({ data } = await request("/api/v1/auth/token", { method: "POST", body: body(deviceId) }));
  }
  const session = { token: data.token, deviceId: data.device_id, user: data.user,
    expiresAt: data.expires_at, problem: null, signedInAt: new Date().toISOString() };
  const otherUser = previous && previous.user.id !== data.user.id;
  const tables = [db.meta, ...Object.keys(REPLICATED).map((name) => db.table(name))];
  await db.transaction("rw", [...tables, db.notices, db.blobs, db.outbox], async () => {
    // The entries (and the counter) still carry the ids of the first revoked device not
    // yet taken over (a second revocation before the takeover keeps that one).
    if (revokedId && !(await getMeta("adoptFrom", null))) {
      await setMeta("adoptFrom", revokedId);
    }
    if (otherUser) {
      // Nothing of theirs is pending (checked above): start clean for this technician.
      for (const name of Object.keys(REPLICATED)) await db.table(name).clear();
      await db.notices.clear();
      await db.blobs.clear();
      await setMeta("cursor", 0);
      await setMeta("jobsUpto", 0); // their jobs page's rows are gone with them (§7d)
      await setMeta("leaving", []);
      await setMeta("lastSyncAt", null);
    }
    await setMeta("deviceId", data.device_id);
    await setMeta("session", session);
  });
  sessionStore.set({ session });
  requestPersistence();
  return session;
}

/** The server refused the token: keep everything, ask the technician to sign in again. */
export async function markAuthProblem(reason) {
  const session = await getSession();
  if (!session || session.problem === reason) return;
  const next = { ...session, problem: reason };
  await setMeta("session", next);
  sessionStore.set({ session: next });
}

/** Sign out: only with nothing left to send (checked by the caller and here). */
export async function signOut() {
  const pending = await db.outbox.count();
  const uploads = await db.blobs.where("state").anyOf("pending", "uploading", "failed").count();
  if (pending || uploads) throw new SignInRefused("pending_work", { pending, uploads });
  const tables = [db.meta, ...Object.keys(REPLICATED).map((name) => db.table(name))];
  await db.transaction("rw", [...tables, db.notices, db.blobs], async () => {
    for (const name of Object.keys(REPLICATED)) await db.table(name).clear();
    await db.notices.clear();
    await db.blobs.clear();
    await db.meta.bulkDelete(["session", "cursor", "jobsUpto", "leaving", "lastSyncAt"]);
  });
  sessionStore.set({ session: null });
}

/** Ask the browser not to evict our data under storage pressure. */
export async function requestPersistence() {
  try {
    if (navigator.storage && navigator.storage.persist) {
      const persisted = await navigator.storage.persisted() || await navigator.storage.persist();
      await setMeta("persisted", persisted);
      return persisted;
    }
  } catch (error) {
    console.warn("storage.persist failed", error);
  }
  return false;
}
