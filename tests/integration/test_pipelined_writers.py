"""Pipelined writers (`Database.writing(pipelined=True)`): on PostgreSQL a statement whose answer no
one reads (`send_ahead`) is sent at once and answered with the next statement that is read; the
transaction's BEGIN and lock go with its first read, its COMMIT with its last writes.

What is sent ahead runs in order, is committed with the transaction or rolled back with it, and
fails the transaction when it fails; the connection serves plain transactions after. On PostgreSQL
the protocol itself is traced: the client waits on the server once for each read and once at the
end, not once for each statement. On SQLite `pipelined` changes nothing, and the same tests hold.
"""

from __future__ import annotations

import threading
import time

import pytest
from psycopg import pq
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from service.storage.db import Database, send_ahead
from tests.support import count_exchanges

ADD_TOPIC = {"postgresql": "INSERT INTO topics (slug, label) VALUES (%s, %s)",
             "sqlite": "INSERT INTO topics (slug, label) VALUES (?, ?)"}  # fmt: skip
RENAME_TOPIC = {"postgresql": "UPDATE topics SET label = %s WHERE slug = %s",
                "sqlite": "UPDATE topics SET label = ? WHERE slug = ?"}  # fmt: skip


@pytest.fixture
def db(database_url, ctx) -> Database:
    """A Database of its own (one pooled connection, one client at a time), on the emptied store."""
    own = Database(database_url)
    yield own
    own.dispose()


def _send(session, statement: dict[str, str], *params: str) -> None:
    connection = session.connection()
    send_ahead(connection, statement[connection.dialect.name], [params])


def _topics(db: Database) -> list[tuple[str, str]]:
    with db.reading() as session:
        return [tuple(row) for row in session.execute(text("SELECT slug, label FROM topics ORDER BY slug"))]


def test_what_is_sent_ahead_runs_in_order_and_is_committed_with_the_transaction(db) -> None:
    with db.writing(pipelined=True) as session:
        _send(session, ADD_TOPIC, "banjir", "Banjir")
        seen = session.execute(text("SELECT label FROM topics WHERE slug = 'banjir'")).scalar()
        _send(session, ADD_TOPIC, "gempa", "Gempa")
        _send(session, RENAME_TOPIC, "Gempa bumi", "gempa")  # the last statement: goes with the COMMIT
    assert seen == "Banjir"
    assert _topics(db) == [("banjir", "Banjir"), ("gempa", "Gempa bumi")]


def test_a_statement_sent_ahead_that_fails_rolls_the_whole_transaction_back(db) -> None:
    with pytest.raises(IntegrityError), db.writing(pipelined=True) as session:
        _send(session, ADD_TOPIC, "banjir", "Banjir")
        _send(session, ADD_TOPIC, "banjir", "Banjir lagi")  # the same key: refused
        session.execute(text("SELECT count(*) FROM topics")).scalar()  # raised by now, on either database
    assert _topics(db) == []
    with db.writing(pipelined=True) as session:  # the connection serves on
        _send(session, ADD_TOPIC, "gempa", "Gempa")
    assert _topics(db) == [("gempa", "Gempa")]


def test_a_failure_answered_while_more_is_sent_ahead_is_raised_as_sqlalchemys_error(db) -> None:
    with pytest.raises(IntegrityError), db.writing(pipelined=True) as session:
        _send(session, ADD_TOPIC, "banjir", "Banjir")
        _send(session, ADD_TOPIC, "banjir", "Banjir lagi")  # refused (at once on SQLite)
        time.sleep(0.3)  # its answer arrives: psycopg reads it as it sends the next
        _send(session, ADD_TOPIC, "gempa", "Gempa")
    assert _topics(db) == []


def test_a_statement_sent_ahead_last_that_fails_fails_the_commit_as_sqlalchemys_error(db) -> None:
    with pytest.raises(IntegrityError), db.writing(pipelined=True) as session:
        _send(session, ADD_TOPIC, "banjir", "Banjir")
        session.execute(text("SELECT 1"))
        _send(session, ADD_TOPIC, "banjir", "Banjir lagi")  # answered with the COMMIT
    assert _topics(db) == []


