"""gunicorn's gthread worker, telling the app when each request became ready to read.

A gthread worker serves a connection's request in one of its ``GUNICORN_THREADS``
threads; a request that arrives while they are all busy waits in the worker's queue
first. For the SQLite writer turn a request's place is when it arrived
(``server.database.WriterQueue``), and that queue is part of its wait: this worker
notes the moment a connection was handed to the thread pool (a new connection, or a
kept-alive one with a request to read), and the request that thread then serves takes
its place in the writer queue from that moment (``database.note_ready``).
"""

from __future__ import annotations

import time

from gunicorn.workers.gthread import ThreadWorker

from . import database


class ArrivalThreadWorker(ThreadWorker):
    def enqueue_req(self, conn):
        conn.doorstep_ready_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        database.note_ready(getattr(conn, "doorstep_ready_at", None))
        try:
            return super().handle(conn)
        finally:
            database.note_ready(None)
