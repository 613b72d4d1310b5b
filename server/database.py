"""Column types and engine settings shared by every model.

SQLite is the embedded default: every connection runs in WAL mode with foreign keys on,
and every transaction starts with ``BEGIN IMMEDIATE`` so that two writers never both read
and then fail to upgrade their lock (SQLite's "database is locked" on commit). PostgreSQL
needs none of this.

SQLite has one write lock per database file, and a connection that finds it taken polls
for it (the busy handler sleeps 1, 2, 5 … up to 100 ms between tries, so a waiter can
sleep through many turns and wait seconds). The threads of one process therefore queue
for it first, in arrival order (``WriterQueue``): a thread only issues ``BEGIN IMMEDIATE``
when it is its turn, and the thread that commits hands the turn straight to the next one.
Processes (a second web worker, the job consumer, a command) take turns through lock files
next to the database (``_FileTurn``), in the order their writers arrived; only programs
outside Doorstep (the ``sqlite3`` shell, a backup tool) still meet it at the busy handler.

``reading()`` is the one exception to ``BEGIN IMMEDIATE``: a transaction begun inside it
is a plain deferred ``BEGIN``, which in WAL mode reads a snapshot without taking or
waiting for the write lock. Use it only for a transaction that reads and ends
(``end_read``) before anything is written: a deferred transaction that later writes can
fail at once with "database is locked" when another writer committed in between.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import heapq
import itertools
import logging
import math
import mmap
import os
import sqlite3
import struct
import threading
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Engine, MetaData, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Named constraints so Alembic migrations are reproducible on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every model. Free of Flask so ``sync/`` can use it."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Syncable:
    """A table devices replicate: ``sync_pos`` is the change-feed position of its last write.

    Set by the sync engine on every insert or update (``sync.positions``), never by hand.
    """

    sync_pos: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0", index=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    SQLite stores no offset, so values are normalised to UTC on the way in and marked as
    UTC on the way out; naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# How writers take turns at a SQLite file (DOORSTEP_SQLITE_WRITERS): "queue" (the
# default: threads queue in the process, processes through the lock file), "process"
# (threads queue, processes meet at SQLite's busy handler), "busy" (SQLite's busy handler
# only, as before the queue). For measuring (bench/sync_push_http_bench.py) and as a way
# back; the outcomes are the same in every mode.
WRITERS = os.environ.get("DOORSTEP_SQLITE_WRITERS", "queue")
# How long a thread waits for its turn at a SQLite file's write lock before the request
# is refused as busy (503), like SQLite's own busy_timeout below.
WRITER_WAIT_SECONDS = 5.0


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (0: a slot nobody has claimed)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: alive
        return True
    return True


class _FileTurn:
    """The turn among processes: an exclusive ``flock`` on ``<database>-writer.lock``.

    A process that wants the turn while another holds it queues for it through a second
    file, ``<database>-writer.wait``: it holds that file while it waits for the turn and
    lets go of it once the turn is its own. A process that has just let the turn go finds
    the waiting file taken and queues behind the waiter instead of taking the turn
    straight back (the kernel would let whichever process asks first have it; the one
    that just let go is running, the waiter still has to be woken), so processes that
    both want it alternate.

    Each process also says, in a third file shared by all of them
    (``<database>-writer.heads``, mapped into memory), when its longest-waiting writer
    arrived (``publish``); the process holding the turn keeps it for its next writer only
    while no other process has one waiting since earlier (``waited_for_since``). That is
    only an order: the turn itself is always the ``flock``.

    A blocked ``flock`` cannot time out, so a helper thread waits in it on behalf of the
    thread at the head of this process's queue, which itself waits at most its timeout.
    A process that ends (or is killed) loses its locks with it.
    """

    # How long after this process last found another one holding or waiting for the turn
    # it still counts as competing (``competing``).
    COMPETITION_SECONDS = 1.0
    # Slots in the heads file: one per process using the database, a dead one's reused.
    SLOTS = 128

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._wait_fd = os.open(path.removesuffix(".lock") + ".wait",
                                os.O_RDWR | os.O_CREAT, 0o600)
        self._pids, self._heads, self._slot = self._claim_slot(
            path.removesuffix(".lock") + ".heads")
        self._cond = threading.Condition(threading.Lock())
        self._wanted = self._held = False
        self._competed_at = float("-inf")
        threading.Thread(target=self._take_turns, name="doorstep-sqlite-writer",
                         daemon=True).start()

    def _claim_slot(self, path: str):
        """The heads file mapped (process ids, then heads: when each one's longest-waiting
        writer arrived, infinity for none) and this process's slot in it (None when all
        are taken by living processes: it then says nothing and still reads the others)."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        size = 16 * self.SLOTS
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one process claims a slot at a time
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)
                os.pwrite(fd, struct.pack(f"{self.SLOTS}q{self.SLOTS}d", *[0] * self.SLOTS,
                                          *[math.inf] * self.SLOTS), 0)
            shared = mmap.mmap(fd, size)
            pids = memoryview(shared)[:8 * self.SLOTS].cast("q")
            heads = memoryview(shared)[8 * self.SLOTS:].cast("d")
            slot = next((i for i, pid in enumerate(pids) if not _alive(pid)), None)
            if slot is not None:
                pids[slot], heads[slot] = os.getpid(), math.inf
            return pids, heads, slot
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)  # the mapping keeps a copy of the descriptor
            os.close(fd)

    def publish(self, head: float) -> None:
        """When this process's longest-waiting writer arrived (infinity: none waits), by
        ``time.monotonic()``: one clock for every process on the machine."""
        if self._slot is not None:
            self._heads[self._slot] = head

    def waited_for_since(self, place: float) -> bool:
        """Whether another process has had a writer waiting since before ``place``: a
        living process published an older head, and a process is really waiting for the
        turn (holds the waiting file). A process killed while it waited leaves its head
        in its slot until the slot is reused; it is passed over."""
        heads = self._heads.tolist()
        if self._slot is not None:
            heads[self._slot] = math.inf
        oldest = min(heads)
        while oldest < place:
            slot = heads.index(oldest)
            if _alive(self._pids[slot]):
                return self.another_waits()
            heads[slot] = math.inf
            oldest = min(heads)
        return False

    def another_waits(self) -> bool:
        """Whether another process is waiting for the turn now (it holds the waiting file)."""
        try:
            fcntl.flock(self._wait_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._wait_fd, fcntl.LOCK_UN)
        return False

    def _take_turns(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._wanted and not self._held)
            fcntl.flock(self._wait_fd, fcntl.LOCK_EX)  # next in line among processes
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            fcntl.flock(self._wait_fd, fcntl.LOCK_UN)
            with self._cond:
                if self._wanted:
                    self._held = True
                    self._cond.notify_all()
                    continue
            fcntl.flock(self._fd, fcntl.LOCK_UN)  # the thread that wanted it gave up

    def _take_now(self) -> bool:
        """The turn at once, if it is free and no other process is waiting for it."""
        try:
            fcntl.flock(self._wait_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # another process is next: queue behind it
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        finally:
            fcntl.flock(self._wait_fd, fcntl.LOCK_UN)

    @property
    def competing(self) -> bool:
        """Whether another process wanted the turn lately: it held it or waited for it
        when this one last asked, within ``COMPETITION_SECONDS``."""
        return time.monotonic() - self._competed_at < self.COMPETITION_SECONDS

    def acquire(self, timeout: float) -> bool:
        if self._take_now():  # without waking the helper
            with self._cond:
                self._held = True
            return True
        self._competed_at = time.monotonic()
        with self._cond:
            self._wanted = True
            self._cond.notify_all()
            if self._cond.wait_for(lambda: self._held, timeout):
                self._wanted = False
                return True
            self._wanted = False
            return False

    def release(self) -> None:
        with self._cond:
            self._held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._cond.notify_all()


class WriterQueue:
    """The turn to write to one SQLite file: the threads of this process take it first
    come, first served, and the process takes its turn among processes (``_FileTurn``).

    "First come" is when the request arrived (``wait_while_writing``), not when it asked
    for the turn: a push waits while its process writes, and the pushes let go together
    then reached the queue in whatever order the interpreter lock let them finish reading
    their bodies. A phone served first in one batch could be served last in the next, so
    its wait varied from about half a round of all phones to one and a half: 20 phones on
    two processes of 16 threads waited p50 236 ms, p95 358 ms; by arrival, p50 251 ms,
    p95 292 ms at the same rate (bench/sync_push_http_bench.py, medians of 9 rounds).
    That holds only while processes compete (``_FileTurn.competing``). One process alone
    takes the turn in the order its threads ask: one process of 4 threads served 1–6 %
    more pushes per second in that order than by arrival (median 4.6 %, five runs of
    9–30 rounds each, the two orders alternating), and as many more per CPU-second.

    Once this process has the turn among processes, it keeps it for its next queued
    thread only while that one has waited longer than every other process's
    (``_FileTurn.waited_for_since``), then lets them in: requests are served in the order
    they arrived whichever process they arrived at. Gunicorn hands a phone's connection
    to whichever process accepts it first, so 17 phones on one process and 3 on the other
    happens; with one thread's turn per process the 17 waited more than three times as
    long as the 3, and with a batch of the threads already queued per turn (as before
    this order) one phone's median wait could still be 50 ms while another's was 230 ms.

    The owner may take it again (a second connection in the same thread then meets
    SQLite's busy handler, as it would without the queue). ``release`` hands the turn to
    the longest waiter directly, so no thread sleeps while the lock is free and none is
    overtaken.

    While another process waits, this one keeps the turn at most ``KEEP_LIMIT`` times in
    a row, whatever the heads file says: a process with no slot in it (all taken) says
    nothing there, and it still gets its turn.
    """

    KEEP_LIMIT = 16
    # SQLite copies the WAL back into the database file (a checkpoint) inside the COMMIT
    # that takes the WAL past 1,000 pages (its wal_autocheckpoint), so that writer held
    # the turn for it: 5–8 ms every dozen visit pushes, all other writers waiting. The
    # connections that take turns here turn that off and run the same checkpoint
    # (PASSIVE: it waits for no one and no writer waits for it) right after a commit has
    # let the turn go, about as often (``checkpoint_now_and_then``).
    CHECKPOINT_PAGES = 1000

    def __init__(self, path: str | None = None) -> None:
        self._files = _FileTurn(path + "-writer.lock") if path else None
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        # Waiting threads by their place: a heap of (place, tie-breaker, thread, event);
        # the place is when the request arrived or when it asked (``_take``).
        self._waiting: list[tuple[float, int, int, threading.Event]] = []
        self._tickets = itertools.count()
        # Whether this process holds the turn among processes (only the thread that owns
        # the turn changes it), and the place of the thread waiting for it (infinity if
        # none): with the queue's head, what this process publishes as its oldest waiter.
        self._file_held = False
        self._owner_place = self._asking = math.inf
        # Threads this process has passed the turn to since it took it from the others.
        self._kept = 0
        self._file_let_go = threading.Condition(self._mutex)
        # Commits since the last checkpoint, and how many there are between checkpoints:
        # adapted to the pages a commit writes, measured at each checkpoint.
        self._commits = 0
        self._checkpoint_every = 1

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        first = self._take(timeout)
        if first is None:
            return False
        if first and self._files is not None and not self._file_held:
            with self._mutex:
                self._asking = self._owner_place
                self._publish()
            took = self._files.acquire(max(0.0, deadline - time.monotonic()))
            with self._mutex:
                self._asking = math.inf
                self._file_held, self._kept = took, 0
                self._publish()
            if not took:
                self._hand_over()
                return False
        return True

    def _take(self, timeout: float) -> bool | None:
        """True: the turn is now this thread's; False: it already was (taken again);
        None: the wait ran out."""
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return False
            arrived = _arrival()
            # By arrival only while processes compete (the class says why); else by now.
            place = arrived if self._files is not None and self._files.competing \
                else time.monotonic()
            if self._owner is None:
                self._owner, self._depth, self._owner_place = me, 1, place
                return True
            turn = (place, next(self._tickets), me, threading.Event())
            heapq.heappush(self._waiting, turn)
            self._publish()
        if turn[3].wait(timeout):
            return True
        with self._mutex:
            if turn[3].is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            heapq.heapify(self._waiting)
            self._publish()
            return None

    def release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth > 0:
                return
            # The next thread queued here gets the turn with the turn among processes
            # kept while no other process has waited longer (decided and handed over
            # under one lock, so a waiter that gives up meanwhile cannot leave the file
            # held by nobody).
            if self._file_held and self._waiting \
                    and not self._files.waited_for_since(self._waiting[0][0]) \
                    and (self._kept < self.KEEP_LIMIT or not self._files.another_waits()):
                self._kept += 1
                self._pass_to_next()
                return
            let_go, self._file_held = self._file_held, False
            if let_go:
                self._file_let_go.notify_all()
        if let_go:  # the next thread here, if any, queues for it like another process
            self._files.release()
        self._hand_over()

    def _hand_over(self) -> None:
        with self._mutex:
            self._pass_to_next()

    def _pass_to_next(self) -> None:
        if self._waiting:
            self._owner_place, _, self._owner, turn = heapq.heappop(self._waiting)
            self._depth = 1
            self._publish()
            turn.set()
        else:
            self._owner, self._depth, self._owner_place = None, 0, math.inf

    def _publish(self) -> None:
        """Tell the other processes when this one's longest-waiting writer arrived (under
        ``_mutex``): the thread waiting for the turn among processes, or the queue's head."""
        if self._files is not None:
            self._files.publish(min(self._asking,
                                    self._waiting[0][0] if self._waiting else math.inf))

    def wait_while_writing(self, timeout: float) -> None:
        """Wait, at most ``timeout``, while this process holds the turn among processes.

        For a request that will write and has not yet started (``yield_to_writer``): the
        threads of a process share one interpreter lock, so its work (checking the token,
        reading the body) would slow down this process's writer, whose turn every other
        writer waits for. It waits for its own turn anyway, and it does that work while
        another process writes instead. A thread that holds the turn itself (a request
        made inside an open transaction, as tests do) does not wait for itself. The
        request keeps its place in the queue from when it was ready to read, if its web
        worker said so (``note_ready``), else from the moment it called this: its first
        write transaction queues as if it had asked for the turn then."""
        # its place in the queue: when it was ready to read, not after its work
        _arrived.set(_ready_at.get() or time.monotonic())
        if self._files is None:
            return
        me = threading.get_ident()
        with self._mutex:
            self._file_let_go.wait_for(
                lambda: not self._file_held or self._owner == me, timeout)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def checkpoint_now_and_then(self, connection: sqlite3.Connection) -> None:
        """After a commit, once its turn is let go: a checkpoint of the WAL when about
        ``CHECKPOINT_PAGES`` have been written since the last one."""
        with self._mutex:
            self._commits += 1
            if self._commits < self._checkpoint_every:
                return
            commits, self._commits = self._commits, 0
        try:
            _, frames, _ = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:  # e.g. the file is gone: the next commit tries again
            log.warning("WAL checkpoint failed", exc_info=True)
            return
        if frames <= 0:  # nothing written since SQLite last started the WAL over
            return
        # The WAL's length (since SQLite last started it over, after a complete
        # checkpoint) over the commits that wrote it, this process's and others'; the
        # interval at most doubles at a time, so one small commit cannot stretch it far.
        every = max(1, round(self.CHECKPOINT_PAGES * commits / frames))
        with self._mutex:
            self._checkpoint_every = min(every, 2 * self._checkpoint_every)


_queues: dict[str, WriterQueue] = {}
_queues_mutex = threading.Lock()


def _forget_queues_after_fork() -> None:
    # A forked child (a gunicorn worker of a preloaded app) must not share the parent's
    # lock file description or its helper thread, which did not survive the fork.
    global _queues_mutex
    _queues.clear()
    _queues_mutex = threading.Lock()


os.register_at_fork(after_in_child=_forget_queues_after_fork)


def writer_queue(database: str | None) -> WriterQueue | None:
    """This process's queue for the SQLite file ``database`` (None for a memory database,
    which no other connection shares)."""
    # A "file:" URI may name a memory database or open the file read-only: left to SQLite.
    if not database or database == ":memory:" or database.startswith("file:") \
            or WRITERS == "busy":
        return None
    with _queues_mutex:
        if database not in _queues:
            try:
                queue = WriterQueue(os.path.abspath(database) if WRITERS == "queue" else None)
            except OSError:  # no lock file next to it: processes meet at the busy handler
                queue = WriterQueue(None)
            _queues[database] = queue
        return _queues[database]


class _QueuedConnection(sqlite3.Connection):
    """A SQLite connection that gives its writer turn back when its transaction ends,
    after the COMMIT or ROLLBACK itself (SQLAlchemy's commit event comes before it)."""

    _doorstep_turn: WriterQueue | None = None
    _doorstep_checkpoints = False  # this connection leaves checkpoints to its queue

    def _let_go(self) -> None:
        turn, self._doorstep_turn = self._doorstep_turn, None
        if turn is not None:
            turn.release()

    def commit(self):
        turn = self._doorstep_turn
        try:
            result = super().commit()
        finally:
            self._let_go()
        if turn is not None:
            turn.checkpoint_now_and_then(self)
        return result

    def rollback(self):
        try:
            return super().rollback()
        finally:
            self._let_go()

    def close(self):
        try:
            return super().close()
        finally:
            self._let_go()


_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("doorstep_reading",
                                                                 default=False)
# When the request now in this thread arrived (``wait_while_writing``), for its place in the
# writer queue; taken by its first write transaction, dropped when the request ends.
_arrived: contextvars.ContextVar[float | None] = contextvars.ContextVar("doorstep_arrived",
                                                                        default=None)


# When the request this thread is about to serve was ready to read (``note_ready``).
_ready_at: contextvars.ContextVar[float | None] = contextvars.ContextVar("doorstep_ready_at",
                                                                         default=None)


def note_ready(at: float | None) -> None:
    """The request this thread serves next was ready to read at ``at`` (``time.monotonic``),
    before it waited for a thread (``server.web_worker``); None once it is served."""
    _ready_at.set(at)


def _arrival() -> float:
    """The place in a writer queue of the transaction about to begin: when its request
    arrived, if it said so, else now."""
    arrived = _arrived.get()
    if arrived is None:
        return time.monotonic()
    _arrived.set(None)
    return arrived


def forget_arrival() -> None:
    """The request has ended: the next one in this thread says when it arrived itself."""
    _arrived.set(None)


def yield_to_writer(engine: Engine, timeout: float = 1.0) -> None:
    """Before a request that will write starts its work: on SQLite, let this process's
    writer finish its turn first (``WriterQueue.wait_while_writing``), keeping its place
    in the writer queue from now. Nothing elsewhere."""
    if engine.dialect.name == "sqlite":
        queue = writer_queue(engine.url.database)
        if queue is not None:
            queue.wait_while_writing(timeout)


@contextlib.contextmanager
def reading():
    """Transactions begun inside this block only read: on SQLite a deferred ``BEGIN``
    that neither waits for nor holds the write lock. End the transaction (``end_read``)
    before writing anything."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def read_on_its_own(session, work):
    """``work()``, on SQLite in a read-only transaction of its own (``reading``) ended
    before the caller writes anything, when the session has no transaction open and
    nothing waiting to be written; otherwise in the session's transaction, as always.

    For what a request reads before it writes: it then neither waits for nor holds the
    one write turn while it reads. What it loaded stays loaded (``end_read``).
    PostgreSQL's reads wait for nobody, so there it stays in the request's transaction.
    """
    own_read = (not session.in_transaction()
                and not (session.new or session.dirty or session.deleted)
                and session.get_bind().dialect.name == "sqlite")
    if not own_read:
        return work()
    try:
        with reading():
            return work()
    finally:
        if session.in_transaction():
            end_read(session)


def end_read(session) -> None:
    """End ``session``'s read-only transaction and keep what it loaded (not expired), so
    the objects can be used in the request's next transaction without reading them again.
    Call it only when nothing was written."""
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


@event.listens_for(Engine, "do_connect")
def _sqlite_queued_connection(dialect, connection_record, cargs, cparams):
    if dialect.name == "sqlite" and "factory" not in cparams:
        cparams["factory"] = _QueuedConnection


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    # isinstance, not the class's module: the connections are _QueuedConnection.
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below issue BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn):
    if conn.dialect.name != "sqlite":
        return
    if _reading.get():
        conn.exec_driver_sql("BEGIN")
        return
    dbapi_connection = conn.connection.dbapi_connection
    queue = writer_queue(conn.engine.url.database)
    if queue is not None and isinstance(dbapi_connection, _QueuedConnection):
        dbapi_connection._let_go()  # a turn left over from a transaction ended by hand
        if not dbapi_connection._doorstep_checkpoints:
            dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
            dbapi_connection._doorstep_checkpoints = True
        if not queue.acquire(WRITER_WAIT_SECONDS):
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked"))
        dbapi_connection._doorstep_turn = queue
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(dbapi_connection, _QueuedConnection):
            dbapi_connection._let_go()
        raise
