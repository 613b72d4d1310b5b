"""Brute-force protection: failed sign-ins are counted per account and per address, on the
API and the console alike, in storage that several web workers share.

These tests commit for real (``live``): the counters are written on their own connection,
and two separately built applications stand in for two gunicorn workers.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time

import pytest
from sqlalchemy import create_engine, update

from server import create_app
from server.accounts.models import RateLimitCounter
from server.accounts.ratelimit_storage import DatabaseStorage
from server.extensions import db
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.live


def _worker(app, storage_uri=None):
    """Another web worker: the same database and secret, its own app and connections."""
    worker = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BLOB_DIR": app.config["BLOB_DIR"],
        "WTF_CSRF_ENABLED": False,
        "SIGN_IN_THROTTLE": True,
        "SIGN_IN_LIMIT_PER_ACCOUNT": "3/15 minutes",
        "SIGN_IN_LIMIT_PER_ADDRESS": "6/15 minutes",
        "RATELIMIT_STORAGE_URI": storage_uri,
        "REDIS_URL": None,
    })
    yield worker.test_client()
    with worker.app_context():
        db.engine.dispose()


@pytest.fixture
def worker_a(app):
    yield from _worker(app)


@pytest.fixture
def worker_b(app):
    yield from _worker(app)


def _committed(build):
    try:
        result = build()
        db.session.commit()
        return result
    finally:
        db.session.remove()


@pytest.fixture
def accounts():
    """Two dispatchers' e-mail addresses (committed)."""
    return _committed(lambda: [factories.make_user("dispatcher").email for _ in range(2)])


def token(client, email, password, address="10.1.1.1"):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def console(client, email, password, address="10.1.1.1", lang="en"):
    return client.post(f"/login?lang={lang}", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_two_workers_share_the_count_and_the_right_password_is_refused_after_it(
        worker_a, worker_b, accounts):
    email = accounts[0]
    for n, worker in enumerate((worker_a, worker_b, worker_a)):
        assert token(worker, email, "wrong-guess", address=f"10.0.0.{n}").status_code == 401
    # The fourth attempt, on the other worker and from a new address, is throttled —
    # and so is the right password: guessing it during the lock-out gains nothing.
    refused = token(worker_b, email, PASSWORD, address="10.0.0.9")
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["code"] == 429 and body["reason"] == "too_many_attempts"
    assert set(body) >= {"code", "message", "description", "errors"}
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    # Other accounts are not locked by it.
    assert token(worker_b, accounts[1], PASSWORD, address="10.0.0.9").status_code == 201


def test_the_console_login_counts_with_the_api_and_says_so_in_both_languages(
        worker_a, worker_b, accounts):
    email = accounts[0]
    for _ in range(3):
        assert console(worker_a, email, "wrong-guess").status_code == 422
    english = console(worker_b, email, PASSWORD)
    assert english.status_code == 429 and english.headers["Retry-After"]
    assert "Too many failed sign-in attempts" in english.get_data(as_text=True)
    chinese = console(worker_b, email, PASSWORD, lang="zh")
    assert "登录失败次数过多" in chinese.get_data(as_text=True)
    assert token(worker_a, email, PASSWORD).status_code == 429


def test_one_address_guessing_many_accounts_is_throttled(worker_a, worker_b):
    emails = _committed(lambda: [factories.make_user("dispatcher").email for _ in range(3)])
    for n in range(6):  # two wrong guesses on each account: no account limit is reached
        assert token((worker_a, worker_b)[n % 2], emails[n % 3], "wrong").status_code == 401
    assert token(worker_a, emails[0], PASSWORD).status_code == 429
    # Another address still signs the same account in.
    assert token(worker_a, emails[0], PASSWORD, address="10.9.9.9").status_code == 201


def test_successful_sign_ins_are_not_counted(worker_a, accounts):
    for _ in range(5):
        assert token(worker_a, accounts[0], PASSWORD).status_code == 201


def _storage(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    return engine, DatabaseStorage(lambda: engine)


def test_the_database_counter_is_atomic_across_connections(app):
    engines, errors = [], []

    def hit_many():
        engine, storage = _storage(app)
        engines.append(engine)
        try:
            for _ in range(25):
                storage.incr("race", 60)
        except Exception as problem:  # noqa: BLE001 — reported below
            errors.append(problem)

    threads = [threading.Thread(target=hit_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine, storage = _storage(app)
    assert storage.get("race") == 100
    for each in (*engines, engine):
        each.dispose()


def test_an_ended_window_starts_again_from_zero(app):
    engine, storage = _storage(app)
    assert [storage.incr("window", 60) for _ in range(3)] == [1, 2, 3]
    with engine.begin() as conn:
        conn.execute(update(RateLimitCounter).values(expires_at=0))
    assert storage.get("window") == 0
    assert storage.incr("window", 60) == 1
    assert storage.sweep() == 0 and storage.get_expiry("window") > 0
    engine.dispose()


def test_the_hourly_sweep_deletes_ended_windows_only(app):
    from server.tasks import rate_limit_sweep

    engine, storage = _storage(app)
    storage.incr("ended", 60)
    storage.incr("running", 60)
    with engine.begin() as conn:
        conn.execute(update(RateLimitCounter).where(RateLimitCounter.key == "ended")
                     .values(expires_at=0))
    assert rate_limit_sweep.call_local() == 1
    assert storage.get("running") == 1
    engine.dispose()


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free loopback port, stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_with_redis_two_workers_share_the_count_there(app, redis_url, accounts):
    import redis

    workers = [_worker(app, redis_url) for _ in range(2)]
    first, second = (next(each) for each in workers)
    try:
        for worker in (first, second, first):
            assert token(worker, accounts[0], "wrong-guess").status_code == 401
        assert token(second, accounts[0], PASSWORD).status_code == 429
        keys = redis.Redis.from_url(redis_url).keys("*sign-in*")
        assert keys, "the counters are in Redis"
        assert _committed(lambda: db.session.query(RateLimitCounter).count()) == 0
    finally:
        for each in workers:
            next(each, None)


def test_signing_in_again_while_signed_in_is_counted_without_waiting(worker_a, accounts):
    email = accounts[0]
    assert console(worker_a, email, PASSWORD).status_code == 302
    started = time.monotonic()
    # The signed-in session is loaded first (a read); the counters must not wait for it.
    assert console(worker_a, email, "wrong-guess").status_code == 422
    assert time.monotonic() - started < 4
