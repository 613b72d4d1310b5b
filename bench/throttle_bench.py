"""Sign-in throttling: what the shared counter costs.

Figures: one counter increment in the database storage (the embedded default), increments
per second from four threads at once on one key (the atomic upsert under contention), and
a failed API sign-in with and without the throttle (Argon2 at its production cost
dominates; the difference is the throttle's cost).

    .venv/bin/python bench/throttle_bench.py                 # SQLite
    DATABASE_URL=postgresql://… .venv/bin/python bench/throttle_bench.py
"""

from __future__ import annotations

import threading
import time

from _world import backend, make_app, report, timed


def main() -> None:
    app = make_app("throttle")
    app.config.update(SIGN_IN_LIMIT_PER_ACCOUNT="1000000/15 minutes",
                      SIGN_IN_LIMIT_PER_ADDRESS="1000000/15 minutes")
    from server.accounts.ratelimit_storage import DatabaseStorage
    from server.extensions import db
    from tests import factories

    figures = {"database": backend(app)}
    with app.app_context():
        engine = db.engine  # the threads below have no app context
        storage = DatabaseStorage(lambda: engine)
        figures["incr_one_key"] = timed(lambda: storage.incr("bench", 900), 500)

        per_thread, threads = 250, 4

        def hammer():
            for _ in range(per_thread):
                storage.incr("contended", 900)

        started = time.perf_counter()
        workers = [threading.Thread(target=hammer) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        assert storage.get("contended") == per_thread * threads
        figures["incr_4_threads_one_key"] = {
            "increments": per_thread * threads,
            "per_second": round(per_thread * threads / elapsed)}

        email = factories.make_user("dispatcher").email
        db.session.commit()

    client = app.test_client()

    def failed_sign_in():
        response = client.post("/api/v1/auth/token",
                               json={"email": email, "password": "wrong password"})
        assert response.status_code == 401, response.get_json()

    for enabled in (False, True):
        app.config["SIGN_IN_THROTTLE"] = enabled
        key = "failed_sign_in_throttled" if enabled else "failed_sign_in_unthrottled"
        figures[key] = timed(failed_sign_in, 30)
    report(f"throttle_{figures['database']}", figures)


if __name__ == "__main__":
    main()
