/** Before and after photos: camera or gallery, each with its upload state and a retry. */
import { useState } from "preact/hooks";
import { fmtDateTime, t } from "../i18n.js";
import { addPhotos, retryUpload } from "../photos.js";
import { html, toast } from "../state.js";
import { syncSoon } from "../sync.js";
import { BlobImage, Icon } from "./components.js";

const KINDS = ["before", "after"];

export function PhotosTab({ job }) {
  const locked = ["signed", "closed", "cancelled"].includes(job.order.status);
  return html`${KINDS.map((kind) => html`<${PhotoGroup} key=${kind} kind=${kind} job=${job}
    locked=${locked} />`)}`;
}

function PhotoGroup({ kind, job, locked }) {
  const [busy, setBusy] = useState(0);
  const photos = job.photos.filter((photo) => photo.kind === kind);
  const onFiles = async (event) => {
    const files = [...event.currentTarget.files];
    event.currentTarget.value = "";
    if (!files.length) return;
    setBusy(files.length);
    const results = await addPhotos(job.order.id, kind, files);
    setBusy(0);
    const bad = results.filter((r) => !r.ok);
    if (bad.some((r) => r.error === "storage_full")) toast(t("storage.full"), { kind: "error" });
    else if (bad.length) toast(t("photos.notImage", { names: bad.map((r) => r.name).join(", ") }), { kind: "error" });
    if (results.some((r) => r.ok)) {
      toast(t("photos.saved", { n: results.filter((r) => r.ok).length }), { kind: "ok" });
    }
  };
  const headingId = `photos-${kind}`;
  return html`<section class="card" aria-labelledby=${headingId}>
    <h2 id=${headingId} class="card-title">${t(`photos.${kind}`)}
      <span class="count">${photos.length}</span></h2>
    ${!locked && html`<div class="photo-actions">
      <label class="button file-button">
        <${Icon} name="camera" size=${18} /> ${t("photos.camera")}
        <input type="file" accept="image/*" capture="environment" data-kind=${kind}
          data-source="camera" onChange=${onFiles} />
      </label>
      <label class="button file-button">
        <${Icon} name="image" size=${18} /> ${t("photos.gallery")}
        <input type="file" accept="image/*" multiple data-kind=${kind} data-source="gallery"
          onChange=${onFiles} />
      </label>
    </div>`}
    ${busy > 0 && html`<p class="muted" role="status">${t("photos.preparing", { n: busy })}</p>`}
    ${photos.length ? html`<ul class="photo-grid" data-testid=${`photos-${kind}`}>
      ${photos.map((photo, i) => html`<${PhotoTile} key=${photo.id} photo=${photo}
        upload=${job.blobs[photo.sha256]} label=${t(`photos.${kind}`) + " " + (i + 1)} />`)}
    </ul>` : html`<p class="muted">${t("photos.none")}</p>`}
  </section>`;
}

function uploadState(photo, upload) {
  if (photo.status === "failed") return "refused";
  if (!upload) return photo.status === "ready" ? "uploaded" : "elsewhere";
  return upload.state; // pending | uploading | uploaded | failed
}

function PhotoTile({ photo, upload, label }) {
  const state = uploadState(photo, upload);
  return html`<li class=${`photo-tile state-${state}`} data-state=${state}>
    <${BlobImage} sha256=${photo.sha256} alt=${label} className="photo-img" />
    <div class="photo-state">
      <span>${t(`upload.${state}`)}</span>
      ${state === "failed" && html`<button class="button small"
        onClick=${async () => { await retryUpload(photo.sha256); syncSoon(0); }}
        aria-label=${t("upload.retryOne", { label })}>${t("upload.retry")}</button>`}
    </div>
    ${(state === "failed" || state === "refused") && html`<p class="photo-error small">
      ${t(`uploadError.${(upload && upload.error) || photo.failure_reason || "other"}`, {},
        (upload && upload.error_message) || photo.failure_reason || "")}</p>`}
    <p class="visually-hidden">${fmtDateTime(photo.taken_at)}</p>
  </li>`;
}
