"""Many phones pushing at once (issue 17, push over HTTP; server/database.py).

On SQLite the threads of a process take turns at the one write lock first come, first
served (``WriterQueue``), and processes take turns through a lock file; the token and the
body are checked before a request waits for its turn. Nothing of this may change an
outcome: every batch applies once, in order, and nothing is lost.
"""

import math
import os
import subprocess
import sys
import threading
import time
import types
import uuid
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from server import database
from server.accounts.models import Device
from server.accounts.service import issue_device_token
from server.extensions import db
from server.workorders.models import WorkOrderNote
from tests import factories

pytestmark = pytest.mark.live

PHONES, BATCHES, BATCH = 8, 4, 5


def _plain_client(app) -> FlaskClient:
    """A client as a phone is: no test session to commit first. (``app.test_client()``
    gives the suite's CommittingClient once any test has used the ``client`` fixture, and
    that one commits the test's own session, which a phone's thread has not got.)"""
    return FlaskClient(app, app.response_class)


def _note(order_id, mutation_id: int) -> dict:
    return {"id": mutation_id, "name": "add_note", "version": 1,
            "args": {"order_id": str(order_id), "note_id": str(uuid.uuid4()),
                     "body": f"note {mutation_id}", "device_time": "2026-11-23T09:00:00Z"}}


@pytest.fixture
def phones(app):
    office = factories.make_user("dispatcher")
    phones = []
    for _ in range(PHONES):
        tech = factories.make_technician()
        order = factories.make_order(actor=office)
        factories.walk_to(order, "scheduled", office, tech)
        device, token = issue_device_token(tech.user, "phone", timedelta(days=1))
        phones.append({"token": token, "order": order.id, "device": device.id})
    db.session.commit()
    # The commit's after-commit jobs (run in-process in tests) may leave a transaction
    # open on this thread's session, holding the write lock the phones need.
    db.session.remove()
    return phones


def test_phones_pushing_at_once_all_apply_in_order_and_nothing_is_lost(app, phones):
    answers: list[tuple[int, dict]] = []
    start = threading.Barrier(PHONES)

    def phone(p):
        client = _plain_client(app)
        start.wait()
        for b in range(BATCHES):
            mutations = [_note(p["order"], b * BATCH + i + 1) for i in range(BATCH)]
            response = client.post("/api/v1/sync/push", json={
                "protocol": 2, "mutations": mutations},
                headers={"Authorization": f"Bearer {p['token']}"})
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=phone, args=(p,)) for p in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [status for status, _ in answers] == [200] * PHONES * BATCHES
    assert all(r["status"] == "applied" for _, body in answers for r in body["results"])
    db.session.remove()
    for p in phones:
        assert db.session.get(Device, p["device"]).last_mutation_id == BATCHES * BATCH
        bodies = db.session.scalars(select(WorkOrderNote.body)
                                    .where(WorkOrderNote.work_order_id == p["order"])).all()
        assert sorted(bodies) == sorted(f"note {n}" for n in range(1, BATCHES * BATCH + 1))
    assert db.session.scalar(select(func.count()).select_from(WorkOrderNote)) == \
        PHONES * BATCHES * BATCH


@pytest.fixture
def writer_held(app):
    """Another thread holds an open write transaction (on SQLite: the write lock) until
    the test sets the returned event."""
    held, done = threading.Event(), threading.Event()
    engine = db.engine

    def writer():
        with engine.connect() as conn:
            conn.execute(text("UPDATE sync_counter SET value = value WHERE id = 1"))
            held.set()
            done.wait(30)
            conn.rollback()

    thread = threading.Thread(target=writer)
    thread.start()
    assert held.wait(10)
    yield done
    done.set()
    thread.join(10)


