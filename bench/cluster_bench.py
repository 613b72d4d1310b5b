"""Cluster rehearsal: Doorstep on several "machines", all on loopback, with a node and a
worker killed and restarted mid-run.

* PostgreSQL (DATABASE_URL, schema reset) reached through PgBouncer in transaction mode;
* Redis (redis-server) for the job queue; S3-compatible object storage (moto's server);
* two web nodes (gunicorn, each with its own BLOB_DIR scratch folder and HOME, the same
  SECRET_KEY and report signing certificate) and two huey workers (one runs the periodic
  jobs, the other ``-n``);
* DEVICES phones (threads) each doing a whole visit through the sync protocol: pull, push
  transitions, notes, a photo (uploaded as a blob), completion, survey, then the
  customer's signature over what the phone shows. Each request goes to the next node in
  turn, and to the other one when a node does not answer (as a load balancer would).
  Pushes and blob uploads are idempotent, so a retry after a lost answer is harmless.

Mid-run web node A and worker 1 are killed with SIGKILL and restarted a few seconds later.
Afterwards the bench checks that nothing was lost (every mutation of every phone applied,
every photo and signature stored) and that every report was rendered exactly once (one
PDF per report in the bucket, matching its hash), then prints p50/p95 latencies, errors
and mutations per second, and writes bench/results/cluster.json.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/doorstep_bench make cluster-bench
    .venv/bin/python bench/cluster_bench.py --devices 200
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from _world import ROOT, make_app, percentile, report

from tests.scale import servers

VENV_BIN = Path(sys.executable).parent


# -- processes ---------------------------------------------------------------------------------

class Process:
    """One server process (its own process group, so a kill takes its children too)."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path):
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        self.popen = subprocess.Popen(self.argv, env=self.env, cwd=ROOT,
                                      stdout=self.log.open("a"), stderr=subprocess.STDOUT,
                                      start_new_session=True)
        return self

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for_http(url: str, seconds: float = 60) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/login", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {seconds}s")


def start_pgbouncer(database_url: str, tmp: Path) -> tuple[Process, str]:
    """PgBouncer in transaction mode in front of DATABASE_URL; returns it and its URL."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    port = servers.free_port()
    folder = tmp / "pgbouncer"
    folder.mkdir(mode=0o755)
    user = url.username or "postgres"
    (folder / "users.txt").write_text(f'"{user}" "{url.password or ""}"\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
{url.database} = host={url.host} port={url.port or 5432} dbname={url.database} user={user}{
        f' password={url.password}' if url.password else ''}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / 'users.txt'}
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
ignore_startup_parameters = extra_float_digits,options
""")
    for path in folder.iterdir():
        path.chmod(0o644)
    argv = ["pgbouncer", str(folder / "pgbouncer.ini")]
    if os.getuid() == 0:  # PgBouncer refuses to run as root
        argv[1:1] = ["-u", "postgres"]
    process = Process("pgbouncer", argv, dict(os.environ), tmp / "pgbouncer.log").start()
    for _ in range(100):
        try:
            import socket

            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    bounced = url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    return process, bounced.replace("postgresql+psycopg://", "postgresql://")


# -- the phones' side -----------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = collections.defaultdict(list)
        self.errors = collections.Counter()

    def ok(self, kind: str, ms: float) -> None:
        with self.lock:
            self.latency[kind].append(ms)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


class Answer:
    def __init__(self, response):
        self.status_code, self._response = response.status_code, response

    def get_json(self):
        return self._response.json()


class Balancer:
    """A phone's HTTP client: each request to the next web node, failing over like a load
    balancer when a node does not answer or answers 502/503."""

    def __init__(self, nodes: list[str], stats: Stats, start: int):
        import requests

        self.nodes, self.stats, self.turn = nodes, stats, start
        self.session = requests.Session()

    def _call(self, method: str, path: str, kind: str, **kw):
        import requests

        kw["params"] = kw.pop("query_string", None)
        for attempt in range(40):
            node = self.nodes[self.turn % len(self.nodes)]
            self.turn += 1
            started = time.perf_counter()
            try:
                response = self.session.request(method, node + path, timeout=120, **kw)
            except requests.RequestException as problem:
                self.stats.error(f"{kind}: {type(problem).__name__} (retried)")
                time.sleep(min(2.0, 0.1 * (attempt + 1)))
                continue
            if response.status_code in (502, 503, 504):
                self.stats.error(f"{kind}: HTTP {response.status_code} (retried)")
                time.sleep(min(2.0, 0.1 * (attempt + 1)))
                continue
            if response.status_code >= 400:
                self.stats.error(f"{kind}: HTTP {response.status_code}")
            self.stats.ok(kind, (time.perf_counter() - started) * 1000)
            return Answer(response)
        raise RuntimeError(f"{method} {path}: no node answered in 40 attempts")

    def get(self, path, headers=None, query_string=None):
        return self._call("GET", path, "pull" if "pull" in path else "get", headers=headers,
                          query_string=query_string)

    def post(self, path, headers=None, json=None):
        return self._call("POST", path, "push" if "push" in path else "post", headers=headers,
                          json=json)

    def put(self, path, headers=None, data=None):
        return self._call("PUT", path, "blob", headers=headers, data=data)