def test_a_failure_ends_the_pipeline_where_it_is_raised(db) -> None:
    if db.is_sqlite:
        pytest.skip("no pipeline on SQLite")
    with db.writing(pipelined=True) as session:
        _send(session, ADD_TOPIC, "banjir", "Banjir")
        _send(session, ADD_TOPIC, "banjir", "Banjir lagi")
        with pytest.raises(IntegrityError):
            session.execute(text("SELECT count(*) FROM topics"))
        driver = session.connection().connection.driver_connection
        status = driver.pgconn.pipeline_status
    assert status == pq.PipelineStatus.OFF  # not left aborted, refusing what comes next
    assert _topics(db) == []  # the failed transaction's COMMIT rolled it back


@pytest.mark.parametrize("answered", [True, False], ids=["answered", "still-waiting"])
def test_a_block_that_raises_rolls_back_what_it_sent_ahead_and_plain_writers_stay_transactional(
    db, answered: bool
) -> None:
    with pytest.raises(RuntimeError, match="stop"), db.writing(pipelined=True) as session:
        _send(session, ADD_TOPIC, "banjir", "Banjir")
        if answered:
            session.execute(text("SELECT 1"))
        raise RuntimeError("stop")
    assert _topics(db) == []
    # The same connection, given to a plain writer: its writes are still undone by a rollback.
    with pytest.raises(RuntimeError, match="again"), db.writing() as session:
        session.execute(text("INSERT INTO topics (slug, label) VALUES ('gempa', 'Gempa')"))
        raise RuntimeError("again")
    assert _topics(db) == []


def _exchanges(db: Database, write) -> int:
    with count_exchanges(db.engine) as exchanges:
        write()
    return exchanges.count


def test_a_pipelined_writer_waits_on_the_server_for_its_reads_and_its_end_alone(db) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite runs in the process: no round trips")

    def write(pipelined: bool, slug: str) -> None:
        with db.writing(pipelined=pipelined) as session:
            session.execute(text("SELECT count(*) FROM topics")).scalar()
            _send(session, ADD_TOPIC, slug, "Banjir")
            session.execute(text("SELECT count(*) FROM topics")).scalar()
            _send(session, RENAME_TOPIC, "Banjir bandang", slug)

    # BEGIN, the lock, a read, an INSERT, a read, an UPDATE, COMMIT: each waited for.
    assert _exchanges(db, lambda: write(False, "plain")) == 7
    # BEGIN, the lock and a read; the INSERT and a read; the UPDATE and COMMIT.
    assert _exchanges(db, lambda: write(True, "pipelined")) == 3
    assert _topics(db) == [("pipelined", "Banjir bandang"), ("plain", "Banjir bandang")]


def test_a_pipelined_writer_is_one_read_committed_transaction(db) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's transaction settings")
    with db.writing(pipelined=True) as session:
        level = session.execute(text("SHOW transaction_isolation")).scalar()
        began = session.execute(text("SELECT now()")).scalar()
        time.sleep(0.05)
        still = session.execute(text("SELECT now()")).scalar()  # a transaction's start, not the statement's
        locked = session.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        ).scalar()
    assert (level, still, locked) == ("read committed", began, 1)


def test_pipelined_writers_take_turns(db, database_url) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite's writers take turns by BEGIN IMMEDIATE (tests/integration/test_writers.py)")
    other = Database(database_url)
    holding = threading.Event()
    counted: list[int] = []

    def second() -> None:
        holding.wait(10)
        with other.writing(pipelined=True) as session:
            counted.append(session.execute(text("SELECT count(*) FROM topics")).scalar())

    waiting = threading.Thread(target=second)
    waiting.start()
    try:
        with db.writing(pipelined=True) as session:
            _send(session, ADD_TOPIC, "banjir", "Banjir")
            session.execute(text("SELECT 1"))  # the lock is held by now
            holding.set()
            waiting.join(0.5)
            assert waiting.is_alive() and counted == []  # the second writer waits for the turn
    finally:
        waiting.join(10)
        other.dispose()
    assert counted == [1]  # and then sees what the first committed
