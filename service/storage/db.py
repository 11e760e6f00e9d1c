"""Engine and sessions. SQLite gets WAL, foreign keys, a busy timeout and serialised writers.

Also the roles one process per database plays at a time (`Database.sole_role`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import select
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

# Marks a connection as a writer: on SQLite its transactions begin IMMEDIATE.
WRITE_OPTION = "ceksilang_write"
# The advisory locks PostgreSQL writers and migrations take: fixed 64-bit numbers of Cek Silang's own.
WRITE_LOCK_KEY = 0x0CE551_1A46
MIGRATE_LOCK_KEY = 0x0CE551_1A47
# The roles one process per database plays (`Database.sole_role`), each with the number of its
# session-level advisory lock on PostgreSQL; on SQLite its name ends the lock file's.
ROLE_LOCK_KEYS = {"counter": 0x0CE551_1A48}

log = logging.getLogger("ceksilang")

# SQLite checkpoints its write-ahead log into the database file once it holds this many pages
# (SQLite's own default), on the connection whose commit went past it: a request then waits for the
# copy, tens of milliseconds now and then. With checkpoints in the background
# (`Database.leave_checkpoints_to_background`), a request's connection checkpoints only past the larger
# number, should the background ones fall behind.
SQLITE_AUTOCHECKPOINT_PAGES = 1000
SQLITE_AUTOCHECKPOINT_PAGES_BEHIND = 10_000
# How long a whole checkpoint (`Database.checkpoint`) waits for readers, and so holds writers off.
WHOLE_CHECKPOINT_WAIT_MS = 500

# Each SQLite connection's cache of database pages, in KiB: SQLite's own default for a request's
# connection (several per worker), a larger one for a process that writes much into a large store
# (`Database.cache_more_pages`).
SQLITE_PAGE_CACHE_KIB = 2000
SQLITE_PAGE_CACHE_KIB_IMPORT = 256 * 1024


# Set in the info of a session that holds the writers' turn (`Database.writing`): nothing is
# committed by anyone else while it lasts.
WRITERS_TURN = "ceksilang.writers_turn"

# Set in a PostgreSQL connection's info while a pipelined writer holds it (`Database.writing`): the
# psycopg pipeline statements sent ahead wait in for their answers, or None.
_SENT_AHEAD = "ceksilang.sent_ahead"
_WRITE_LOCK = "SELECT pg_advisory_xact_lock(%s)"
_BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED"


class Database:
    """One engine per app; `reading()` and `writing()` hand out sessions that own one transaction."""

    def __init__(self, url: str, *, sqlite_busy_timeout_ms: int = 15_000, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.sqlite_busy_timeout_ms = sqlite_busy_timeout_ms
        self.has_answered = False  # set by the first successful ping
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": sqlite_busy_timeout_ms / 1000, "check_same_thread": False}
        else:
            # Writers rely on it: each statement after the writers' lock sees all that the writer
            # before committed (under REPEATABLE READ the transaction's snapshot would be taken by
            # the lock's statement, before the lock was granted). Said for every connection, so a
            # server whose default is another level changes nothing, and a connection that served
            # an answer outside transactions (`answering`) begins them as every other.
            kwargs["isolation_level"] = "READ COMMITTED"
        self.engine: Engine = create_engine(self.url, **kwargs)
        self.autocheckpoint_pages = SQLITE_AUTOCHECKPOINT_PAGES
        self.page_cache_kib = SQLITE_PAGE_CACHE_KIB
        if self.is_sqlite:
            _configure_sqlite(
                self.engine,
                sqlite_busy_timeout_ms,
                lambda: self.autocheckpoint_pages,
                lambda: self.page_cache_kib,
            )
        else:
            _replace_connections_the_server_closed(self.engine)
            _answer_what_was_sent_ahead(self.engine)
            _end_pipeline_on_error(self.engine)
        self._queue = _WriterQueue(self.url.database if self.is_sqlite else None)
        # On PostgreSQL a reader's transactions are READ ONLY (said in their BEGIN: no round trip).
        readers = self.engine if self.is_sqlite else self.engine.execution_options(postgresql_readonly=True)
        self._reader = sessionmaker(readers, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        # (Used on PostgreSQL only: see `answering` and `_pipelined_writing`.)
        self._answerer = sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )
        self._pipelined_writer = sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT", **{WRITE_OPTION: True}),
            expire_on_commit=False,
        )
        self._roles: list[SoleRole] = []

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read transaction, for a request's reads: nothing in it is written.

        On PostgreSQL it is READ ONLY and ends by a commit when the block ends well: psycopg forgets
        every statement it prepared on the server at a rollback (it cannot tell what the rollback
        undid), so readers that rolled back had each statement parsed and planned anew every time,
        a POST's dozen among them. A commit of a transaction that wrote nothing is a rollback in
        all but that. So is a block that raises an error of its own (a claim or group not found: a
        404), the error then raised on; one the database raised is rolled back. An ORM object
        changed in the block would be flushed by the commit and refused by the server: what is
        changed for an answer is a plain copy (as `count_behind` counts verdicts on rows), or
        changed after the block.
        """
        with self._reader() as session:
            try:
                yield session
            except SQLAlchemyError:
                raise  # the session's close rolls back
            except Exception:
                if not self.is_sqlite:
                    with suppress(SQLAlchemyError):  # the block's own error is the one to raise
                        session.commit()
                raise
            if not self.is_sqlite:
                session.commit()

    @contextmanager
    def answering(self) -> Iterator[Session]:
        """A session for the few reads of an answer that need no transaction around them: a POST's
        answer, read once its claim is committed.

        On PostgreSQL each statement runs on its own, as the server's READ COMMITTED would give each
        statement of a transaction a snapshot of its own all the same: the POST is spared a reading
        transaction's BEGIN and COMMIT, two of its round trips. Nothing opens a server-side cursor
        in it (they need a transaction) and nothing stops a write: it is for a request's reads, and
        `reading` for anything else. On SQLite it is `reading` (a transaction costs no round trip).
        """
        if self.is_sqlite:
            with self.reading() as session:
                yield session
            return
        with self._answerer() as session:
            yield session

    @contextmanager
    def writing(self, *, pipelined: bool = False) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        Writers are serialised, so that matching a claim and storing it is one step for every
        worker and container: SQLite by BEGIN IMMEDIATE, PostgreSQL by a transaction-scoped
        advisory lock. On SQLite, writers first queue for their turn (`_WriterQueue`).

        `pipelined`, for a request's few statements on PostgreSQL (on SQLite, where nothing crosses
        a network, it changes nothing): see `_pipelined_writing`.
        """
        if pipelined and not self.is_sqlite:
            with self._pipelined_writing() as session:
                yield session
            return
        with self._queue.turn(), self._writer() as session, session.begin():
            if not self.is_sqlite:
                session.connection().exec_driver_sql(_WRITE_LOCK, (WRITE_LOCK_KEY,))
            session.info[WRITERS_TURN] = True
            yield session

    @contextmanager
    def _pipelined_writing(self) -> Iterator[Session]:
        """A write transaction whose statements that no one reads the answer of (`send_ahead`) are
        sent at once, in psycopg's pipeline mode, and answered with the next statement that is read.

        The transaction's BEGIN and the writers' lock are sent ahead of its first read, a claim's
        tally ahead of the read of the conflicts it makes, a new form's blocking keys and its
        group's verdict ahead of the COMMIT, each answered with what follows it: a POST waits on
        the server for its reads alone. The connection is in
        pipeline mode only from a statement sent ahead to the next answer read
        (`_answer_what_was_sent_ahead`): psycopg's pipeline costs a statement more of its own work
        than it saves a statement that is read at once. The BEGIN and COMMIT are the block's own,
        sent on a connection psycopg holds in autocommit (at READ COMMITTED, as every session: see
        `__init__`): in a pipeline psycopg waits for the answer to a BEGIN of its own before it
        sends anything more, and once more after its COMMIT, two round trips of their own.

        A statement sent ahead that fails is raised by the next statement run (or by the COMMIT),
        as SQLAlchemy's error, the pipeline ended at once (`_end_pipeline_on_error`), and the
        transaction rolled back: psycopg sees it open and sends its ROLLBACK when SQLAlchemy's
        session ends it (an autocommit connection's rollback is still sent to the driver). So a
        block that catches a statement's error and goes on (a savepoint rolled back) is not one to
        pipeline: an error may be raised by a later statement than the one that failed. Nor one
        that writes by COPY or reads through a server-side cursor, which a pipeline cannot run:
        the import is not pipelined, nor is an article's POST (a claim the database refuses is
        rolled back to its savepoint, the others stored).
        """
        with self._queue.turn(), self._pipelined_writer() as session, session.begin():
            connection = session.connection()
            info = connection.info  # the connection's own, kept to be cleared once it has been let go
            info[_SENT_AHEAD] = None
            try:
                send_ahead(connection, _BEGIN, [()])
                send_ahead(connection, _WRITE_LOCK, [(WRITE_LOCK_KEY,)])
                session.info[WRITERS_TURN] = True
                yield session
                session.flush()
                send_ahead(connection, "COMMIT", [()])
                try:
                    end_pipeline(info)
                except connection.dialect.loaded_dbapi.Error as exc:  # raised as SQLAlchemy raises it
                    raise driver_error(connection, exc, "COMMIT", None) from exc
            except BaseException as exc:  # what was sent ahead is answered, and the pipeline let go
                end_pipeline(info, exc)
                raise
            finally:
                del info[_SENT_AHEAD]

    def checkpoint(self, *, whole: bool = False) -> None:
        """Copy what SQLite's write-ahead log holds into the database file, as far as no reader
        still needs it, without waiting for anyone (a no-op on PostgreSQL).

        `whole`: wait for the readers of what the log holds, copy all of it, and leave it to be
        started over by the next writer. For a process that writes much while another reads all
        the time (the bulk import's writing process): the checkpoints its commits run stop short of
        what a reader may still need, and the log only ever grew (to 820 MB over 800,000 claims).
        Writers wait for it too, so it waits for readers at most WHOLE_CHECKPOINT_WAIT_MS, and
        copies what it can if they are not done by then."""
        if not self.is_sqlite:
            return
        with self.engine.connect() as conn:
            if not whole:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                return
            conn.exec_driver_sql(f"PRAGMA busy_timeout={WHOLE_CHECKPOINT_WAIT_MS}")
            try:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(RESTART)")
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={int(self.sqlite_busy_timeout_ms)}")

    def leave_checkpoints_to_background(self) -> None:
        """On SQLite, for a process that calls `checkpoint` every second or so beside its requests:
        the requests' commits then checkpoint only should it fall behind
        (SQLITE_AUTOCHECKPOINT_PAGES_BEHIND). Connections opened before are closed, to be opened
        again with the setting."""
        if self.is_sqlite:
            self.autocheckpoint_pages = SQLITE_AUTOCHECKPOINT_PAGES_BEHIND
            self.engine.dispose()

    def cache_more_pages(self, kib: int = SQLITE_PAGE_CACHE_KIB_IMPORT) -> None:
        """On SQLite, for a process that writes much into a large store (the bulk import): each
        connection keeps this many KiB of the database's pages in memory, not SQLite's 2 MB. Rows
        go into the indexes all over (fingerprints, form keys), and with 2 MB nearly every insert
        read its index pages again from the operating system's cache. Connections opened before
        are closed, to be opened again with the setting. (PostgreSQL's cache is the server's.)"""
        if self.is_sqlite:
            self.page_cache_kib = kib
            self.engine.dispose()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        self.has_answered = True

    def sole_role(self, name: str) -> SoleRole:
        """A bid for `name` (one of ROLE_LOCK_KEYS), a role one process per database plays at a time.

        Each call is a bid of its own, even within one process: `SoleRole.take` says whether it holds
        the role now, `SoleRole.release` (or `dispose`) gives it up.
        """
        if name not in ROLE_LOCK_KEYS:
            raise ValueError(f"no such role: {name!r} (known: {', '.join(ROLE_LOCK_KEYS)})")
        role = SoleRole(self, name)
        self._roles.append(role)
        return role

    def dispose(self) -> None:
        for role in self._roles:
            role.release()
        self.engine.dispose()


def _configure_sqlite(
    engine: Engine,
    busy_timeout_ms: int,
    autocheckpoint_pages: Callable[[], int],
    page_cache_kib: Callable[[], int],
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint_pages())}")
        cursor.execute(f"PRAGMA cache_size=-{int(page_cache_kib())}")  # negative: in KiB, not pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front, so that matching and inserting happen in one
        # serialised step across all gunicorn workers: no twin groups from a race. A connection in
        # AUTOCOMMIT begins nothing: each statement is a transaction of its own, as asked.
        options = conn.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


def send_ahead(connection: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run the driver's statement once for each row of parameters, its answer read by no one.

    In a pipelined writer on PostgreSQL (`Database.writing`) it is sent at once, and answered with
    the next statement that is read, or the commit: no round trip of its own. Elsewhere SQLAlchemy's
    connection runs it now. Statements run in the order they are sent either way: what one writes,
    the next reads.
    """
    info = connection.info
    if _SENT_AHEAD not in info:
        connection.exec_driver_sql(sql, list(rows))
        return
    driver = connection.connection.driver_connection
    cursor = None
    try:
        if info[_SENT_AHEAD] is None:
            pipeline = driver.pipeline()  # held open until the next answer is read
            pipeline.__enter__()
            info[_SENT_AHEAD] = pipeline
        cursor = driver.cursor()
        if len(rows) > 1:
            cursor.executemany(sql, rows)
        elif rows[0]:
            cursor.execute(sql, rows[0])
        else:  # BEGIN or COMMIT: nothing worth preparing on the server
            cursor.execute(sql, prepare=False)
    except connection.dialect.loaded_dbapi.Error as exc:  # an earlier one's, answered meanwhile, or its own
        raise driver_error(connection, exc, sql, rows, cursor) from exc


def driver_error(
    connection: Connection, exc: Exception, statement: str, params: Any, cursor: Any = None
) -> DBAPIError:
    """A driver's error on a statement run past SQLAlchemy's execution (`send_ahead`,
    `driver.Query`), to be raised as SQLAlchemy raises a statement's: a pipeline ended, the
    connection invalidated when the error says it is lost (the pool's other connections are looked
    at as they are checked out: `_replace_connections_the_server_closed`), and the error wrapped
    as SQLAlchemy's own (an `IntegrityError`, an `OperationalError`)."""
    end_pipeline(connection.info, exc)
    dialect = connection.dialect
    lost = dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor)
    if lost:
        connection.invalidate(exc)
    return DBAPIError.instance(
        statement, params, exc, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
    )


