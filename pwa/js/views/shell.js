/** The app frame: top bar with the sync indicator, banners, the screen, bottom navigation. */
import { useEffect, useState } from "preact/hooks";
import { db } from "../db.js";
import { language, t } from "../i18n.js";
import { sessionStore } from "../session.js";
import { dismissToast, html, navigate, route, toasts, useLive, useStore } from "../state.js";
import { updates, applyUpdate } from "../updates.js";
import { Icon } from "./components.js";
import { TopBar } from "./frame.js";
import { JobsScreen } from "./jobs.js";

// The job list is what a cold start shows; every other screen loads on first use (from the
// service worker's cache) and all of them are fetched once the list is up.
const LOADERS = {
  job: () => import("./job.js").then((m) => m.JobScreen),
  knowledge: () => import("./knowledge.js").then((m) => m.KnowledgeScreen),
  sync: () => import("./sync.js").then((m) => m.SyncScreen),
  settings: () => import("./settings.js").then((m) => m.SettingsScreen),
  login: () => import("./login.js").then((m) => m.LoginScreen),
  actions: () => import("./corrective-actions.js").then((m) => m.CorrectiveActionsScreen),
  incoming: () => import("./stock.js").then((m) => m.IncomingScreen),
};
const loaded = { jobs: JobsScreen };

const loading = {};

/** The screen's module, loaded once however many ask (the prefetch and a first visit). */
function load(name) {
  loading[name] ||= LOADERS[name]().then((component) => {
    loaded[name] = component;
    return component;
  }).catch((error) => {
    delete loading[name]; // let the next visit try again
    throw error;
  });
  return loading[name];
}

function Screen({ name, ...props }) {
  const [failed, setFailed] = useState(false);
  const [, setReady] = useState(0);
  const Component = loaded[name];
  useEffect(() => {
    if (Component) return;
    load(name).then(() => setReady((n) => n + 1), (error) => {
      console.error(`loading the ${name} screen failed`, error);
      setFailed(true);
    });
  }, [name, Component]);
  if (Component) return html`<${Component} ...${props} />`;
  return html`<${TopBar} title="" />${failed && html`<main id="main" class="screen">
    <p class="banner banner-bad inline" role="alert">${t("app.screenFailed")}</p>
    <button class="button" onClick=${() => location.reload()}>${t("app.reload")}</button></main>`}`;
}

export function prefetchScreens() {
  for (const name of Object.keys(LOADERS)) load(name).catch(() => {});
}

export function App() {
  useStore(language); // re-render everything on a language switch
  const { session } = useStore(sessionStore);
  const current = useStore(route);
  const [reSignIn, setReSignIn] = useState(false);
  if (session === undefined) return null;
  if (!session || reSignIn) {
    return html`<${Screen} name="login" session=${session}
      onDone=${() => { setReSignIn(false); navigate("jobs", { replace: true }); }}
      onCancel=${session ? () => setReSignIn(false) : null} />`;
  }
  const name = current.name in LOADERS || current.name === "jobs" ? current.name : "jobs";
  return html`
    <a class="skip-link" href="#main">${t("app.skip")}</a>
    <${Banners} session=${session} onSignIn=${() => setReSignIn(true)} />
    <${Screen} name=${name === "login" ? "jobs" : name} key=${name} params=${current.params}
      session=${session} />
    <${Toasts} />
    <${BottomNav} current=${current.name} />`;
}

function Banners({ session, onSignIn }) {
  const update = useStore(updates);
  const pending = useLive(() => db.outbox.count(), []) || 0;
  const items = [];
  if (session.problem) {
    items.push(html`<div class="banner banner-bad" role="alert" key="auth">
      <p><strong>${t(`auth.${session.problem}`, {}, t("auth.token_unknown"))}</strong>
        ${" "}${t("auth.kept", { n: pending })}</p>
      <button class="button small" onClick=${onSignIn}>${t("auth.signInAgain")}</button>
    </div>`);
  }
  if (update.waiting) {
    items.push(html`<div class="banner banner-info" role="status" key="update">
      <p><strong>${t("update.available")}</strong>${" "}
        ${pending ? t("update.keepsPending", { n: pending }) : t("update.safe")}</p>
      <button class="button small" onClick=${applyUpdate} disabled=${update.applying}
        data-testid="apply-update">${t("update.apply")}</button>
    </div>`);
  }
  if (update.storageFull) {
    items.push(html`<div class="banner banner-bad" role="alert" key="quota">
      <p>${t("storage.full")}</p></div>`);
  }
  return items.length ? html`<div class="banners">${items}</div>` : null;
}

function Toasts() {
  const { items } = useStore(toasts);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${items.map((item) => html`<div class=${`toast toast-${item.kind}`} key=${item.id}>
      <span>${item.text}</span>
      <button class="link-button" onClick=${() => dismissToast(item.id)}
        aria-label=${t("action.dismiss")}>×</button></div>`)}
  </div>`;
}

function BottomNav({ current }) {
  const items = [["jobs", "jobs", "nav.jobs"], ["knowledge", "book", "nav.knowledge"],
    ["sync", "sync", "nav.sync"], ["settings", "gear", "nav.settings"]];
  const active = current === "job" || current === "actions" ? "jobs" : current;
  return html`<nav class="bottomnav" aria-label=${t("nav.label")}>
    ${items.map(([name, icon, label]) => html`<a href=${`#/${name}`} key=${name}
      aria-current=${active === name ? "page" : null}>
      <${Icon} name=${icon} /><span>${t(label)}</span></a>`)}
  </nav>`;
}
