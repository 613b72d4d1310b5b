/** Language, location, storage, the app's version, signing out. */
import { useEffect, useState } from "preact/hooks";
import { db, getMeta, setMeta } from "../db.js";
import { setLocationEnabled } from "../geo.js";
import { language, setLanguage, t } from "../i18n.js";
import { requestPersistence, signOut } from "../session.js";
import { html, toast, useLive, useStore } from "../state.js";
import { updates } from "../updates.js";
import { TopBar } from "./frame.js";

export function SettingsScreen({ session }) {
  const { code } = useStore(language);
  const { build } = useStore(updates);
  const settings = useLive(() => getMeta("settings", { location: true }), []);
  const persisted = useLive(() => getMeta("persisted", false), []);
  const pending = useLive(async () => (await db.outbox.count())
    + (await db.blobs.where("state").anyOf("pending", "uploading", "failed").count()), []);
  const [estimate, setEstimate] = useState(null);
  useEffect(() => {
    if (navigator.storage && navigator.storage.estimate) {
      navigator.storage.estimate().then(setEstimate).catch(() => {});
    }
  }, []);
  const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
  const onLocation = async (event) => {
    const location = event.currentTarget.checked;
    setLocationEnabled(location);
    await setMeta("settings", { ...(settings || {}), location });
  };
  return html`
    <${TopBar} title=${t("settings.title")} />
    <main id="main" class="screen" tabindex="-1">
      <section class="card" aria-labelledby="set-language">
        <h2 id="set-language" class="card-title">${t("settings.language")}</h2>
        <${LanguageSwitch} code=${code} />
      </section>
      <section class="card" aria-labelledby="set-location">
        <h2 id="set-location" class="card-title">${t("settings.location")}</h2>
        <label class="check"><input type="checkbox" checked=${!settings || settings.location}
          onChange=${onLocation} /> ${t("settings.locationText")}</label>
      </section>
      <section class="card" aria-labelledby="set-storage">
        <h2 id="set-storage" class="card-title">${t("settings.storage")}</h2>
        <dl class="facts">
          ${estimate && html`<div><dt>${t("settings.used")}</dt>
            <dd>${mb(estimate.usage || 0)} / ${mb(estimate.quota || 0)}</dd></div>`}
          <div><dt>${t("settings.persisted")}</dt><dd>${persisted ? t("settings.yes") : t("settings.no")}</dd></div>
        </dl>
        ${!persisted && html`<button class="button" onClick=${requestPersistence}>${t("settings.persist")}</button>`}
      </section>
      <section class="card" aria-labelledby="set-account">
        <h2 id="set-account" class="card-title">${t("settings.account")}</h2>
        <dl class="facts">
          <div><dt>${t("settings.user")}</dt><dd>${session.user.name} (${session.user.email})</dd></div>
          <div><dt>${t("settings.device")}</dt><dd class="small"><code>${session.deviceId}</code></dd></div>
          <div><dt>${t("settings.version")}</dt><dd data-testid="build"><code>${build || "—"}</code></dd></div>
        </dl>
        ${pending > 0 && html`<p class="muted">${t("settings.signOutBlocked", { n: pending })}</p>`}
        <button class="button danger" disabled=${pending !== 0}
          onClick=${async () => {
            try { await signOut(); } catch (error) { toast(t("settings.signOutBlocked", { n: pending }), { kind: "error" }); }
          }}>${t("settings.signOut")}</button>
      </section>
    </main>`;
}

export function LanguageSwitch({ code }) {
  return html`<div class="segmented" role="group" aria-label=${t("settings.language")}>
    ${[["en", "English"], ["zh", "中文"]].map(([value, label]) => html`<button key=${value}
      type="button" lang=${value === "zh" ? "zh-Hans" : "en"}
      aria-pressed=${code === value ? "true" : "false"}
      onClick=${() => setLanguage(value, { chosen: true })}>${label}</button>`)}
  </div>`;
}
