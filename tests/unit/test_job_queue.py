"""The SQLite job queue (no REDIS_URL): what the web process queues, the consumer finds,
and queuing a job does not wait for an fsync (server.tasks.QueueStorage)."""

from __future__ import annotations

from server import tasks


def test_a_queued_job_reaches_another_connection_without_an_fsync_per_job(
        monkeypatch, tmp_path):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("HUEY_SQLITE_PATH", str(tmp_path / "queue.db"))
    web, consumer = tasks.make_huey(), tasks.make_huey()  # two processes, one file

    def render(report_id):
        return report_id

    queue = web.task(name="render")(render)
    consumer.task(name="render")(render)  # the consumer imports the same tasks
    queue("r-1")
    storage = web.storage
    assert storage.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # NORMAL (1), as the database: FULL (2, huey's default) fsyncs the file on every job.
    assert storage.conn.execute("PRAGMA synchronous").fetchone()[0] == 1

    assert consumer.pending_count() == 1
    job = consumer.dequeue()
    assert job is not None and job.args == ("r-1",)
    assert consumer.pending_count() == 0