def end_pipeline(info: dict[Any, Any], error: BaseException | None = None) -> None:
    """Read the answers to what was sent ahead on this connection, if anything was, and leave
    pipeline mode: a statement sent ahead that failed is raised here, unless the pipeline ends
    because of `error` (psycopg then logs what it reads, and the error goes on)."""
    pipeline = info.get(_SENT_AHEAD)
    if pipeline is not None:
        info[_SENT_AHEAD] = None
        pipeline.__exit__(type(error) if error else None, error, error.__traceback__ if error else None)


def _end_pipeline_on_error(engine: Engine) -> None:
    """A statement that fails while statements sent ahead wait for their answers (its own error, or
    theirs come with its answer) ends the pipeline there, before the error is raised: psycopg would
    otherwise hold the connection in an aborted pipeline that refuses every later statement, the
    rollback to a savepoint among them."""

    @event.listens_for(engine, "handle_error")
    def _ended(context: Any) -> None:
        connection = context.connection
        if connection is not None and not connection.closed:
            end_pipeline(connection.info, context.original_exception)


def _answer_what_was_sent_ahead(engine: Engine) -> None:
    """In a pipelined writer (`Database.writing`), a statement SQLAlchemy runs after statements sent
    ahead goes to the server with them, in the same pipeline: before SQLAlchemy reads its answer
    (its columns, its row count), the pipeline ends, and every answer up to this one is read."""

    @event.listens_for(engine, "after_cursor_execute")
    def _answered(conn: Connection, *_: Any) -> None:
        end_pipeline(conn.info)


