/**
 * The customer's step: the report they are asked to sign (rendered from the very content
 * object that is hashed — sign what you see), their signature, name, rating and comment.
 */
import { useRef, useState } from "preact/hooks";
import { sign, signedHere } from "../actions.js";
import { fmtDateTime, fmtMoney, t, tIn, tOr } from "../i18n.js";
import { StorageFull } from "../outbox.js";
import { signedContent } from "../signed-content.js";
import { signedChecklist } from "../checklist.js";
import { html, toast, useLive } from "../state.js";
import { holdUpdates } from "../updates.js";
import { BlobImage, Empty, Icon } from "./components.js";
import { CustomerQr } from "./customer-qr.js";
import { useSignaturePad } from "./signature-pad.js";

/** The customer's language (set at intake), whatever the app's language is. */
function customerLanguage(job, content) {
  const code = job.customer && job.customer.language;
  return code === "zh" || code === "en" ? code : (content && content.language) || "en";
}

export function SignTab({ job }) {
  const { order } = job;
  const signedInfo = useLive(() => signedHere(order.id), [order.id]);
  if (job.signatures.length) {
    return html`<${Signed} job=${job} info=${signedInfo} />`;
  }
  if (order.status !== "completed") {
    return html`<${Empty} icon="clock" title=${t("sign.notYet")}>
      <p class="muted">${t("sign.notYetHint")}</p><//>`;
  }
  const content = signedContent({ order, customer: job.customer || { name: "" },
    address: job.address, asset: job.asset, lines: job.part_usages, parts: job.parts,
    photos: job.photos, checklist: signedChecklist(job.checklist_answers),
    quote: job.quotes[0] || null });
  const failedPhotos = job.photos.filter((p) => (job.blobs[p.sha256] || {}).state === "failed");
  return html`
    <${ReportPreview} content=${content} templates=${job.checklists} />
    ${failedPhotos.length > 0 && html`<p class="banner banner-bad inline">${t("sign.photosFailed")}</p>`}
    <${SignForm} job=${job} content=${content} />`;
}

/** The report as the customer reads it, in the report's language (the order's). */
export function ReportPreview({ content, templates = [] }) {
  const lang = content.language;
  const tr = (key, params) => tIn(lang, key, params);
  const money = (cents) => fmtMoney(cents, content.charges.currency, lang);
  const before = content.photos.filter((p) => p.kind === "before");
  const after = content.photos.filter((p) => p.kind === "after");
  return html`<article class="report card" lang=${lang === "zh" ? "zh-Hans" : "en"}
    aria-labelledby="report-title" data-testid="report-preview">
    <h2 id="report-title" class="report-title">${tr("report.title")}</h2>
    <p class="muted">${content.order.number}</p>
    ${content.rework_of && html`<p class="tag tag-warn" data-testid="rework-of">${tr("report.reworkOf", { number: content.rework_of })}</p>`}
    <dl class="report-facts">
      <div><dt>${tr("report.customer")}</dt><dd>${content.customer.name}<br />${content.customer.address}</dd></div>
      ${content.asset && html`<div><dt>${tr("report.asset")}</dt>
        <dd>${content.asset.brand} ${content.asset.model} · ${content.asset.serial}<br />
        ${tr(`warranty.${content.asset.warranty_status || "unknown"}`)}</dd></div>`}
      <div><dt>${tr("report.fault")}</dt><dd>${content.fault || "—"}</dd></div>
      <div><dt>${tr("field.diagnosis")}</dt><dd>${content.diagnosis || "—"}</dd></div>
      <div><dt>${tr("field.resolution")}</dt><dd>${content.resolution || "—"}</dd></div>
      <div><dt>${tr("field.root_cause")}</dt>
        <dd>${content.root_cause ? tr(`rootCause.${content.root_cause}`) : "—"}</dd></div>
    </dl>
    <h3>${tr("report.parts")}</h3>
    ${content.parts.length ? html`<table class="report-parts">
      <thead><tr><th scope="col">${tr("report.part")}</th><th scope="col" class="num">${tr("report.qty")}</th>
        <th scope="col" class="num">${tr("report.amount")}</th></tr></thead>
      <tbody>${content.parts.map((p) => html`<tr key=${p.sku}>
        <td>${p.name}<div class="muted small">${p.sku} · ${money(p.unit_price_cents)}</div></td>
        <td class="num">${p.quantity}</td><td class="num">${money(p.total_cents)}</td></tr>`)}
      </tbody></table>` : html`<p class="muted">${tr("report.noParts")}</p>`}
    ${content.checklist && html`<h3>${tr("report.checklist")}</h3>
      <dl class="report-facts" data-testid="report-checklist">${content.checklist.map((entry) => {
        const template = templates.find((tpl) => tpl.id === entry.template);
        const item = template && template.items.find((i) => i.key === entry.key);
        const value = item && item.kind === "tick" ? tr(`checklist.${entry.value}`)
          : item && item.kind === "photo" ? "✓" : `${entry.value}${item && item.unit ? ` ${item.unit}` : ""}`;
        return html`<div key=${entry.template + entry.key}>
          <dt>${item ? (lang === "zh" ? item.label_zh : item.label_en) : entry.key}</dt><dd>${value}</dd></div>`;
      })}</dl>`}
    <h3>${tr("charges.title")}</h3>
    ${content.charges.in_warranty && html`<p>${tr("charges.inWarranty")}</p>`}
    <dl class="charges">
      <div><dt>${tr("charges.parts")}</dt><dd>${money(content.charges.parts_cents)}</dd></div>
      <div><dt>${tr("charges.labour")}</dt><dd>${money(content.charges.labour_cents)}</dd></div>
      <div><dt>${tr("charges.travel")}</dt><dd>${money(content.charges.travel_cents)}</dd></div>
      ${content.charges.discount_cents > 0 && html`<div data-testid="discount"><dt>${content.charges.discount_reason ? tr("charges.discountFor", { reason: tr(`discountReason.${content.charges.discount_reason}`) }) : tr("charges.discount")}</dt><dd>−${money(content.charges.discount_cents)}</dd></div>`}
      <div class="total"><dt>${tr("charges.total")}</dt><dd>${money(content.charges.total_cents)}</dd></div>
    </dl>
    ${[["before", before], ["after", after]].map(([kind, list]) => html`<div key=${kind}>
      <h3>${tr(`photos.${kind}`)}</h3>
      ${list.length ? html`<ul class="photo-grid small">${list.map((p, i) => html`<li key=${p.sha256 + i}>
        <${BlobImage} sha256=${p.sha256} alt=${`${tr(`photos.${kind}`)} ${i + 1}`} className="photo-img" /></li>`)}</ul>`
        : html`<p class="muted">${tr("photos.none")}</p>`}</div>`)}
  </article>`;
}

