"""Reading sessions on PostgreSQL: read-only transactions, ended by a commit so that the driver keeps
the statements it prepared on the server (a rollback makes psycopg forget them all)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from schemas import ClaimIn
from service import usecases
from service.storage import repository as repo
from service.storage.db import Database

# A statement no other part of Cek Silang runs, to be found among the connection's prepared ones.
PROBE = "SELECT count(*) FROM topics WHERE slug <> 'sessions-probe'"


@pytest.fixture
def postgres(ctx) -> Database:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite has no prepared statements on a server")
    return ctx.db


def _prepared(db: Database) -> dict[int, bool]:
    """For each server process the pool holds, whether the probe is prepared on it."""
    found: dict[int, bool] = {}
    for connection in db.engine.pool._pool.queue:  # type: ignore[attr-defined]
        driver = connection.dbapi_connection
        pid = driver.info.backend_pid
        with driver.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", (PROBE,))
            found[pid] = cursor.fetchone()[0] > 0
        driver.commit()  # idle, as the pool left it (a rollback would make psycopg forget them all)
    return found


def test_a_statement_read_again_and_again_stays_prepared_on_the_server(postgres) -> None:
    pids = set()
    for _ in range(12):  # psycopg prepares a statement on its sixth run on a connection
        with postgres.reading() as session:
            session.execute(text(PROBE))
            pids.add(session.scalar(text("SELECT pg_backend_pid()")))
    prepared = _prepared(postgres)
    assert len(pids) == 1, pids  # one client at a time: the pool hands out the same connection
    assert prepared == {pid: True for pid in pids}


def test_a_reading_session_cannot_write(postgres) -> None:
    with postgres.writing() as session:
        session.execute(text("INSERT INTO topics (slug, label) VALUES ('kept', 'Kept')"))
    with pytest.raises(DBAPIError, match="read-only transaction"), postgres.reading() as session:
        session.execute(text("UPDATE topics SET label = 'Changed' WHERE slug = 'kept'"))
    with pytest.raises(DBAPIError, match="read-only transaction"), postgres.reading() as session:
        session.execute(text("INSERT INTO topics (slug, label) VALUES ('new', 'New')"))
    with postgres.reading() as session:
        rows = session.execute(text("SELECT slug, label FROM topics ORDER BY slug")).all()
    assert [tuple(row) for row in rows] == [("kept", "Kept")]
    with postgres.writing() as session:  # the connection handed back is a writer's again
        session.execute(text("UPDATE topics SET label = 'Renamed' WHERE slug = 'kept'"))
    with postgres.reading() as session:
        assert session.scalar(text("SELECT label FROM topics WHERE slug = 'kept'")) == "Renamed"


def _prepare_the_probe(db: Database) -> None:
    for _ in range(8):
        with db.reading() as session:
            session.execute(text(PROBE))
    assert all(_prepared(db).values())


def test_a_reading_block_that_raises_its_own_error_keeps_the_prepared_statements(postgres) -> None:
    _prepare_the_probe(postgres)
    with pytest.raises(LookupError), postgres.reading() as session:  # as a 404 is raised
        session.execute(text(PROBE))
        raise LookupError("no such group")
    assert all(_prepared(postgres).values())
    with postgres.reading() as session:
        assert session.scalar(text("SELECT 1")) == 1


def test_a_reading_block_the_database_failed_is_rolled_back_and_the_connection_serves_on(postgres) -> None:
    _prepare_the_probe(postgres)
    with pytest.raises(DBAPIError, match="division by zero"), postgres.reading() as session:
        session.execute(text("SELECT 1 / 0"))
    with postgres.reading() as session:
        assert session.scalar(text("SELECT 1")) == 1
        assert session.scalar(text("SELECT count(*) FROM topics")) == 0


def _in_transaction(session) -> bool:
    driver = session.connection().connection.driver_connection
    return driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def test_an_answer_is_read_outside_any_transaction_and_the_connection_serves_transactions_after(
    postgres,
) -> None:
    _prepare_the_probe(postgres)
    pids = set()
    with postgres.answering() as session:
        session.execute(text(PROBE))
        assert not _in_transaction(session)  # no BEGIN was sent: none to COMMIT either
        pids.add(session.scalar(text("SELECT pg_backend_pid()")))
    assert all(_prepared(postgres).values())  # nothing rolled back: the statements kept
    with postgres.reading() as session:
        session.execute(text(PROBE))
        assert _in_transaction(session)
        pids.add(session.scalar(text("SELECT pg_backend_pid()")))
        with pytest.raises(DBAPIError, match="read-only transaction"):
            session.execute(text("INSERT INTO topics (slug, label) VALUES ('new', 'New')"))
    with pytest.raises(RuntimeError), postgres.writing() as session:
        session.execute(text("INSERT INTO topics (slug, label) VALUES ('undone', 'Undone')"))
        assert _in_transaction(session)
        pids.add(session.scalar(text("SELECT pg_backend_pid()")))
        raise RuntimeError("a writer that fails is rolled back whole")
    assert len(pids) == 1  # one client at a time: the connection the answer was read on, each time
    with postgres.answering() as session:
        assert session.scalar(text("SELECT count(*) FROM topics")) == 0


def test_a_posted_claim_is_answered_outside_any_transaction(ctx, postgres, monkeypatch) -> None:
    seen: list[bool] = []
    read = repo.latest_claims_of_groups

    def spy(session, limits, *, exclude):
        seen.append(_in_transaction(session))
        return read(session, limits, exclude=exclude)

    monkeypatch.setattr(repo, "latest_claims_of_groups", spy)
    body = {"subject": "korban banjir Bekasi", "value": "12 orang", "source": {"name": "Kompas"}}
    first = usecases.post_claim(ctx, ClaimIn().load(body))
    second = usecases.post_claim(
        ctx, ClaimIn().load(body | {"value": "15 orang", "source": {"name": "Tempo"}})
    )
    again = usecases.post_claim(ctx, ClaimIn().load(body))  # a repeat is answered in a reading transaction
    assert seen == [False, False, True]
    assert second.group.id == first.group.id
    assert [m.claim.id for m in second.matches] == [first.claim.id]
    assert not again.created and [m.claim.id for m in again.matches] == [second.claim.id]


def test_every_session_is_read_committed_whatever_the_servers_default(postgres) -> None:
    """Writers need READ COMMITTED (see Database): a database set to REPEATABLE READ by default
    does not change it."""
    name = postgres.url.database
    with postgres.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.exec_driver_sql(f"ALTER DATABASE {name} SET default_transaction_isolation = 'repeatable read'")
    db = Database(postgres.url.render_as_string(hide_password=False))
    try:
        with db.engine.connect() as plain:
            raw = plain.connection.driver_connection
            assert raw.execute("SHOW default_transaction_isolation").fetchone()[0] == "repeatable read"
            raw.rollback()
        levels = set()
        for _ in range(3):  # and again on the connection an answer was read on, outside transactions
            for session_of in (db.writing, db.reading):
                with session_of() as session:
                    levels.add(session.scalar(text("SHOW transaction_isolation")))
            with db.answering() as session:
                session.execute(text("SELECT 1"))
        assert levels == {"read committed"}
    finally:
        db.dispose()
        with postgres.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
            admin.exec_driver_sql(f"ALTER DATABASE {name} RESET default_transaction_isolation")