def visit(phone, order, photo_bytes: bytes, signer: str) -> int:
    """A whole visit; returns how many mutations the phone queued."""
    from tests.report_scenario import Visit

    class PhoneVisit(Visit):
        """Asks for the quote on what the phone pulled: a phone thread has no application
        context, so it cannot refresh the order from the database as the tests do."""

        def _quote_first(self, parts: tuple = ()):
            pulled = self.phone.rows("work_order")[self.order_id]
            if self.quote is None and not pulled["in_warranty"]:
                self.decide_quote(parts)

    phone.pull()
    job = PhoneVisit(phone.client, phone, order)
    job.arrive()
    job.push("add_note", note_id=_new_id(), body=f"Arrived; {signer} let me in.",
             device_time=phone.now())
    job.work("The run capacitor had failed.", "Replaced the capacitor; tested 20 minutes.")
    job.take_photo("before", photo_bytes, caption="Outdoor unit")
    job.complete(rating=5, comment="On time")
    job.sign(signer)
    phone.pull()
    return phone.next_id - 1


def _new_id() -> str:
    from tests.sync.phone import new_id

    return new_id()


# -- the run ---------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description="Cluster rehearsal (see the module doc).")
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--kill-after", type=float, default=0.35,
                        help="kill node A and worker 1 when this share of visits is done")
    parser.add_argument("--down-seconds", type=float, default=4.0)
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgresql://", "postgres://")):
        print("cluster bench skipped: it needs DATABASE_URL=postgresql://… (an empty database "
              "whose schema it resets), plus pgbouncer and redis-server installed.")
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="doorstep-cluster-"))
    tmp.chmod(0o755)
    started_servers: list = []
    processes: list[Process] = []
    try:
        # Real engines on loopback.
        for name, module in (("S3", servers.moto_available), ("Redis", servers.redis_available)):
            available, reason = module()
            if not available:
                raise SystemExit(f"{name}: {reason}")
        s3 = servers.start_s3_server()
        redis = servers.start_redis()
        started_servers += [s3, redis]
        bouncer, bounced_url = start_pgbouncer(database_url, tmp)
        processes.append(bouncer)
        endpoint = f"http://127.0.0.1:{s3.port}"
        credentials = {"AWS_ACCESS_KEY_ID": "cluster", "AWS_SECRET_ACCESS_KEY": "cluster",
                       "AWS_DEFAULT_REGION": "us-east-1"}
        os.environ.update(credentials)

        # Schema and data, straight to PostgreSQL (migrations never go through PgBouncer).
        print(f"Setting up {args.devices} technicians, each with one scheduled order…")
        app = make_app("cluster")
        from server.media.s3 import S3Storage

        bucket = "doorstep-cluster"
        S3Storage(bucket, endpoint_url=endpoint).ensure_bucket()
        signing = tmp / "signing"
        env_common = {**os.environ, **credentials,
                      "DATABASE_URL": bounced_url, "DATABASE_PREPARED_STATEMENTS": "0",
                      "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
                      "BLOB_URL": f"s3://{bucket}/blobs", "S3_ENDPOINT_URL": endpoint,
                      "SECRET_KEY": "cluster-rehearsal-shared-secret",
                      "REPORT_SIGNING_CERT": str(signing / "cert.pem"),
                      "REPORT_SIGNING_KEY": str(signing / "key.pem"),
                      "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
        phones, orders, sizes = setup(app, args.devices, signing)

        # Two web nodes, two workers.
        nodes, webs = [], []
        for name in ("a", "b"):
            port = servers.free_port()
            folder = tmp / f"node-{name}"
            folder.mkdir()
            env = {**env_common, "BLOB_DIR": str(folder / "blobs"), "HOME": str(folder)}
            webs.append(Process(f"web-{name}", [
                str(VENV_BIN / "gunicorn"), "-w", str(args.web_workers), "-k", "gthread",
                "--threads", "4", "-b", f"127.0.0.1:{port}", "--no-control-socket",
                "--timeout", "120", "server:create_app()"], env, tmp / f"web-{name}.log"))
            nodes.append(f"http://127.0.0.1:{port}")
        workers = [Process(f"worker-{i}", [
            str(VENV_BIN / "huey_consumer"), "server.tasks.huey", "-w", "2", "-k", "thread",
            "-g", "TERM", "-t", "25", *([] if i == 1 else ["-n"])],
            {**env_common, "BLOB_DIR": str(tmp / f"worker-{i}"), "HOME": str(tmp)},
            tmp / f"worker-{i}.log") for i in (1, 2)]
        processes += webs + workers
        for process in webs + workers:
            process.start()
        for node in nodes:
            wait_for_http(node)
        print(f"Web nodes {nodes}, 2 workers, PgBouncer {bounced_url.split('@')[-1]}, "
              f"Redis :{redis.port}, S3 {endpoint}. Logs in {tmp}.")

        # The load, with a node and a worker killed mid-run.
        stats = Stats()
        done, failures, queued = [0], [], {}
        lock = threading.Lock()
        from tests.report_scenario import photo

        # Every phone its own photo: two phones uploading identical bytes at the same moment
        # is a separate case (see the closing note of docs/operations.md's rehearsal).
        photo_bytes = [photo(640, 480, seed=i) for i in range(args.devices)]

        def run(index: int) -> None:
            phone, order = phones[index], orders[index]
            phone.client = Balancer(nodes, stats, index)
            try:
                queued[index] = visit(phone, order, photo_bytes[index],
                                      f"Customer {index}")
            except Exception as problem:  # noqa: BLE001 (every failure is counted)
                # The deepest frame of Doorstep's own code says where (not the library's).
                where = [frame for frame in traceback.extract_tb(problem.__traceback__)
                         if ".venv" not in frame.filename][-1]
                failures.append(f"phone {index}: {type(problem).__name__}: {problem} "
                                f"(at {Path(where.filename).name}:{where.lineno})")
            with lock:
                done[0] += 1

        threads = [threading.Thread(target=run, args=(i,), daemon=True)
                   for i in range(args.devices)]
        events = []
        load_started = time.perf_counter()
        for index, thread in enumerate(threads):
            thread.start()
            time.sleep(0.01 if index % 10 else 0.05)
        killed = False
        while any(t.is_alive() for t in threads):
            if not killed and done[0] >= args.kill_after * args.devices:
                killed = True
                at = time.perf_counter() - load_started
                webs[0].kill()
                workers[0].kill()
                events.append(f"{at:.1f}s: SIGKILL web node A and worker 1 "
                              f"({done[0]} of {args.devices} visits done)")
                time.sleep(args.down_seconds)
                webs[0].start()
                workers[0].start()
                events.append(f"{time.perf_counter() - load_started:.1f}s: restarted both")
            time.sleep(0.1)
        load_seconds = time.perf_counter() - load_started
        for event in events:
            print("  " + event)

        # Reports: wait for the workers; a job lost with the killed worker is queued again
        # by report_sweep once it is stale (10 minutes): the bench runs that sweep at once.
        pending = wait_for_reports(app, len(orders), seconds=180)
        requeued = 0
        if pending:
            requeued = sweep_now(app, env_common)
            pending = wait_for_reports(app, len(orders), seconds=180)
        checks = verify(app, phones, orders, queued, bucket, endpoint)
        mutations = sum(queued.values())
        figures = {
            "devices": args.devices, "web_nodes": 2, "workers": 2,
            "web_workers_per_node": args.web_workers,
            "setup": sizes, "events": events, "load_seconds": round(load_seconds, 1),
            "mutations": mutations,
            "mutations_per_second": round(mutations / load_seconds, 1),
            "requests": {kind: {"count": len(v), "p50_ms": round(statistics.median(v), 1),
                                "p95_ms": round(percentile(v, 95), 1)}
                         for kind, v in sorted(stats.latency.items())},
            "errors": dict(stats.errors), "phone_failures": failures[:20],
            "reports_requeued_after_the_kill": requeued,
            "reports_not_ready": pending, **checks,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "note": "2 shared cores, 8 engineers working on the same machine: absolute "
                    "figures are low and noisy; the checks are the point.",
        }
        report("cluster", figures)
        ok = not failures and not pending and checks["lost"] == [] and \
            checks["pdfs_in_bucket"] == checks["reports_ready"]
        print("CLUSTER REHEARSAL " + ("PASSED" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        for process in reversed(processes):
            process.stop()
        for server in started_servers:
            server.stop()


def setup(app, devices: int, signing: Path):
    from server.extensions import db
    from server.reports import signing as report_signing
    from tests import factories
    from tests.sync.phone import Phone

    app.config.update({"REPORT_SIGNING_CERT": str(signing / "cert.pem"),
                       "REPORT_SIGNING_KEY": str(signing / "key.pem"),
                       "REPORT_SIGNING_DEV_CERT": True})
    phones, orders = [], []
    with app.app_context():
        report_signing.ensure_certificate()  # the one certificate every worker shares
        office = factories.make_user("dispatcher")
        for index in range(devices):
            tech = factories.make_technician()
            order = factories.make_order(actor=office)
            factories.walk_to(order, "scheduled", office, tech)
            phones.append(Phone(None, tech, name=f"phone {index}"))
            orders.append(order)
            if index % 50 == 49:
                db.session.commit()
        db.session.commit()
        orders = [_Order(order.id) for order in orders]
        for phone in phones:
            phone.technician = None  # the ORM object is not used off the app context
    return phones, orders, {"technicians": devices, "orders": devices}


class _Order:
    def __init__(self, order_id):
        self.id = order_id


def wait_for_reports(app, expected: int, seconds: float) -> int:
    from sqlalchemy import func, select

    from server.extensions import db
    from server.media.models import Report

    deadline = time.monotonic() + seconds
    with app.app_context():
        while True:
            ready = db.session.scalar(select(func.count()).select_from(Report)
                                      .where(Report.status == "ready"))
            db.session.rollback()
            if ready >= expected or time.monotonic() > deadline:
                return expected - ready
            time.sleep(1)


def sweep_now(app, env: dict) -> int:
    """report_sweep as the periodic job runs it, with 'stale' meaning 'now'."""
    from server.extensions import db
    from server.reports import service

    saved = service.STALE_AFTER
    service.STALE_AFTER = service.STALE_AFTER * 0
    try:
        from huey.storage import RedisStorage

        from server.tasks import huey

        huey.storage = RedisStorage("doorstep", url=env["REDIS_URL"])
        with app.app_context():
            count = service.requeue_stale()
            db.session.commit()
        return count
    finally:
        service.STALE_AFTER = saved


def verify(app, phones, orders, queued, bucket, endpoint) -> dict:
    from sqlalchemy import func, select

    from server.extensions import db
    from server.media.models import Photo, Report, Signature
    from server.media.s3 import S3Storage
    from server.media.storage import key_for, sha256_of
    from server.accounts.models import Device

    lost = []
    for index, phone in enumerate(phones):
        if phone.outbox:
            lost.append(f"phone {index}: {len(phone.outbox)} mutations never acknowledged")
        if phone.rejections:
            lost.append(f"phone {index}: rejected {list(phone.rejections.values())[:2]}")
    store = S3Storage(bucket, "blobs", endpoint_url=endpoint)
    with app.app_context():
        for index, phone in enumerate(phones):
            last = db.session.scalar(select(Device.last_mutation_id)
                                     .where(Device.id == phone.device_id))
            if index in queued and last != queued[index]:
                lost.append(f"phone {index}: server applied up to {last} of {queued[index]}")
        order_ids = [o.id for o in orders]
        photos = db.session.scalar(select(func.count()).select_from(Photo).where(
            Photo.work_order_id.in_(order_ids), Photo.status == "ready"))
        signatures = db.session.scalar(select(func.count()).select_from(Signature).where(
            Signature.work_order_id.in_(order_ids)))
        reports = db.session.execute(select(Report.pdf_sha256).where(
            Report.status == "ready")).scalars().all()
        db.session.rollback()
    if photos != len(orders):
        lost.append(f"{len(orders) - photos} photos not ready")
    if signatures != len(orders):
        lost.append(f"{len(orders) - signatures} signatures missing")
    pdfs = [key for key in store.keys() if key.endswith(".pdf")]
    wrong = [sha for sha in reports if sha256_of(store, key_for(sha, ".pdf")) != sha]
    if wrong:
        lost.append(f"{len(wrong)} report PDFs do not match their hash")
    return {"lost": lost, "photos_ready": photos, "signatures": signatures,
            "reports_ready": len(reports), "pdfs_in_bucket": len(pdfs)}


if __name__ == "__main__":
    sys.exit(main())
