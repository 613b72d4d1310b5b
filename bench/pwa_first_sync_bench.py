"""The phone side of a first sync: sign-in to a usable job list, in Chromium at 4× CPU.

Issue 17 asks for the first full sync of the base scope (30 orders, 2,000 parts, 200
articles) to be measured on the phone too. Each run opens the app in a fresh browser
context (empty IndexedDB, no service worker yet: a phone that never synced), throttles the
CPU 4× (CDP ``Emulation.setCPUThrottlingRate``), signs the technician in and times, from
the submit of the sign-in form, in the page's own clock:

* ``list_ms`` — the job list usable: all of today's jobs rendered (the app's
  ``jobs:rendered`` mark with the full count) and each card's link in the page;
* ``jobs_stored_ms`` — the jobs page of the first sync stored (the app's
  ``sync:jobs-stored`` mark; docs/sync-protocol.md §7d), none on an app without it;
* ``sync_done_ms`` — the first sync finished (every page pulled and stored: the sync pill
  shows a last-sync time);
* then it taps the first job and checks that its page opens (``open_job_ms``, from the
  tap), which proves the list was clickable.

Sign-in's password hashing is made cheap (not what is measured), the server runs on
loopback in this process (werkzeug, threaded, SQLite), and the figures are medians of
``--runs`` runs (default 5) with min and max, since the machine is shared.

    .venv/bin/python bench/pwa_first_sync_bench.py [--runs 5] [--rate 4]

Prints the figures and writes bench/results/pwa_first_sync.json. Needs /usr/bin/chromium
(or CHROMIUM_PATH).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _world import report  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "en-GB"}
ORDERS, PARTS, ARTICLES = 30, 2000, 200


def start_server():
    """The app on a free port with the base scope; returns (url, technician e-mail)."""
    tmp = Path(tempfile.mkdtemp(prefix="doorstep-bench-first-sync-"))
    os.environ.setdefault("HUEY_SQLITE_PATH", str(tmp / "queue.db"))
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from server import create_app
    from server.extensions import db
    from server.tasks import huey

    huey.immediate = True
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'b.db'}",
                      "SECRET_KEY": "bench", "BLOB_DIR": str(tmp / "blobs")})
    with app.app_context():
        upgrade()
        email = seed()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", email


def seed() -> str:
    """30 jobs for today, 2,000 parts, 200 articles and 60 van stock lines (the scope of
    bench/sync_first_sync.py), through the services for the orders and in bulk for the rest."""
    from argon2 import PasswordHasher
    from sqlalchemy import insert

    from server.accounts import service as accounts
    from server.extensions import db
    from server.inventory.models import Part, StockLevel, StockLocation
    from server.knowledge.models import KnowledgeArticle
    from tests import factories

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    dispatcher = factories.make_user("dispatcher")
    tech = factories.make_technician(name="Bench Tech")
    # All within the next hours: the browser's zone is chosen so that this is mid-morning.
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    for i in range(ORDERS):
        customer = factories.make_customer(name=f"Customer {i}", language="en")
        order = factories.make_order(dispatcher, customer=customer,
                                     asset=factories.make_asset(customer))
        factories.orders.update_order(dispatcher, order, {
            "assignee_id": tech.id, "appointment_start": start + timedelta(minutes=8 * i),
            "appointment_end": start + timedelta(minutes=8 * i + 60)})
        factories.orders.transition(dispatcher, order, "scheduled")
    rows = [{"id": uuid.uuid4(), "sku": f"BENCH-{i:05d}", "name_en": f"Spare part {i}",
             "name_zh": f"备件 {i}", "category": "air_conditioner",
             "fits_models": ["KFR-35GW", "KFR-50LW"], "price_cents": 1000 + i,
             "unit": "pcs", "active": True, "sync_pos": 2} for i in range(PARTS)]
    db.session.execute(insert(Part), rows)
    db.session.execute(insert(KnowledgeArticle), [
        {"id": uuid.uuid4(), "title": f"Fault code E{i} on KFR-35GW",
         "body": "Check the indoor sensor and the wiring harness. " * 20,
         "language": "en" if i % 2 else "zh", "category": "air_conditioner",
         "models": ["KFR-35GW"], "tags": ["sensor"], "sync_pos": 2}
        for i in range(ARTICLES)])
    van = db.session.query(StockLocation).filter_by(technician_id=tech.id).one()
    db.session.execute(insert(StockLevel), [
        {"id": uuid.uuid4(), "location_id": van.id, "part_id": p["id"], "quantity": 3,
         "sync_pos": 2} for p in rows[:60]])
    return tech.user.email


def mid_morning_zone() -> str:
    """An Etc/GMT zone where it is about 09:00 now, so every seeded job falls on 'today'."""
    offset = (9 - datetime.now(UTC).hour + 12) % 24 - 12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def one_run(browser, base: str, email: str, rate: float) -> dict:
    from tests.factories import PASSWORD

    context = browser.new_context(**PHONE, timezone_id=mid_morning_zone())
    page = context.new_page()
    try:
        page.goto(f"{base}/app/")
        page.get_by_role("button", name="English").click()
        page.locator("#email").fill(email)
        page.locator("#password").fill(PASSWORD)
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        # The clock starts when the form is submitted, in the page's own time base.
        page.evaluate("""() => document.querySelector('form').addEventListener('submit',
            () => { window.__benchStart = performance.now(); }, { capture: true })""")
        page.locator("form button[type=submit]").click()
        usable = page.wait_for_function(f"""() => {{
            const links = document.querySelectorAll('.job-card a.job-link');
            const marks = performance.getEntriesByName('jobs:rendered').filter(
                (m) => m.startTime >= (window.__benchStart || 0) && m.detail
                       && m.detail.count === {ORDERS});
            return links.length === {ORDERS} && marks.length
                && marks[0].startTime - window.__benchStart;
        }}""", timeout=120_000, polling="raf").json_value()
        done = page.wait_for_function("""() => {
            const pill = document.querySelector('[data-testid=sync-pill]');
            return pill && pill.dataset.lastSync && performance.now() - window.__benchStart;
        }""", timeout=120_000, polling="raf").json_value()
        jobs_stored = page.evaluate("""() => {
            const marks = performance.getEntriesByName('sync:jobs-stored').filter(
                (m) => m.startTime >= window.__benchStart);
            return marks.length ? marks[0].startTime - window.__benchStart : null;
        }""")
        stored = page.evaluate("""async () => {
            const { db } = await import('/app/js/db.js');
            return { orders: await db.work_order.count(), parts: await db.part.count(),
                     articles: await db.article.count() };
        }""")
        # Clickable: the first card opens its job.
        tapped = page.evaluate("performance.now()")
        page.locator(".job-card a.job-link").first.click()
        page.wait_for_url("**#/job/**", timeout=60_000)
        page.wait_for_selector("#main", timeout=60_000)
        opened = page.evaluate("performance.now()") - tapped
        return {"list_ms": round(usable), "sync_done_ms": round(done),
                "jobs_stored_ms": None if jobs_stored is None else round(jobs_stored),
                "open_job_ms": round(opened), "stored": stored}
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rate", type=float, default=4)
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server, base, email = start_server()
    runs = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=ARGS)
            one_run(browser, base, email, 1)  # warm up the server (imports, caches)
            for i in range(options.runs):
                runs.append(one_run(browser, base, email, options.rate))
                print(f"run {i + 1}: {runs[-1]}", flush=True)
            browser.close()
    finally:
        server.shutdown()
    load = os.getloadavg()

    def summary(key):
        values = [r[key] for r in runs]
        return {"median": round(statistics.median(values)), "min": min(values),
                "max": max(values)}

    report("pwa_first_sync", {
        "scope": {"orders": ORDERS, "parts": PARTS, "articles": ARTICLES},
        "cpu_throttle": options.rate, "runs": options.runs,
        "list_usable_ms": summary("list_ms"), "sync_done_ms": summary("sync_done_ms"),
        "open_first_job_ms": summary("open_job_ms"),
        "stored_after_sync": runs[-1]["stored"] if runs else None,
        "load_average_1_5_15": [round(x, 2) for x in load],
        "runs_detail": runs,
        "note": "from the sign-in form's submit, in the page's clock; sign-in hashing made "
                "cheap; server in-process on loopback (SQLite)",
    })


if __name__ == "__main__":
    main()
