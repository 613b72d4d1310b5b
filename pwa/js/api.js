/**
 * HTTP to the Doorstep server. The token is attached at send time (never baked into
 * queued requests), and every failure becomes one of three errors the callers act on:
 *
 *   AuthProblem   401: the token expired or the device was revoked — pause, ask to sign in
 *   HttpError     the server answered with an error; `retryable` for 5xx / 408 / 429
 *   NetworkError  no answer at all (offline, timeout, connection reset) — retry later
 */

export const PROTOCOL = 3; // 3: a first sync asks for its jobs first (§7d)
export const APP_VERSION = "pwa-1.0.0";

export class AuthProblem extends Error {
  constructor(reason, message) {
    super(message || reason);
    this.name = "AuthProblem";
    this.reason = reason;
  }
}

export class HttpError extends Error {
  constructor(status, body) {
    super((body && (body.description || body.message)) || `HTTP ${status}`);
    this.name = "HttpError";
    this.status = status;
    this.body = body || {};
    this.reason = this.body.reason || null;
    this.retryable = status >= 500 || status === 408 || status === 429;
  }
}

export class NetworkError extends Error {
  constructor(message) {
    super(message);
    this.name = "NetworkError";
    this.retryable = true;
  }
}

/**
 * fetch() with a timeout. `body` is sent as JSON unless `raw` (a Blob) is given.
 * Returns the parsed JSON body. Throws AuthProblem, HttpError or NetworkError.
 */
export async function request(path, { method = "GET", token, body, raw, contentType,
  timeout = 30000 } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (raw !== undefined) {
    payload = raw;
    headers["Content-Type"] = contentType || raw.type || "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, signal: controller.signal,
      cache: "no-store", credentials: "omit" });
  } catch (error) {
    throw new NetworkError(error && error.name === "AbortError" ? "timeout" : String(error));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.status === 401 && token) {
    throw new AuthProblem((data && data.reason) || "token_unknown", data && data.description);
  }
  if (!response.ok) throw new HttpError(response.status, data);
  return { status: response.status, data };
}
