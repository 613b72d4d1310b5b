/**
 * The customer's signature pad, shared by the report's sign-off and the quote's decision:
 * drawn at the screen's pixel ratio (kept across a resize), and while something is drawn
 * the app holds back updates that would reload the page under the customer's pen.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import SignaturePad from "signature_pad";
import { t } from "../i18n.js";
import { holdUpdates } from "../updates.js";

/**
 * `canvas`: a ref to the <canvas>; `hold`: the key the update hold goes by (one per screen
 * and order). Returns whether something is drawn, `clear()`, and `png()` (a Blob).
 */
export function useSignaturePad(canvas, hold) {
  const pad = useRef(null);
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    const element = canvas.current;
    const signature = new SignaturePad(element, { backgroundColor: "rgb(255,255,255)",
      penColor: "#111827", minWidth: 0.8, maxWidth: 2.6 });
    const fit = () => {
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      const data = signature.toData();
      element.width = element.offsetWidth * ratio;
      element.height = element.offsetHeight * ratio;
      element.getContext("2d").scale(ratio, ratio);
      signature.clear();
      if (data.length) signature.fromData(data);
    };
    fit();
    const onEnd = () => {
      setDrawn(!signature.isEmpty());
      holdUpdates(hold, t("sign.signature"));
    };
    signature.addEventListener("endStroke", onEnd);
    window.addEventListener("resize", fit);
    pad.current = signature;
    return () => {
      signature.removeEventListener("endStroke", onEnd);
      window.removeEventListener("resize", fit);
      signature.off();
      holdUpdates(hold, null);
    };
  }, [hold]);
  const clear = () => {
    pad.current.clear();
    setDrawn(false);
    holdUpdates(hold, null);
  };
  const png = () => new Promise((resolve) => canvas.current.toBlob(resolve, "image/png"));
  return { drawn, clear, png };
}
