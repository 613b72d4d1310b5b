/** Sign in (once, online); afterwards the app works offline. Also "sign in again". */
import { useState } from "preact/hooks";
import { db } from "../db.js";
import { adoptAccountLanguage, language, t } from "../i18n.js";
import { signIn, SignInRefused } from "../session.js";
import { html, useLive, useStore } from "../state.js";
import { syncNow } from "../sync.js";
import { LanguageSwitch } from "./settings.js";

export function LoginScreen({ session, onDone, onCancel }) {
  const { code } = useStore(language);
  const [email, setEmail] = useState(session ? session.user.email : "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const pending = useLive(() => db.outbox.count(), []) || 0;
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signed = await signIn(email, password);
      await adoptAccountLanguage(signed.user.locale);
      onDone();
      syncNow("signed-in");
    } catch (problem) {
      if (problem instanceof SignInRefused) {
        setError(t(`login.${problem.reason}`, problem.detail));
      } else if (problem.name === "NetworkError") {
        setError(t("login.offline"));
      } else {
        setError(problem.message || t("login.failed"));
      }
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="login" tabindex="-1">
    <div class="login-lang"><${LanguageSwitch} code=${code} /></div>
    <img class="login-logo" src="/app/icons/icon-192.png" alt="" width="72" height="72" />
    <h1 class="login-title">${session ? t("login.againTitle") : t("login.title")}</h1>
    <p class="muted">${session ? t("login.againText", { n: pending }) : t("login.text")}</p>
    <form class="form card" onSubmit=${submit} novalidate>
      ${error && html`<p class="form-error" role="alert" id="login-error">${error}</p>`}
      <label for="email">${t("login.email")}</label>
      <input id="email" type="email" autocomplete="username" inputmode="email" required
        value=${email} readonly=${!!session} onInput=${(e) => setEmail(e.currentTarget.value)}
        aria-invalid=${error ? "true" : null} aria-describedby=${error ? "login-error" : null} />
      <label for="password">${t("login.password")}</label>
      <input id="password" type="password" autocomplete="current-password" required
        value=${password} onInput=${(e) => setPassword(e.currentTarget.value)}
        aria-invalid=${error ? "true" : null} />
      <button type="submit" class="button primary wide" disabled=${busy || !email || !password}>
        ${busy ? t("login.signingIn") : t("login.submit")}</button>
      ${onCancel && html`<button type="button" class="button wide" onClick=${onCancel}>
        ${t("login.later")}</button>`}
    </form>
  </main>`;
}
