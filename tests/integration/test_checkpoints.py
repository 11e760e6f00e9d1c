"""SQLite's write-ahead log is copied into the database file by a server's own thread, not by the
commit of whichever request fills it (storage/db.py)."""

from __future__ import annotations

import os

from sqlalchemy import text

from service.storage.db import SQLITE_AUTOCHECKPOINT_PAGES, SQLITE_AUTOCHECKPOINT_PAGES_BEHIND, Database
from service.storage.migrate import upgrade

MB = 1 << 20


def _autocheckpoint(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def _write_5mb(db: Database) -> None:
    """Some 1,300 pages in one commit: past SQLite's own checkpoint size, under the server's."""
    with db.writing() as session:
        for i in range(10_000):
            session.execute(
                text("INSERT INTO topics (slug, label) VALUES (:s, :l)"), {"s": f"t{i}", "l": "x" * 500}
            )


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
