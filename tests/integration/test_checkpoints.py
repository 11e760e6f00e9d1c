"""SQLite's write-ahead log is copied into the database file by a server's own thread, not by the
commit of whichever request fills it, and whole by an import's writing process (storage/db.py)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from sqlalchemy import text

from service.storage.db import (
    SQLITE_AUTOCHECKPOINT_PAGES,
    SQLITE_AUTOCHECKPOINT_PAGES_BEHIND,
    WHOLE_CHECKPOINT_WAIT_MS,
    Database,
)
from service.storage.migrate import upgrade

MB = 1 << 20


def _autocheckpoint(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def _write_5mb(db: Database, prefix: str = "t") -> None:
    """Some 1,300 pages in one commit: past SQLite's own checkpoint size, under the server's."""
    with db.writing() as session:
        for i in range(10_000):
            session.execute(
                text("INSERT INTO topics (slug, label) VALUES (:s, :l)"),
                {"s": f"{prefix}{i}", "l": "x" * 500},
            )


def _frames_in_log(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()[1])


def _database(path) -> tuple[Database, str]:
    url = f"sqlite:///{path}"
    upgrade(url)
    return Database(url), str(path)


def test_a_server_leaves_checkpoints_to_its_thread_and_other_processes_do_not(tmp_path) -> None:
    plain, _ = _database(tmp_path / "log.db")
    server = Database(f"sqlite:///{tmp_path / 'log.db'}")
    try:
        assert _autocheckpoint(plain) == SQLITE_AUTOCHECKPOINT_PAGES
        server.leave_checkpoints_to_background()  # its open connections are opened again
        assert _autocheckpoint(server) == SQLITE_AUTOCHECKPOINT_PAGES_BEHIND
        assert _autocheckpoint(plain) == SQLITE_AUTOCHECKPOINT_PAGES
    finally:
        plain.dispose()
        server.dispose()


def test_a_commit_leaves_the_log_to_the_checkpoint_that_then_copies_it(tmp_path) -> None:
    server, path = _database(tmp_path / "server.db")
    plain, plain_path = _database(tmp_path / "plain.db")
    try:
        server.leave_checkpoints_to_background()
        before = os.path.getsize(path)
        _write_5mb(server)
        assert os.path.getsize(path) == before  # all in the log still
        server.checkpoint()
        assert os.path.getsize(path) > before + 4 * MB

        before = os.path.getsize(plain_path)
        _write_5mb(plain)  # SQLite's own setting: the commit copied the log itself
        assert os.path.getsize(plain_path) > before + 4 * MB
    finally:
        server.dispose()
        plain.dispose()


def test_a_whole_checkpoint_waits_for_a_reader_and_the_log_then_starts_over(tmp_path) -> None:
    db, path = _database(tmp_path / "whole.db")
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        _write_5mb(db)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM topics").fetchone()  # a snapshot held from here
        _write_5mb(db, prefix="u")  # what its commit's own checkpoint cannot copy: the reader may need it
        threading.Timer(0.2, reader.execute, ["COMMIT"]).start()
        started = time.monotonic()
        db.checkpoint(whole=True)
        assert time.monotonic() - started > 0.15  # it waited for the reader to end
        with db.writing() as session:
            session.execute(text("INSERT INTO topics (slug, label) VALUES ('v', 'one row')"))
        # The writer after it started the log over (a passive checkpoint, not waiting, left the
        # reader's frames and more: some 1,500).
        assert _frames_in_log(db) < 10
    finally:
        reader.close()
        db.dispose()


def test_a_sqlite_connection_in_autocommit_holds_no_transaction(tmp_path) -> None:
    db, _ = _database(tmp_path / "autocommit.db")
    try:
        with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM topics").scalar_one()
            assert not conn.connection.dbapi_connection.in_transaction  # each statement its own
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM topics").scalar_one()
            assert conn.connection.dbapi_connection.in_transaction
    finally:
        db.dispose()


def test_a_whole_checkpoint_waits_for_a_reader_only_so_long(tmp_path) -> None:
    db, path = _database(tmp_path / "bounded.db")
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        _write_5mb(db)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM topics").fetchone()
        _write_5mb(db, prefix="u")
        started = time.monotonic()
        db.checkpoint(whole=True)  # the reader stays: copied as far as it allows, writers not held off long
        assert WHOLE_CHECKPOINT_WAIT_MS / 1000 * 0.8 < time.monotonic() - started < 5
        with db.engine.connect() as conn:  # the connection's own wait is as before
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == db.sqlite_busy_timeout_ms
    finally:
        reader.close()
        db.dispose()
