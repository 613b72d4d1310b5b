/**
 * Photos and the signature image: made ready on the phone (resized to a long side of at
 * most 2048 px, re-encoded as JPEG — which also drops EXIF and its GPS — and hashed with
 * SHA-256), stored in IndexedDB at once, then uploaded in the background with an
 * idempotent PUT of their hash.
 *
 * Upload state per blob: pending → uploading → uploaded, or failed (the server refused
 * the bytes; the technician can retry). Network errors and 5xx keep it pending and back
 * off. A blob "uploading" when the app was closed goes back to pending at start-up.
 */
import { AuthProblem, HttpError, request } from "./api.js";
import { db } from "./db.js";
import { enqueue, StorageFull } from "./outbox.js";
import { sha256Hex } from "./signed-content.js";

export const MAX_SIDE = 2048;
const THUMB_SIDE = 320;
const QUALITY = 0.85;

function canvas(width, height) {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const element = document.createElement("canvas");
  element.width = width;
  element.height = height;
  return element;
}

function encode(target, type, quality) {
  if (target.convertToBlob) return target.convertToBlob({ type, quality });
  return new Promise((resolve, reject) => target.toBlob(
    (blob) => (blob ? resolve(blob) : reject(new Error("encode failed"))), type, quality));
}

function draw(bitmap, longSide) {
  const scale = Math.min(1, longSide / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const target = canvas(width, height);
  const context = target.getContext("2d");
  context.imageSmoothingQuality = "high";
  context.drawImage(bitmap, 0, 0, width, height);
  return target;
}

/**
 * Decode `file` (EXIF orientation applied), resize, re-encode and hash it.
 * Returns {blob, thumb, width, height, sha256}. Throws if the file is not an image.
 */
export async function prepareImage(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const full = draw(bitmap, MAX_SIDE);
    const blob = await encode(full, "image/jpeg", QUALITY);
    const thumb = await encode(draw(bitmap, THUMB_SIDE), "image/jpeg", 0.7);
    return { blob, thumb, width: full.width, height: full.height,
      sha256: await sha256Hex(await blob.arrayBuffer()) };
  } finally {
    bitmap.close();
  }
}

/**
 * Add photos of `kind` (before | after | other) to an order: each is prepared, stored and
 * queued (attach_photo) in one transaction, one file at a time. Returns one result per
 * file, {name, ok, error} — a bad file does not stop the others.
 */
export async function addPhotos(orderId, kind, files) {
  const results = [];
  for (const file of files) {
    performance.mark("photo:start");
    try {
      const image = await prepareImage(file);
      const takenAt = new Date(file.lastModified && file.lastModified < Date.now() + 60000
        ? file.lastModified : Date.now()).toISOString();
      await storeAndQueue(image, orderId, "photo", [{ name: "attach_photo", args: {
        order_id: orderId, photo_id: crypto.randomUUID(), kind, sha256: image.sha256,
        taken_at: takenAt } }]);
      performance.mark("photo:queued");
      performance.measure("photo:capture-to-queued", "photo:start", "photo:queued");
      results.push({ name: file.name, ok: true, sha256: image.sha256 });
    } catch (error) {
      results.push({ name: file.name, ok: false,
        error: error instanceof StorageFull ? "storage_full" : "not_an_image" });
      if (error instanceof StorageFull) break;
    }
  }
  return results;
}

/** Store the bytes (if new) and queue `mutations`, atomically. */
export function storeAndQueue(image, orderId, role, mutations) {
  return enqueue(mutations, {
    extraTables: [db.blobs],
    extra: async () => {
      const existing = await db.blobs.get(image.sha256);
      if (existing) {
        // The server grants bytes to the orders that referenced them when they were
        // uploaded: bytes referenced again (another photo, another order) go up again.
        if (existing.state === "uploaded") {
          await db.blobs.update(image.sha256, { state: "pending", attempts: 0, next_at: 0,
            error: null });
        }
        return;
      }
      await db.blobs.put({ sha256: image.sha256, blob: image.blob, thumb: image.thumb || null,
        type: image.blob.type, size: image.blob.size, width: image.width || null,
        height: image.height || null, role, order_id: orderId, state: "pending",
        attempts: 0, next_at: 0, error: null, created_at: new Date().toISOString() });
    },
  });
}

/** Blobs left "uploading" by a closed app go back to pending. */
export async function recoverUploads() {
  await db.blobs.where("state").equals("uploading").modify({ state: "pending", next_at: 0 });
}

export async function retryUpload(sha256) {
  await db.blobs.update(sha256, { state: "pending", next_at: 0, attempts: 0, error: null });
}

/** Retry all failed uploads now (the sync screen's button). */
export async function retryFailed() {
  await db.blobs.where("state").equals("failed")
    .modify({ state: "pending", next_at: 0, attempts: 0, error: null });
}

const BACKOFF = [5, 15, 30, 60, 120, 300];

/**
 * Upload every pending blob whose time has come, one at a time: signature images first,
 * then photos, oldest first.
 * Returns {uploaded, failed}. Throws AuthProblem, or the network error that stopped it.
 */
export async function uploadPending(token) {
  const summary = { uploaded: 0, failed: 0 };
  for (;;) {
    const now = Date.now();
    // Signatures first (small, and the report needs them), then photos oldest first.
    const next = (await db.blobs.where("state").equals("pending").sortBy("created_at"))
      .filter((row) => (row.next_at || 0) <= now)
      .sort((a, b) => (a.role === "signature" ? 0 : 1) - (b.role === "signature" ? 0 : 1))[0];
    if (!next) return summary;
    await db.blobs.update(next.sha256, { state: "uploading" });
    try {
      await request(`/api/v1/blobs/${next.sha256}`, { method: "PUT", token, raw: next.blob,
        contentType: next.type, timeout: 120000 });
      await db.blobs.update(next.sha256, { state: "uploaded", error: null,
        uploaded_at: new Date().toISOString() });
      summary.uploaded += 1;
    } catch (error) {
      if (error instanceof HttpError && !error.retryable) {
        await db.blobs.update(next.sha256, { state: "failed",
          error: error.reason || `http_${error.status}`, error_message: error.message });
        summary.failed += 1;
        continue;
      }
      const attempts = (next.attempts || 0) + 1;
      const wait = BACKOFF[Math.min(attempts - 1, BACKOFF.length - 1)] * 1000;
      await db.blobs.update(next.sha256, { state: "pending", attempts,
        next_at: error instanceof AuthProblem ? 0 : Date.now() + wait,
        error: error instanceof AuthProblem ? null : "network" });
      throw error;
    }
  }
}

/** Object URL for a stored blob's thumbnail (or full image); caller revokes it. */
export async function blobUrl(sha256, { full = false } = {}) {
  const row = await db.blobs.get(sha256);
  if (!row) return null;
  const data = full ? row.blob : (row.thumb || row.blob);
  return data ? URL.createObjectURL(data) : null;
}
