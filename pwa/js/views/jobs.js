/** Today / upcoming / done: the technician's jobs, sorted by appointment. */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { isOverdue, readCorrectiveActions } from "../corrective-actions.js";
import { distanceKm } from "../fold.js";
import { currentPosition, position } from "../geo.js";
import { fmtDistance, fmtWindow, t } from "../i18n.js";
import { groupJobs, jobsList } from "../model.js";
import { html, useLive, useStore } from "../state.js";
import { syncNow } from "../sync.js";
import { Empty, Icon, SlaBadge, StatusChip } from "./components.js";
import { TopBar } from "./frame.js";
import { IncomingBanner } from "./stock.js";

const GROUPS = ["today", "upcoming", "done"];

// Read at start-up together with the session, so a cold start shows the list in its first
// render instead of after the first live query.
let startupJobs;
export function setStartupJobs(jobs) {
  startupJobs = jobs;
}

export function JobsScreen({ params }) {
  const group = GROUPS.includes(params[0]) ? params[0] : "today";
  const [initial] = useState(() => {
    const jobs = startupJobs;
    startupJobs = undefined;
    return jobs;
  });
  const jobs = useLive(jobsList, [], initial);
  const { coords } = useStore(position);
  useEffect(() => { currentPosition({ ask: false }); }, []);
  const groups = jobs ? groupJobs(jobs) : null;
  return html`
    <${TopBar} title=${t("jobs.title")} />
    <main id="main" class="screen jobs-screen" tabindex="-1">
      <${ActionsLink} />
      <${IncomingBanner} />
      <div class="segmented" role="group" aria-label=${t("jobs.groups")}>
        ${GROUPS.map((name) => html`<a key=${name} href=${`#/jobs/${name}`}
          aria-current=${group === name ? "page" : null}>
          ${t(`jobs.${name}`)}${groups ? html` <span class="count">${groups[name].length}</span>`
            : null}</a>`)}
      </div>
      <${PullToRefresh}>
        ${groups && html`<${JobList} jobs=${groups[group]} coords=${coords} group=${group} />`}
      <//>
    </main>`;
}

/** A link to the technician's open corrective actions from QC, when there are any. */
function ActionsLink() {
  const kept = useLive(readCorrectiveActions, []);
  const items = kept ? kept.items : [];
  if (!items.length) return null;
  const overdue = items.filter((a) => isOverdue(a)).length;
  return html`<a href="#/actions" class=${`banner inline ${overdue ? "banner-bad" : "banner-info"}`}
    data-testid="qc-actions-link">${t("qcActions.link", { n: items.length })}${overdue
      ? html` · ${t("qcActions.overdueCount", { n: overdue })}` : null}</a>`;
}

/** The list itself (also rendered alone by the list benchmark). */
export function JobList({ jobs, coords = null, group = "today" }) {
  useLayoutEffect(() => {
    performance.mark("jobs:rendered", { detail: { count: jobs.length } });
  }, [jobs]);
  if (!jobs.length) {
    return html`<${Empty} title=${t(`jobs.empty.${group}`)}>
      <p class="muted">${t("jobs.emptyHint")}</p><//>`;
  }
  return html`<ul class="job-list" data-testid="job-list">
    ${jobs.map((job) => html`<${JobCard} key=${job.order.id} job=${job} coords=${coords} />`)}
  </ul>`;
}

function JobCard({ job, coords }) {
  const { order, customer, address, pending } = job;
  const distance = distanceKm(coords, address);
  const sla = order.sla_state || "green";
  return html`<li class=${`job-card sla-edge-${sla}`}>
    <a href=${`#/job/${order.id}`} class="job-link" data-number=${order.number}>
      <div class="job-time">${fmtWindow(order.appointment_start, order.appointment_end)}</div>
      <div class="job-row">
        <span class="job-customer">${customer ? customer.name : "—"}</span>
        <${StatusChip} status=${order.status} />
      </div>
      <div class="job-address muted">
        ${address ? [address.district, address.city].filter(Boolean).join(", ") : ""}
        ${distance !== null && html` · ${fmtDistance(distance)}`}
      </div>
      <div class="job-row job-meta">
        <span class="job-number">${order.number}</span>
        <span>${t(`type.${order.type}`)}</span>
        ${order.priority === "emergency" || order.priority === "high"
          ? html`<span class=${`chip priority-${order.priority}`}>${t(`priority.${order.priority}`)}</span>`
          : null}
        <${SlaBadge} state=${sla} />
        ${pending ? html`<span class="chip chip-pending">
          <${Icon} name="upload" size=${14} />${t("jobs.unsynced", { n: pending })}</span>` : null}
      </div>
    </a>
  </li>`;
}

/** Drag the list down from the top to sync (a touch gesture; "Sync now" does the same). */
function PullToRefresh({ children }) {
  const ref = useRef(null);
  const [pull, setPull] = useState(0);
  const [busy, setBusy] = useState(false);
  const start = useRef(null);
  const onTouchStart = (event) => {
    start.current = window.scrollY <= 0 ? event.touches[0].clientY : null;
  };
  const onTouchMove = (event) => {
    if (start.current === null) return;
    setPull(Math.max(0, Math.min(90, event.touches[0].clientY - start.current)));
  };
  const onTouchEnd = async () => {
    const far = pull > 60;
    start.current = null;
    setPull(0);
    if (far && !busy) {
      setBusy(true);
      await syncNow("pull-to-refresh");
      setBusy(false);
    }
  };
  return html`<div ref=${ref} class="ptr" onTouchStart=${onTouchStart}
    onTouchMove=${onTouchMove} onTouchEnd=${onTouchEnd}>
    <div class="ptr-indicator" style=${{ height: `${busy ? 40 : pull / 2}px` }} aria-hidden="true">
      ${(busy || pull > 0) && html`<${Icon} name="refresh" size=${20} />
        <span>${busy ? t("pill.syncing") : pull > 60 ? t("jobs.release") : t("jobs.pull")}</span>`}
    </div>
    ${children}
  </div>`;
}
