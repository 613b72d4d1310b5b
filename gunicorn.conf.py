"""gunicorn settings for the web process (the Procfile's ``web``), read from the environment.

Why threads: the console is used from browsers and the app from phones on slow networks.
A browser keeps idle connections open (and a phone on a bad network sends a request
slowly); gunicorn's default *sync* worker is held by such a connection until ``timeout``
kills it ("WORKER TIMEOUT"), so two sync workers could stall the console for 30 s. A
``gthread`` worker waits for idle keep-alive connections in its event loop, not in a
thread, and serves ``GUNICORN_THREADS`` requests at once; its heartbeat comes from that
loop, so only a request that really runs too long is killed.

On SQLite every write takes the database's one write lock in turn (server/database.py:
requests queue first come, first served, across threads and processes), so more workers
hardly write faster (docs/operations.md, "SQLite: one writer at a time"). The worker is
gthread's own with one addition (server/web_worker.py): it notes when each request was
ready to read, so a request that waited for a free thread keeps its place in that queue.
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "server.web_worker.ArrivalThreadWorker"
# SQLite (the embedded default, as in server/config.py) takes writes one at a time: two
# processes of 4 threads served 20 phones' whole-visit pushes fastest, 8 threads each
# about 6 % slower (docs/operations.md, "SQLite: one writer at a time"). PostgreSQL: 8.
_on_sqlite = (os.environ.get("DATABASE_URL") or "sqlite:").startswith("sqlite")
threads = int(os.environ.get("GUNICORN_THREADS", "4" if _on_sqlite else "8"))
# A request that takes longer than this is a bug (slow work goes to the queue): restart
# the worker. Idle connections never count against it with gthread.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# How long an idle keep-alive connection is kept: long enough for a page's assets and
# htmx polls to reuse it, short enough not to pile up sockets.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# SIGTERM lets running requests (an upload on a slow phone) finish for this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Recycle workers now and then so a slow leak never grows for weeks; jitter keeps them
# from all restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
# gunicorn 27's control socket (~/.gunicorn/gunicorn.ctl) would be fought over by several
# instances on one machine.
control_socket_disable = True


def post_worker_init(worker):
    """Once the worker has loaded the app, move everything it holds (modules, mappers,
    compiled statements) out of the garbage collector's sight. Otherwise each collection
    of the oldest generation walks those ~300,000 objects: a pause of 130-170 ms, which
    holds every request of the process, a writer's turn included
    (bench/gc_pause_bench.py: 130-170 ms without it, under 2 ms with it)."""
    import gc

    gc.freeze()
