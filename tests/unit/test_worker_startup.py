"""The job worker builds its Flask app once, even when its threads start jobs together."""

from __future__ import annotations

import threading

import pytest

from server import tasks


@pytest.fixture
def fresh_worker_app(app, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SECRET_KEY", "worker-test-secret")
    tasks._built_app.cache_clear()
    yield
    tasks._built_app.cache_clear()


def test_two_worker_threads_starting_at_once_build_one_app(fresh_worker_app):
    barrier, apps, errors = threading.Barrier(4), [], []

    def start_job():
        barrier.wait()
        try:
            apps.append(tasks._worker_app())
        except Exception as problem:  # noqa: BLE001 — the failure this test is about
            errors.append(problem)

    threads = [threading.Thread(target=start_job) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(apps) == 4 and all(each is apps[0] for each in apps)
    assert "api-docs" in apps[0].blueprints
