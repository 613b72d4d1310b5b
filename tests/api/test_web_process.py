"""The web process as the Procfile starts it: gunicorn with gunicorn.conf.py.

Browsers open connections ahead of time and keep them idle; a worker must go on serving
other requests meanwhile instead of waiting for those sockets until its timeout.
"""

from __future__ import annotations

import http.client
import os
import runpy
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _web_command() -> list[str]:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    argv = shlex.split(line.split(":", 1)[1])
    assert argv[0] == "gunicorn"
    return [str(Path(sys.executable).parent / "gunicorn"), *argv[1:]]


@pytest.fixture
def web(app, tmp_path):
    port = _free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
           "SECRET_KEY": "web-process-test", "BLOB_DIR": str(tmp_path / "blobs")}
    # As a deployment does it: the schema first (every page reads the company's settings).
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "server", "db",
                    "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(tmp_path / "web.log", "w+b")  # a pipe nobody reads would block gunicorn
    process = subprocess.Popen(_web_command(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=log)
    try:
        # gunicorn listens before its worker has loaded the app: wait for a real answer.
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, timeout=10) == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(log.read().decode(errors="replace")[-4000:])
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _get(port: int, path: str = "/login", timeout: float = 20) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_idle_browser_connections_do_not_hold_the_only_worker(web):
    # Chromium preconnects: sockets that send nothing. Keep-alive leaves others idle.
    preconnected = [socket.create_connection(("127.0.0.1", web)) for _ in range(3)]
    kept_alive = http.client.HTTPConnection("127.0.0.1", web, timeout=20)
    kept_alive.request("GET", "/login")
    response = kept_alive.getresponse()
    response.read()
    assert response.status == 200
    try:
        # A sync worker would sit on the first idle socket until its 60 s timeout: these
        # would time out (20 s each, generous for a loaded machine).
        for _ in range(5):
            assert _get(web) == 200
    finally:
        kept_alive.close()
        for sock in preconnected:
            sock.close()


def test_a_worker_hides_the_loaded_app_from_the_garbage_collector():
    """gunicorn.conf.py freezes what a worker holds once it has loaded the app, so a
    collection of the oldest generation no longer stops the worker's every request for
    130-170 ms (bench/gc_pause_bench.py)."""
    import gc
    import runpy

    config = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        config["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("url, threads", [
    (None, 4), ("sqlite:////srv/doorstep/doorstep.db", 4),
    ("postgresql://doorstep@db/doorstep", 8)])
def test_the_web_process_has_two_workers_of_4_threads_on_sqlite_and_8_on_postgresql(
        monkeypatch, url, threads):
    """On SQLite writes take one turn at a time, and two processes of 4 threads served
    pushes fastest (docs/operations.md); PostgreSQL keeps 8. An explicit setting wins."""
    for name in ("DATABASE_URL", "WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    if url:
        monkeypatch.setenv("DATABASE_URL", url)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (settings["workers"], settings["threads"]) == (2, threads)
    assert settings["worker_class"] == "server.web_worker.ArrivalThreadWorker"
    monkeypatch.setenv("GUNICORN_THREADS", "6")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["threads"] == 6