def _replace_connections_the_server_closed(engine: Engine) -> None:
    """A pooled connection the server closed while it sat idle (a restart, a terminated backend, a
    timeout on the way) has something to read though nothing was asked of it: the server's last
    message, or the end of the stream. One look at its socket when it is checked out, no round trip,
    finds it, and the pool replaces it before a request uses it. (SQLAlchemy's `pool_pre_ping` asks
    the server instead: a round trip before every request.) A connection that breaks in use is
    still found by its error, and invalidated (through SQLAlchemy's execution, with the rest of the
    pool; past it, alone: `driver_error`)."""

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_conn.closed or _has_unread_bytes(dbapi_conn.fileno()):
            raise DisconnectionError("the server closed this connection while it waited in the pool")


def _has_unread_bytes(fd: int) -> bool:
    """Whether the socket has something to read (or has ended), without waiting. By poll, not
    select: a busy worker's descriptors can number past select's 1,024."""
    waiting = select.poll()
    waiting.register(fd, select.POLLIN)
    return bool(waiting.poll(0))


class _WriterQueue:
    """Writers of one SQLite file take turns, waking as soon as the writer before them is done.

    SQLite lets a writer that finds the database locked sleep and try again, with sleeps growing to
    a tenth of a second: under a burst, one request can lose the race again and again and wait
    seconds while others pass. An exclusive lock on a file beside the database (one per process,
    with a thread lock in front, since a file lock does not exclude threads of the same process)
    makes writers queue in the kernel instead. The kernel lets go of it if a process dies, and
    BEGIN IMMEDIATE still guards the database itself. Nothing to do for other databases.
    """

    def __init__(self, database: str | None) -> None:
        self.path = None
        if database and database != ":memory:" and not database.startswith("file:"):
            self.path = f"{database}.writers"
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        if self.path is None:
            yield
            return
        with self._thread_lock:
            fd = self._file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
            assert self.path is not None
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


