/**
 * The QR code of the customer's page, shown right after signing so the customer can scan it.
 * Made on the phone from the link the pull carried (order.customer_url): no network needed.
 * The QR library is loaded on first use; the service worker precaches it with the shell.
 */
import { useEffect, useState } from "preact/hooks";
import { tIn } from "../i18n.js";
import { html } from "../state.js";

/** The QR code's dark modules as one SVG path ("M x y h1 v1 h-1 z" per module). */
export function qrPath(qr) {
  const size = qr.getModuleCount();
  let path = "";
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      if (qr.isDark(row, col)) path += `M${col} ${row}h1v1h-1z`;
    }
  }
  return { size, path };
}

export function CustomerQr({ url, lang }) {
  const [code, setCode] = useState(null);
  useEffect(() => {
    let live = true;
    import("qrcode-generator").then(({ default: qrcode }) => {
      const qr = qrcode(0, "M");
      qr.addData(url);
      qr.make();
      if (live) setCode(qrPath(qr));
    });
    return () => { live = false; };
  }, [url]);
  const tr = (key) => tIn(lang, key);
  const margin = 4;
  return html`<section class="card customer-qr" data-testid="customer-qr"
    lang=${lang === "zh" ? "zh-Hans" : "en"} aria-labelledby="qr-title">
    <h2 id="qr-title" class="card-title">${tr("sign.qrTitle")}</h2>
    <p>${tr("sign.qrText")}</p>
    ${code && html`<svg class="qr" role="img" aria-label=${tr("sign.qrTitle")} data-url=${url}
      viewBox=${`${-margin} ${-margin} ${code.size + 2 * margin} ${code.size + 2 * margin}`}
      width="240" height="240" shape-rendering="crispEdges">
      <rect x=${-margin} y=${-margin} width=${code.size + 2 * margin}
        height=${code.size + 2 * margin} fill="#fff" />
      <path d=${code.path} fill="#000" /></svg>`}
  </section>`;
}