def test_a_bad_token_or_a_bad_body_is_answered_while_another_request_writes(
        app, phones, writer_held):
    client = _plain_client(app)
    refused = client.post("/api/v1/sync/push", json={"protocol": 2, "mutations": []},
                          headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401 and refused.get_json()["reason"] == "token_unknown"
    invalid = client.post("/api/v1/sync/push", json={"protocol": 2, "mutations": "x"},
                          headers={"Authorization": f"Bearer {phones[0]['token']}"})
    assert invalid.status_code == 422
    assert "mutations" in invalid.get_json()["errors"]["json"]
    writer_held.set()
    # Once the writer is gone the same phone's push applies (its token was not used up).
    ok = client.post("/api/v1/sync/push", json={
        "protocol": 2, "mutations": [_note(phones[0]["order"], 1)]},
        headers={"Authorization": f"Bearer {phones[0]['token']}"})
    assert ok.status_code == 200 and ok.get_json()["results"][0]["status"] == "applied"


def test_a_push_reads_the_technician_and_the_settings_before_its_write_turn(app, phones):
    """Every other writer waits while a push holds the write turn (SQLite: BEGIN IMMEDIATE
    to COMMIT; PostgreSQL: the change-feed counter's row lock, taken at its first write).
    The technician row and the company's settings (the KPI rollup's calendar, needed at
    commit) are read with the token instead, before the turn begins."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    answers = []

    def phone():  # a thread of its own, as a web thread is: nothing read before it
        answers.append(_plain_client(app).post("/api/v1/sync/push", json={
            "protocol": 2, "mutations": [_note(phones[0]["order"], 1)]},
            headers={"Authorization": f"Bearer {phones[0]['token']}"}))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        thread = threading.Thread(target=phone)
        thread.start()
        thread.join(30)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert answers[0].status_code == 200
    assert answers[0].get_json()["results"][0]["status"] == "applied"
    turn = next(i for i, statement in enumerate(seen)
                if statement == "BEGIN IMMEDIATE" or statement.startswith("UPDATE sync_counter"))

    def reads(statements, table):
        return [s for s in statements if s.startswith("SELECT") and f" FROM {table} " in f"{s} "]

    assert reads(seen[turn:], "technicians") == [] and reads(seen[turn:], "settings") == []
    # Both are still read (who pushes is checked; the rollup has its calendar), before it.
    assert reads(seen[:turn], "technicians") and reads(seen[:turn], "settings")


def test_a_refused_push_leaves_no_place_in_the_writer_queue_to_the_next_request(
        app, phones):
    """A push keeps its place in the writer queue from its arrival until its first write;
    one refused before writing must not hand that old place to whatever request this
    thread serves next (it would go ahead of everyone who arrived meanwhile)."""
    client = _plain_client(app)
    invalid = client.post("/api/v1/sync/push", json={"protocol": 2, "mutations": "x"},
                          headers={"Authorization": f"Bearer {phones[0]['token']}"})
    assert invalid.status_code == 422
    before = time.monotonic()
    assert database._arrival() >= before  # now, not the refused push's arrival


def test_a_push_that_waits_too_long_for_its_turn_is_refused_busy_and_stores_nothing(
        app, phones, writer_held, monkeypatch):
    if db.engine.dialect.name != "sqlite":
        # PostgreSQL has no database-wide write lock: the push does not wait at all.
        writer_held.set()
    monkeypatch.setattr(database, "WRITER_WAIT_SECONDS", 0.2)
    client = _plain_client(app)
    response = client.post("/api/v1/sync/push", json={
        "protocol": 2, "mutations": [_note(phones[0]["order"], 1)]},
        headers={"Authorization": f"Bearer {phones[0]['token']}"})
    if db.engine.dialect.name != "sqlite":
        assert response.status_code == 200
        return
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert "busy" in response.get_json()["description"]
    writer_held.set()
    db.session.remove()
    assert db.session.get(Device, phones[0]["device"]).last_mutation_id == 0
    assert db.session.scalar(select(func.count()).select_from(WorkOrderNote)) == 0


def test_threads_take_their_turn_in_the_order_they_asked():
    queue = database.WriterQueue()
    assert queue.acquire(1)
    order, started = [], []

    def waiter(name):
        started.append(name)
        assert queue.acquire(5)
        order.append(name)
        queue.release()

    threads = []
    for name in "abcd":
        threads.append(threading.Thread(target=waiter, args=(name,)))
        threads[-1].start()
        while queue.waiting < len(threads):  # each is queued before the next asks
            threading.Event().wait(0.001)
    queue.release()
    for thread in threads:
        thread.join(5)
    assert order == ["a", "b", "c", "d"]


def test_a_thread_that_gives_up_waiting_leaves_the_queue_and_the_next_one_goes():
    queue = database.WriterQueue()
    assert queue.acquire(1)
    assert queue.acquire(1)  # the owner may take it again (a second connection)
    outcome = []
    impatient = threading.Thread(target=lambda: outcome.append(queue.acquire(0.05)))
    impatient.start()
    impatient.join(5)
    assert outcome == [False] and queue.waiting == 0
    queue.release()
    queue.release()
    assert queue.acquire(0.05)  # free again: nobody was left holding it
    queue.release()


HOLDER = """
import sys
from server.database import WriterQueue
queue = WriterQueue(sys.argv[1])
assert queue.acquire(5)
print("holding", flush=True)
sys.stdin.readline()
queue.release()
print("let go", flush=True)
"""


def _wait_for_another_process(queue: database.WriterQueue, path: str) -> None:
    """Take ``queue``'s turn while another process holds it: this process then competes."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        took = []
        taker = threading.Thread(target=lambda: took.append(queue.acquire(10)))
        taker.start()
        deadline = time.monotonic() + 10
        while not queue._files._wanted:  # until it waits for the other process
            assert time.monotonic() < deadline, "never asked for the turn"
            time.sleep(0.005)
        holder.stdin.write("go\n")
        holder.stdin.flush()
        taker.join(10)
        assert took == [True]
        assert holder.stdout.readline().strip() == "let go"
    finally:
        holder.kill()
        holder.wait(5)
    queue.release()


def _served_while_let_go_together(queue: database.WriterQueue) -> list[str]:
    """Two pushes arrive while their process writes; the one that arrived first reads its
    body for longer, so the later one asks for the turn first. The order they are served."""
    assert queue.acquire(1)  # this process is writing
    order, arrived = [], {"first": threading.Event(), "second": threading.Event()}

    def push(name, reading_for):
        queue.wait_while_writing(5)  # arrives while its process writes
        arrived[name].set()
        time.sleep(reading_for)  # checks its token, reads its body
        assert queue.acquire(5)
        order.append(name)
        queue.release()

    def next_writer():  # takes the turn once both are let go; writes while they queue
        for event in arrived.values():
            assert event.wait(5)
        assert queue.acquire(5)
        deadline = time.monotonic() + 5
        while queue.waiting < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        queue.release()

    early = threading.Thread(target=push, args=("first", 0.4))
    early.start()
    time.sleep(0.05)
    late = threading.Thread(target=push, args=("second", 0.2))  # asks first
    late.start()
    time.sleep(0.05)
    writer = threading.Thread(target=next_writer)
    writer.start()
    queue.release()
    for thread in (writer, early, late):
        thread.join(5)
    return order


def test_while_processes_compete_requests_take_their_turn_in_the_order_they_arrived(
        tmp_path, monkeypatch):
    """Pushes let go together when their process stops writing reach the queue in whatever
    order they finish reading their bodies; while another process competes for the turn,
    each still goes in the order it arrived in, so a phone served first is not served last
    the next time round."""
    monkeypatch.setattr(database._FileTurn, "COMPETITION_SECONDS", 60.0)  # a slow machine
    path = str(tmp_path / "doorstep.db")
    queue = database.WriterQueue(path)
    assert not queue._files.competing
    _wait_for_another_process(queue, path)
    assert queue._files.competing
    assert _served_while_let_go_together(queue) == ["first", "second"]


def test_a_process_alone_serves_its_requests_in_the_order_they_asked(tmp_path):
    """With no other process wanting the turn, it serves them in the order they ask: by
    arrival cost one process about 5 % of its pushes per second (server/database.py)."""
    queue = database.WriterQueue(str(tmp_path / "doorstep.db"))
    assert _served_while_let_go_together(queue) == ["second", "first"]
    assert not queue._files.competing


def test_a_request_that_waited_for_a_web_thread_keeps_its_place_from_when_it_was_ready(
        monkeypatch):
    """A gthread worker with all its threads busy queues the next request; the writer
    queue places that request from when its connection was handed to the thread pool
    (``server.web_worker``), not from when a thread got round to it, so a web process
    holding more phones than threads does not push its phones behind the other's."""
    from gunicorn.workers.gthread import ThreadWorker

    from server.web_worker import ArrivalThreadWorker

    worker = ArrivalThreadWorker.__new__(ArrivalThreadWorker)  # its two methods alone
    served = []

    def serve(_self, _conn):  # what the request does first (server.register_request_hooks)
        queue = database.WriterQueue()
        queue.wait_while_writing(1)
        served.append(database._arrival())

    monkeypatch.setattr(ThreadWorker, "enqueue_req", lambda _self, _conn: None)
    monkeypatch.setattr(ThreadWorker, "handle", serve)
    conn = types.SimpleNamespace()
    ready = time.monotonic()
    worker.enqueue_req(conn)
    time.sleep(0.2)  # every thread was busy
    worker.handle(conn)
    assert ready <= served[0] < ready + 0.1
    assert database._ready_at.get() is None  # the next request says when it was ready
    assert database._arrival() >= ready + 0.2  # one with no such note: when it asks


def test_a_push_starts_its_work_only_once_its_own_process_has_let_the_turn_go(tmp_path):
    """A push arriving while its process writes waits before checking its token and body
    (the process's threads share one interpreter lock, and the writer's turn is what every
    other writer waits for); it starts as soon as the process lets the turn go, never waits
    longer than its timeout, and never for its own thread's turn."""
    queue = database.WriterQueue(str(tmp_path / "doorstep.db"))
    assert queue.acquire(1)  # this process is writing
    started = []
    push = threading.Thread(target=lambda: (queue.wait_while_writing(5),
                                            started.append(time.monotonic())))
    push.start()
    push.join(0.2)
    assert not started  # still waiting for the writer
    let_go = time.monotonic()
    queue.release()
    push.join(5)
    assert started and started[0] >= let_go

    began = time.monotonic()
    queue.wait_while_writing(5)  # nobody writing: at once
    assert time.monotonic() - began < 0.5
    assert queue.acquire(1)
    queue.wait_while_writing(5)  # the writer itself (a request inside its transaction)
    assert time.monotonic() - began < 0.5
    waited = []
    impatient = threading.Thread(target=lambda: (
        start := time.monotonic(), queue.wait_while_writing(0.1),
        waited.append(time.monotonic() - start)))
    impatient.start()
    impatient.join(5)
    assert waited and 0.1 <= waited[0] < 2  # a writer that takes too long is not waited for
    queue.release()


CHILD = """
import sys, time
from server.database import WriterQueue
queue = WriterQueue(sys.argv[1])
print("busy" if not queue.acquire(0.2) else "took it while held", flush=True)
sys.stdin.readline()  # the parent has let go
print("got it" if queue.acquire(10) else "still waiting", flush=True)
queue.release()
"""


def test_another_process_waits_for_the_turn_and_gets_it_when_it_is_let_go(tmp_path):
    path = str(tmp_path / "doorstep.db")
    mine = database.WriterQueue(path)
    assert mine.acquire(1)
    child = subprocess.Popen([sys.executable, "-c", CHILD, path], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "busy"
        mine.release()
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "got it"
    finally:
        child.wait(10)
    assert mine.acquire(1)  # and back again once the child is done
    mine.release()


FAIR_CHILD = """
import sys, threading, time
from server.database import WriterQueue
queue = WriterQueue(sys.argv[1])
threads, start = int(sys.argv[2]), float(sys.argv[3])
turns = [0] * threads
def writer(i):
    time.sleep(max(0.0, start - time.time()))
    while time.time() < start + 1.5:
        assert queue.acquire(10)
        time.sleep(0.003)  # the work done in the turn
        turns[i] += 1
        queue.release()
workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print(" ".join(map(str, turns)), flush=True)
"""


def test_every_writer_gets_about_as_many_turns_whichever_process_it_is_in(tmp_path):
    """Two web processes, one with three requests waiting to write and one with a single
    one (gunicorn hands connections to whichever process accepts first, so 17 phones on
    one and 3 on the other happens). Each request gets about as many turns: a process
    keeps the turn while its next writer has waited longer than the other's, then lets
    the other one in. Taking turns one thread per process instead gave the lone writer
    three times as many."""
    path = str(tmp_path / "doorstep.db")
    start = time.time() + 1.0  # both children loaded and waiting before it
    children = [subprocess.Popen([sys.executable, "-c", FAIR_CHILD, path, str(threads),
                                  str(start)], stdout=subprocess.PIPE, text=True)
                for threads in (3, 1)]
    turns = [int(n) for child in children for n in child.communicate(timeout=30)[0].split()]
    assert len(turns) == 4 and min(turns) > 0
    assert max(turns) <= 1.6 * min(turns), turns


OTHER_WRITER = """
import sys
from server.database import WriterQueue
queue = WriterQueue(sys.argv[1])
print("asking", flush=True)
assert queue.acquire(10)
print("got it", flush=True)
sys.stdin.readline()  # the parent has seen it
queue.release()
"""


def _served_once_let_go(queue: database.WriterQueue, path: str, other_asks_first: bool,
                        before_letting_go=lambda: None) -> list[str]:
    """While this process writes, a writer of its own and one of another process
    (``OTHER_WRITER``) ask for the turn, in the order given; ``before_letting_go`` runs
    once both wait, then this process lets go. Whose writer is served first, then next."""
    assert queue.acquire(1)  # this process is writing
    order, other = [], None

    def own_writer():
        assert queue.acquire(10)
        order.append("this process's")
        queue.release()

    mine = threading.Thread(target=own_writer)
    deadline = time.monotonic() + 10

    def own_asks():
        mine.start()
        while queue.waiting < 1:
            assert time.monotonic() < deadline, "this process's writer never queued"
            time.sleep(0.005)

    def other_asks():
        nonlocal other
        other = subprocess.Popen([sys.executable, "-c", OTHER_WRITER, path],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert other.stdout.readline().strip() == "asking"
        while not queue._files.waited_for_since(math.inf):  # it waits for the turn
            assert time.monotonic() < deadline, "the other process never queued"
            time.sleep(0.005)

    try:
        for ask in ((other_asks, own_asks) if other_asks_first else (own_asks, other_asks)):
            ask()
        before_letting_go()
        queue.release()
        assert other.stdout.readline().strip() == "got it"
        order.append("the other process's")  # while it holds the turn
        other.stdin.write("done\n")
        other.stdin.flush()
        mine.join(10)
    finally:
        if other is not None:
            other.kill()
            other.wait(5)
    return order


def test_the_turn_goes_to_the_process_whose_writer_has_waited_longest(tmp_path):
    """A process holding the turn does not keep it for a writer of its own that asked
    after another process's: requests are served in the order they came, whichever web
    process took their connection (before, a process kept the turn for every writer
    already queued in it, and one phone's median wait could be 50 ms, another's 230)."""
    path = str(tmp_path / "doorstep.db")
    queue = database.WriterQueue(path)
    assert _served_once_let_go(queue, path, other_asks_first=True) == [
        "the other process's", "this process's"]


SILENT_CHILD = """
import sys
from server.database import WriterQueue
queue = WriterQueue(sys.argv[1])
queue._files.publish = lambda head: None  # as a process with no slot in the heads file
print("asking", flush=True)
assert queue.acquire(10)
print("got it", flush=True)
sys.stdin.readline()
queue.release()
"""


def test_a_process_keeps_the_turn_only_so_long_while_another_waits_unseen(tmp_path):
    """A waiting process the heads file says nothing of (all its slots taken) still gets
    the turn: the holder passes it to its own threads at most ``KEEP_LIMIT`` times in a
    row while another process waits."""
    path = str(tmp_path / "doorstep.db")
    queue = database.WriterQueue(path)
    assert queue.acquire(1)
    served = []

    def local_writer(i):
        assert queue.acquire(20)
        served.append(i)
        queue.release()

    local = [threading.Thread(target=local_writer, args=(i,)) for i in range(30)]
    for thread in local:
        thread.start()
    child = subprocess.Popen([sys.executable, "-c", SILENT_CHILD, path],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "asking"
        deadline = time.monotonic() + 10
        while queue.waiting < 30 or not queue._files.another_waits():
            assert time.monotonic() < deadline, "not everyone queued"
            time.sleep(0.005)
        queue.release()
        assert child.stdout.readline().strip() == "got it"
        assert len(served) == database.WriterQueue.KEEP_LIMIT  # then it let the child in
        child.stdin.write("done\n")
        child.stdin.flush()
        for thread in local:
            thread.join(20)
    finally:
        child.kill()
        child.wait(5)
    assert sorted(served) == list(range(30))


def test_a_process_killed_while_waiting_does_not_hold_up_the_order(tmp_path):
    """A process killed while it waited leaves its head in its slot. The holder passes it
    over: a writer of its own that asked before a living process's still goes first."""
    path = str(tmp_path / "doorstep.db")
    queue = database.WriterQueue(path)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)

    def killed_while_waiting():
        # Its slot, there since before both asked (written once the other process has
        # claimed its own slot, which could have been this one).
        slot = next(i for i, pid in enumerate(queue._files._pids) if pid == 0)
        queue._files._pids[slot] = int(gone.stdout)
        queue._files._heads[slot] = time.monotonic() - 60.0

    assert _served_once_let_go(queue, path, other_asks_first=False,
                               before_letting_go=killed_while_waiting) == [
        "this process's", "the other process's"]


def test_a_process_that_ends_gives_its_place_in_the_heads_file_to_the_next(tmp_path):
    """Each process using the database has a slot in ``<database>-writer.heads``; one that
    has ended (or was killed) leaves its slot to the next process, so restarts of the web
    workers never run out of slots."""
    path = str(tmp_path / "doorstep.db")
    for _ in range(3):
        subprocess.run([sys.executable, "-c", "import sys\nfrom server.database import "
                        "WriterQueue\nWriterQueue(sys.argv[1])", path], check=True, timeout=30)
    queue = database.WriterQueue(path)
    assert queue._files._slot == 0  # the first slot, whose process has ended
    assert queue._files._pids[0] == os.getpid()
    assert not queue._files.waited_for_since(float("inf"))  # nobody else waits


def test_queued_sqlite_connections_keep_wal_foreign_keys_and_the_busy_timeout(tmp_path):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'settings.db'}")
    with engine.connect() as conn:
        assert isinstance(conn.connection.dbapi_connection, database._QueuedConnection)
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert (pragma("journal_mode"), pragma("foreign_keys"), pragma("busy_timeout"),
                pragma("synchronous")) == ("wal", 1, 5000, 1)
    engine.dispose()


def test_the_wal_is_checkpointed_after_the_writer_lets_its_turn_go_and_stays_short(
        tmp_path, monkeypatch):
    """SQLite's own checkpoint ran inside the COMMIT that crossed 1,000 pages, while that
    writer held the turn. Queued connections leave it off and checkpoint right after the
    commit has let the turn go, about as often, so the WAL still stays short."""
    from sqlalchemy import create_engine

    path = tmp_path / "wal.db"
    engine = create_engine(f"sqlite:///{path}")
    queue = database.writer_queue(str(path))
    checkpoints = []
    real = database.WriterQueue.checkpoint_now_and_then

    def watched(self, connection):
        checkpoints.append(self._owner)  # who holds the turn as it runs
        return real(self, connection)

    monkeypatch.setattr(database.WriterQueue, "checkpoint_now_and_then", watched)
    wal_pages = []
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
        conn.commit()
        for _ in range(300):  # about 9 pages a commit: 2,700 pages in all
            conn.exec_driver_sql("INSERT INTO t (body) VALUES (randomblob(3000))"
                                 + ", (randomblob(3000))" * 9)
            conn.commit()
            wal_pages.append(path.with_name("wal.db-wal").stat().st_size // 4096)
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    engine.dispose()
    assert len(checkpoints) == 301 and set(checkpoints) == {None}  # every commit, turn free
    assert queue.waiting == 0
    # The file keeps its largest size; without the checkpoints it would hold all 2,700.
    assert max(wal_pages) < 2 * database.WriterQueue.CHECKPOINT_PAGES