class SoleRole:
    """A role, such as counting large groups' consensus, that one process per database plays at a time.

    Every contender calls `take()` once a round, without waiting: the one that gets the role keeps
    it from round to round for as long as its process lives, and the others find it taken and try
    again next round, so when the holder's process dies another takes over within a round.

    SQLite: an exclusive `flock` on a file beside the database (`<db>.<name>`), the descriptor kept
    open while the role is held; the kernel lets go of it when the process ends. An in-memory or
    `file:` database has no such file, and is shared by one process at most: a lock in the process.

    PostgreSQL: a session-level advisory lock (ROLE_LOCK_KEYS) on a connection taken out of the pool
    for the holder alone, in autocommit so that it never sits idle in a transaction. The server lets
    go of it when that connection ends. A holder whose connection broke has lost the role, and bids
    again at once; errors reaching the database are raised to the caller, holding nothing.

    A lost connection is only noticed at the next `take()`, so for a moment two processes may both
    act on the role: it saves work done twice, and must not be what keeps data right.
    One thread uses a bid.
    """

    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name
        self.key = ROLE_LOCK_KEYS[name]
        database = db.url.database
        self.path: str | None = None
        if db.is_sqlite and database and database != ":memory:" and not database.startswith("file:"):
            self.path = f"{database}.{name}"
        self._fd: int | None = None  # SQLite: the locked file, while held
        self._pid = 0  # the process the descriptor belongs to
        self._local: threading.Lock | None = None  # in-memory SQLite: the lock held
        self._conn: Connection | None = None  # PostgreSQL: the connection holding the lock

    @property
    def held(self) -> bool:
        """Whether this bid held the role at its last `take()` (a broken connection shows at the next)."""
        if self._fd is not None:
            return self._pid == os.getpid()
        return self._local is not None or self._conn is not None

    def take(self) -> bool:
        """Take the role if no other process holds it, without waiting; True while this bid holds it."""
        if not self.db.is_sqlite:
            return self._take_advisory_lock()
        if self.path is None:
            return self._take_local_lock()
        return self._take_file_lock()

    def release(self) -> None:
        """Give the role up, if held, for another process to take at its next round."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            if self._pid == os.getpid():  # in a forked child, unlocking would free the parent's lock
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        if self._local is not None:
            lock, self._local = self._local, None
            lock.release()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            # Let go of the lock first: a closed session's locks are freed by the server as its
            # backend ends, a moment after the close returns, and another bid in that moment lost.
            # On a broken connection there is nothing to let go of: the server has ended it.
            with suppress(SQLAlchemyError):
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            with suppress(SQLAlchemyError):
                conn.close()

    def _take_file_lock(self) -> bool:
        assert self.path is not None
        if self._fd is not None and self._pid != os.getpid():
            # A forked child shares the parent's lock through the descriptor: let go of the copy only.
            os.close(self._fd)
            self._fd = None
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd, self._pid = fd, os.getpid()
        log.info("this process (%d) plays the %s role for %s", self._pid, self.name, self.path)
        return True

    def _take_local_lock(self) -> bool:
        if self._local is not None:
            return True
        lock = _local_role_lock(str(self.db.url.database), self.name)
        if not lock.acquire(blocking=False):
            return False
        self._local = lock
        return True

    def _take_advisory_lock(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except SQLAlchemyError:
                log.warning("the %s role is lost with its database connection; bidding again", self.name)
                self.release()
        conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}))
        except BaseException:
            conn.close()
            raise
        if not taken:
            conn.close()  # back to the pool: it holds nothing
            return False
        conn.detach()  # the pool never hands it out, nor resets it: closing it ends the session
        self._conn = conn
        log.info("this process (%d) plays the %s role for its database", os.getpid(), self.name)
        return True


# In-memory SQLite: one lock per database name and role in this process (so private `:memory:`
# databases of one process share theirs; nothing runs more than one).
_local_roles: dict[tuple[str, str], threading.Lock] = {}
_local_roles_guard = threading.Lock()


def _local_role_lock(database: str, name: str) -> threading.Lock:
    with _local_roles_guard:
        return _local_roles.setdefault((database, name), threading.Lock())
