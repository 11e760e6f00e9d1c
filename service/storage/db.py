"""Engine and sessions. SQLite gets WAL, foreign keys, a busy timeout and serialised writers."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# Marks a connection as a writer: on SQLite its transactions begin IMMEDIATE.
WRITE_OPTION = "ceksilang_write"
# The advisory locks PostgreSQL writers and migrations take: fixed 64-bit numbers of Cek Silang's own.
WRITE_LOCK_KEY = 0x0CE551_1A46
MIGRATE_LOCK_KEY = 0x0CE551_1A47


class Database:
    """One engine per app; `reading()` and `writing()` hand out sessions that own one transaction."""

    def __init__(self, url: str, *, sqlite_busy_timeout_ms: int = 15_000, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.has_answered = False  # set by the first successful ping
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": sqlite_busy_timeout_ms / 1000, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, sqlite_busy_timeout_ms)
        self._queue = _WriterQueue(self.url.database if self.is_sqlite else None)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        Writers are serialised, so that matching a claim and storing it is one step for every
        worker and container: SQLite by BEGIN IMMEDIATE, PostgreSQL by a transaction-scoped
        advisory lock. On SQLite, writers first queue for their turn (`_WriterQueue`).
        """
        with self._queue.turn(), self._writer() as session, session.begin():
            if not self.is_sqlite:
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        self.has_answered = True

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front, so that matching and inserting happen in one
        # serialised step across all gunicorn workers: no twin groups from a race.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


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
