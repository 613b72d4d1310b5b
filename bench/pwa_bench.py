"""Technician-app benchmarks, in real Chromium against the real server.

    .venv/bin/python bench/pwa_bench.py [shell] [cold] [list] [photo]

* shell — bytes transferred for the app shell on a first visit (gzipped, as sent),
  including the service worker's precache; target ≤ 200 KB.
* cold  — a cold start offline (new browser process, data on disk) to the job list
  rendered, CPU throttled 4×; target ≤ 1.5 s.
* list  — rendering a list of 200 jobs (render only, and IndexedDB read + fold + render),
  unthrottled and at 4×; target ≤ 100 ms.
* photo — a 12-megapixel photo from the file picker to stored-and-queued (decoded,
  resized to 2048 px, JPEG-encoded, hashed, written to IndexedDB with its mutation), CPU
  throttled 4×; target ≤ 1 s.

Prints the figures and writes them to bench/results/pwa.json (each run replaces the
benchmarks it ran). Needs /usr/bin/chromium (or CHROMIUM_PATH) and Pillow.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "pwa.json"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "en-GB"}
TARGETS = {"shell_kb_gzipped": 200, "cold_start_ms": 1500, "list_200_ms": 100,
           "photo_12mp_ms": 1000}


# -- a server with data --------------------------------------------------------------------
def start_server(jobs: int = 30):
    """The app on a free port with a technician and ``jobs`` jobs; returns (url, email)."""
    tmp = Path(tempfile.mkdtemp(prefix="doorstep-bench-"))
    os.environ.setdefault("HUEY_SQLITE_PATH", str(tmp / "queue.db"))
    from werkzeug.serving import make_server

    from server import create_app
    from server.extensions import db
    from server.tasks import huey

    huey.immediate = True
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'b.db'}",
                      "SECRET_KEY": "bench", "BLOB_DIR": str(tmp / "blobs")})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        email = _seed(jobs)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", email


def _seed(jobs: int) -> str:
    from argon2 import PasswordHasher

    from server.accounts import service as accounts
    from tests import factories

    # Sign-in cost is not what is measured here.
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    dispatcher = factories.make_user("dispatcher")
    tech = factories.make_technician(name="Bench Tech")
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    for i in range(jobs):
        customer = factories.make_customer(name=f"客户 {i}")
        order = factories.make_order(dispatcher, customer=customer,
                                     asset=factories.make_asset(customer))
        factories.orders.update_order(dispatcher, order, {
            "assignee_id": tech.id, "appointment_start": start + timedelta(minutes=20 * i),
            "appointment_end": start + timedelta(minutes=20 * i + 90)})
        factories.orders.transition(dispatcher, order, "scheduled")
    return tech.user.email


# -- browser helpers ---------------------------------------------------------------------
def sign_in(page, base: str, email: str) -> None:
    from tests.factories import PASSWORD

    page.goto(f"{base}/app/")
    page.get_by_role("button", name="English").click()
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".job-list", timeout=30_000)
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=sync-pill]').dataset.lastSync !== ''",
        timeout=30_000)


def throttle(page, rate: float):
    session = page.context.new_cdp_session(page)
    session.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    return session


# -- benchmarks ------------------------------------------------------------------------------
def bench_shell(playwright, base: str, email: str) -> dict:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    urls, sizes = {}, {}
    session.on("Network.responseReceived",
               lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    session.on("Network.loadingFinished",
               lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(f"{base}/app/")
    page.wait_for_selector("#email")
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
    page.wait_for_timeout(500)
    page_bytes = sum(size for rid, size in sizes.items() if "/app/" in urls.get(rid, ""))
    page_requests = sum(1 for rid in sizes if "/app/" in urls.get(rid, ""))
    # The worker's precache requests (revalidations, mostly 304) are on its own target.
    sw_total = _service_worker_transfer(context)
    browser.close()
    total = page_bytes + sw_total
    raw = _raw_shell_bytes(base)
    return {"shell_kb_gzipped": round(total / 1024, 1),
            "page_kb": round(page_bytes / 1024, 1), "page_requests": page_requests,
            "service_worker_precache_kb": round(sw_total / 1024, 1),
            "shell_kb_uncompressed": round(raw / 1024, 1)}


def _service_worker_transfer(context) -> int:
    """Bytes the service worker moved while precaching (304s are headers only)."""
    total = 0
    for worker in context.service_workers:
        try:
            total += worker.evaluate("""() => performance.getEntriesByType('resource')
                .filter((e) => e.name.includes('/app/'))
                .reduce((sum, e) => sum + (e.transferSize || 0), 0)""")
        except Exception:  # noqa: BLE001 — a worker that went idle has nothing to report
            pass
    return total


def _raw_shell_bytes(base: str) -> int:
    import re
    import urllib.request

    sw = urllib.request.urlopen(f"{base}/app/sw.js").read().decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", sw).group(1))
    return sum(len(urllib.request.urlopen(base + url).read()) for url in shell) + len(sw)


def bench_cold(playwright, base: str, email: str, runs: int = 5) -> dict:
    profile = tempfile.mkdtemp(prefix="doorstep-profile-")
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, headless=True, args=ARGS, **PHONE)
    sign_in(context.pages[0] if context.pages else context.new_page(), base, email)
    context.close()
    times, breakdown = [], []
    for _ in range(runs):
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS, offline=True, **PHONE)
        page = context.pages[0] if context.pages else context.new_page()
        throttle(page, 4)
        page.goto(f"{base}/app/")
        page.wait_for_selector(".job-card", timeout=30_000)
        mark = page.evaluate("""() => {
            const marks = performance.getEntriesByName('jobs:rendered')
              .filter((m) => m.detail && m.detail.count > 0);
            return marks.length ? marks[0].startTime : null;
        }""")
        from_service_worker = page.evaluate(
            "performance.getEntriesByType('navigation')[0].workerStart > 0")
        breakdown.append(page.evaluate("""() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const boot = performance.getEntriesByName('app:boot')[0];
            return { html_ms: Math.round(nav.responseEnd),
                     modules_loaded_ms: boot ? Math.round(boot.startTime) : null };
        }"""))
        times.append(mark)
        context.close()
        assert from_service_worker, "the cold start did not come from the service worker"
    return {"cold_start_ms": round(statistics.median(times)), "cold_start_max_ms": round(max(times)),
            "cold_start_runs_ms": [round(t) for t in times], "cpu_throttle": 4, "offline": True,
            "breakdown": breakdown}


LIST_SCRIPT = """async ({count, rate}) => {
    const { h, render } = await import('/app/vendor/preact.mjs');
    const { JobList } = await import('/app/js/views/jobs.js');
    const { jobsList, groupJobs } = await import('/app/js/model.js');
    const { db } = await import('/app/js/db.js');
    const statuses = ['scheduled', 'en_route', 'on_site', 'awaiting_parts', 'scheduled'];
    const now = Date.now();
    const jobs = Array.from({ length: count }, (_, i) => ({
      order: { id: `bench-${i}`, number: `WO-2026-${String(i).padStart(6, '0')}`,
        status: statuses[i % statuses.length], type: 'repair',
        priority: i % 17 ? 'normal' : 'emergency', sla_state: ['green', 'yellow', 'red'][i % 3],
        appointment_start: new Date(now + i * 600000).toISOString(),
        appointment_end: new Date(now + i * 600000 + 5400000).toISOString() },
      customer: { name: `Customer ${i} 王秀英` },
      address: { district: '徐汇区', city: '上海市', latitude: 31.19 + i / 1000,
        longitude: 121.44 },
      pending: i % 7 ? 0 : 2,
    }));
    const coords = { latitude: 31.2, longitude: 121.45 };
    const renderOnly = [];
    for (let run = 0; run < 7; run += 1) {
      const root = document.createElement('div');
      document.body.appendChild(root);
      const t0 = performance.now();
      render(h(JobList, { jobs, coords }), root);
      root.getBoundingClientRect(); // include style and layout of the new nodes
      renderOnly.push(performance.now() - t0);
      render(null, root);
      root.remove();
    }
    // The whole path: rows from IndexedDB, folded with the outbox, grouped, rendered.
    const customers = jobs.map((j, i) => ({ id: `c-${i}`, name: j.customer.name }));
    const addresses = jobs.map((j, i) => ({ id: `a-${i}`, customer_id: `c-${i}`, ...j.address }));
    await db.transaction('rw', db.work_order, db.customer, db.address, async () => {
      await db.work_order.bulkPut(jobs.map((j, i) => ({ ...j.order, customer_id: `c-${i}`,
        address_id: `a-${i}`, created_at: new Date(now).toISOString() })));
      await db.customer.bulkPut(customers);
      await db.address.bulkPut(addresses);
    });
    const full = [];
    for (let run = 0; run < 5; run += 1) {
      const root = document.createElement('div');
      document.body.appendChild(root);
      const t0 = performance.now();
      const all = await jobsList();
      const groups = groupJobs(all, new Date(now - 3600000));
      const list = [...groups.today, ...groups.upcoming];
      render(h(JobList, { jobs: list, coords }), root);
      root.getBoundingClientRect();
      full.push({ ms: performance.now() - t0, shown: list.length });
      render(null, root);
      root.remove();
    }
    await db.transaction('rw', db.work_order, db.customer, db.address, async () => {
      await db.work_order.bulkDelete(jobs.map((j) => j.order.id));
      await db.customer.bulkDelete(customers.map((c) => c.id));
      await db.address.bulkDelete(addresses.map((a) => a.id));
    });
    return { renderOnly, full };
}"""


def bench_list(playwright, base: str, email: str) -> dict:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, base, email)
    out = {}
    for rate in (1, 4):
        session = throttle(page, rate)
        result = page.evaluate(LIST_SCRIPT, {"count": 200, "rate": rate})
        session.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        render_only = result["renderOnly"][1:]  # the first run warms up the JIT
        full = [run["ms"] for run in result["full"]][1:]
        suffix = "" if rate == 1 else "_cpu4x"
        out[f"list_200_ms{suffix}"] = round(statistics.median(render_only), 1)
        out[f"list_200_ms_max{suffix}"] = round(max(render_only), 1)
        out[f"list_200_from_indexeddb_ms{suffix}"] = round(statistics.median(full), 1)
        out[f"list_from_indexeddb_jobs{suffix}"] = result["full"][0]["shown"]
    browser.close()
    return out


def bench_photo(playwright, base: str, email: str, runs: int = 3) -> dict:
    from tests.e2e.pwa_helpers import make_jpeg

    tmp = Path(tempfile.mkdtemp(prefix="doorstep-photo-"))
    files = [make_jpeg(tmp / f"IMG_12MP_{i}.jpg", 4000, 3000, seed=100 + i, quality=90)
             for i in range(runs)]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, base, email)
    context.set_offline(True)  # measure the phone, not the upload
    page.locator(".job-link").first.click()
    page.locator("nav.tabs").get_by_role("link", name="Photos").click()
    throttle(page, 4)
    times = []
    for i, path in enumerate(files):
        page.evaluate("performance.clearMeasures('photo:capture-to-queued')")
        page.locator("input[data-kind=before][data-source=gallery]").set_input_files(str(path))
        page.wait_for_function(
            "() => performance.getEntriesByName('photo:capture-to-queued').length > 0",
            timeout=60_000)
        times.append(page.evaluate(
            "performance.getEntriesByName('photo:capture-to-queued')[0].duration"))
        page.wait_for_selector(f".photo-grid li:nth-child({i + 1})")
    stored = page.evaluate("""async () => {
        const { db } = await import('/app/js/db.js');
        const rows = await db.blobs.toArray();
        return rows.map((r) => ({ w: r.width, h: r.height, kb: Math.round(r.size / 1024) }));
    }""")
    browser.close()
    return {"photo_12mp_ms": round(statistics.median(times)), "photo_12mp_max_ms": round(max(times)),
            "photo_12mp_runs_ms": [round(t) for t in times], "cpu_throttle": 4,
            "input_kb": round(files[0].stat().st_size / 1024), "stored": stored}


BENCHES = {"shell": bench_shell, "cold": bench_cold, "list": bench_list, "photo": bench_photo}


def main(names: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    names = names or list(BENCHES)
    base, email = start_server()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    with sync_playwright() as playwright:
        for name in names:
            started = time.perf_counter()
            figures = BENCHES[name](playwright, base, email)
            figures["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            figures["took_s"] = round(time.perf_counter() - started, 1)
            results[name] = figures
            print(f"{name}: {json.dumps(figures, ensure_ascii=False)}", flush=True)
    results["targets"] = TARGETS
    results["machine"] = {"cpus": os.cpu_count(), "chromium": CHROMIUM,
                          "load_average_after": [round(x, 2) for x in os.getloadavg()]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