function SignForm({ job, content }) {
  const { order } = job;
  // What the customer reads and writes here is in their language; the signed content
  // (the report above) does not change with it.
  const lang = customerLanguage(job, content);
  const tr = (key, params) => tIn(lang, key, params);
  const canvas = useRef(null);
  const [name, setName] = useState(job.customer ? job.customer.name : "");
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const { drawn, clear, png } = useSignaturePad(canvas, `signature:${order.id}`);
  const submit = async (event) => {
    event.preventDefault();
    if (!drawn || !name.trim()) return;
    setBusy(true);
    try {
      const image = await png();
      await sign(order, { content, image, signerName: name.trim(), rating: rating || null,
        comment: comment.trim() || null });
      holdUpdates(`signature:${order.id}`, null);
      window.scrollTo(0, 0);
      toast(tr("sign.done"), { kind: "ok" });
    } catch (error) {
      toast(error instanceof StorageFull ? t("storage.full") : String(error), { kind: "error" });
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card form sign-form" onSubmit=${submit} aria-labelledby="sign-title"
    lang=${lang === "zh" ? "zh-Hans" : "en"} data-testid="sign-form">
    <h2 id="sign-title" class="card-title">${tr("sign.title")}</h2>
    <p class="muted">${tr("sign.explain")}</p>
    <div class="field">
      <span class="label" id="pad-label">${tr("sign.signature")}</span>
      <div class="pad-wrap">
        <canvas ref=${canvas} class="signature-pad" data-testid="signature-pad" role="img"
          aria-labelledby="pad-label" aria-describedby="pad-hint"></canvas>
        <p id="pad-hint" class="pad-hint" aria-hidden=${drawn ? "true" : null}>
          ${drawn ? "" : tr("sign.padHint")}</p>
      </div>
      <button type="button" class="link-button" onClick=${clear} disabled=${!drawn}>${tr("sign.clear")}</button>
    </div>
    <div class="field">
      <label for="signer-name">${tr("sign.name")}</label>
      <input id="signer-name" type="text" autocomplete="name" required maxlength="120"
        value=${name} onInput=${(e) => setName(e.currentTarget.value)} />
    </div>
    <fieldset class="field rating">
      <legend>${tr("sign.rating")}</legend>
      <div class="stars">
        ${[1, 2, 3, 4, 5].map((n) => html`<label key=${n} class=${`star ${n <= rating ? "on" : ""}`}>
          <input type="radio" name="rating" value=${n} checked=${rating === n}
            onChange=${() => setRating(n)} />
          <${Icon} name="star" size=${32} />
          <span class="visually-hidden">${tr("sign.stars", { n })}</span></label>`)}
      </div>
    </fieldset>
    <div class="field">
      <label for="survey-comment">${tr("sign.comment")}</label>
      <textarea id="survey-comment" rows="2" maxlength="2000" value=${comment}
        onInput=${(e) => setComment(e.currentTarget.value)}></textarea>
    </div>
    <button type="submit" class="button primary wide" disabled=${busy || !drawn || !name.trim()}>
      ${tr("sign.submit")}</button>
  </form>`;
}

function Signed({ job, info }) {
  const signature = job.signatures[0];
  const report = job.reports.find((r) => r.content_hash === signature.content_hash)
    || job.reports[0];
  const survey = job.surveys[0];
  const lang = customerLanguage(job, info && info.content);
  return html`${job.order.customer_url
    ? html`<${CustomerQr} url=${job.order.customer_url} lang=${lang} />`
    : html`<p class="muted card">${t("sign.qrNone")}</p>`}
  <section class="card signed" data-testid="signed">
    <h2 class="card-title"><${Icon} name="check" /> ${t("sign.signedTitle")}</h2>
    <p>${t("sign.signedBy", { name: signature.signer_name,
      time: fmtDateTime(signature.signed_at_device) })}</p>
    ${survey && html`<p>${t("sign.rated", { n: survey.rating })}${survey.comment ? ` — “${survey.comment}”` : ""}</p>`}
    <div class="signature-image"><${BlobImage} sha256=${signature.image_sha256}
      alt=${t("sign.signatureOf", { name: signature.signer_name })} full=${true} /></div>
    <p class="muted small">${t("sign.hash")} <code class="hash">${signature.content_hash}</code></p>
    ${signature._pending ? html`<p class="pending-text">${t("sign.notSynced")}</p>`
      : report && html`<p class=${`report-status report-${report.status}`} data-testid="report-status">
        ${t("sign.report")}: ${tOr(`reportStatus.${report.status}`, report.status)}</p>`}
  </section>
  ${info && info.content && html`<${ReportPreview} content=${info.content} templates=${job.checklists} />`}`;
}
