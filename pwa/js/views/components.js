/** Small pieces the screens share: icons, badges, dialogs, empty states. */
import { useEffect, useRef, useState } from "preact/hooks";
import { blobUrl } from "../photos.js";
import { html } from "../state.js";
import { t } from "../i18n.js";

const PATHS = {
  jobs: "M4 6h16M4 12h16M4 18h10",
  book: "M5 4h10a3 3 0 0 1 3 3v13H8a3 3 0 0 1-3-3zM5 17a3 3 0 0 1 3-3h10",
  sync: "M20 12a8 8 0 0 1-14 5.3M4 12a8 8 0 0 1 14-5.3M18 3v4h-4M6 21v-4h4",
  gear: "M12 15.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM19.4 13a7.6 7.6 0 0 0 0-2l2-1.6-2-3.4-2.4 1a7.6 7.6 0 0 0-1.7-1L15 3.5h-4L10.7 6a7.6 7.6 0 0 0-1.7 1l-2.4-1-2 3.4 2 1.6a7.6 7.6 0 0 0 0 2l-2 1.6 2 3.4 2.4-1a7.6 7.6 0 0 0 1.7 1l.3 2.5h4l.3-2.5a7.6 7.6 0 0 0 1.7-1l2.4 1 2-3.4z",
  back: "M15 5l-7 7 7 7",
  phone: "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2",
  pin: "M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21zM12 12a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z",
  camera: "M4 8h3l2-3h6l2 3h3v11H4zM12 17a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
  image: "M4 5h16v14H4zM4 15l4-4 5 5 3-3 4 4M15 9.5a1.5 1.5 0 1 0 0-.01",
  check: "M5 12.5l4.5 4.5L19 7.5",
  alert: "M12 4l9 16H3zM12 10v4M12 17v.5",
  cloudOff: "M3 3l18 18M8 8.5A5 5 0 0 0 6.5 18H17M19.5 16.5A4 4 0 0 0 16 10h-.5A6 6 0 0 0 10 6.2",
  plus: "M12 5v14M5 12h14",
  minus: "M5 12h14",
  star: "M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8-5.2-2.7-5.2 2.7 1-5.8L3.5 9.7l5.9-.9z",
  search: "M10.5 17a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13zM15.5 15.5L20 20",
  clock: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 7v5l3 2",
  upload: "M12 16V5M7 10l5-5 5 5M5 19h14",
  refresh: "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7",
};

export function Icon({ name, size = 22, label = null }) {
  return html`<svg class="icon" width=${size} height=${size} viewBox="0 0 24 24"
    fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"
    stroke-linejoin="round" aria-hidden=${label ? null : "true"} role=${label ? "img" : null}
    aria-label=${label}><path d=${PATHS[name]} /></svg>`;
}

export function StatusChip({ status }) {
  return html`<span class="chip status-${status}">${t(`status.${status}`)}</span>`;
}

export function SlaBadge({ state }) {
  if (!state) return null;
  return html`<span class=${`sla sla-${state}`}><span class="dot" aria-hidden="true"></span>
    ${t(`sla.${state}`)}</span>`;
}

export function WarrantyBadge({ status }) {
  return html`<span class=${`chip warranty-${status}`}>${t(`warranty.${status || "unknown"}`)}</span>`;
}

export function Empty({ icon = "check", title, children }) {
  return html`<div class="empty"><${Icon} name=${icon} size=${36} />
    <p class="empty-title">${title}</p>${children}</div>`;
}

/** A modal dialog (native <dialog>, so focus and Escape behave). */
export function Dialog({ open, title, onClose, children, labelledBy = "dialog-title" }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return html`<dialog ref=${ref} class="dialog" aria-labelledby=${labelledBy}
    onClose=${onClose} onCancel=${onClose}>
    ${open && html`<h2 id=${labelledBy} class="dialog-title">${title}</h2>${children}`}
  </dialog>`;
}

/** A stored photo's thumbnail (object URL made and revoked here). */
export function BlobImage({ sha256, alt, full = false, className = "" }) {
  const [url, setUrl] = useState(null);
  useEffect(() => {
    let made = null;
    let live = true;
    blobUrl(sha256, { full }).then((found) => {
      made = found;
      if (live) setUrl(found);
      else if (found) URL.revokeObjectURL(found);
    });
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [sha256, full]);
  if (!url) {
    return html`<div class=${`photo-missing ${className}`} role="img" aria-label=${alt}>
      <${Icon} name="image" size=${28} /></div>`;
  }
  return html`<img class=${className} src=${url} alt=${alt} decoding="async" />`;
}

/** A labelled stepper for whole numbers. */
export function Stepper({ id, label, value, min = 1, max = 999, onChange }) {
  const set = (next) => onChange(Math.max(min, Math.min(max, next)));
  return html`<div class="stepper">
    <label for=${id}>${label}</label>
    <div class="stepper-row">
      <button type="button" class="icon-button" onClick=${() => set(value - 1)}
        disabled=${value <= min} aria-label=${t("action.less")}><${Icon} name="minus" /></button>
      <input id=${id} type="number" inputmode="numeric" min=${min} max=${max} value=${value}
        onInput=${(e) => set(parseInt(e.currentTarget.value || `${min}`, 10) || min)} />
      <button type="button" class="icon-button" onClick=${() => set(value + 1)}
        disabled=${value >= max} aria-label=${t("action.more")}><${Icon} name="plus" /></button>
    </div>
  </div>`;
}
