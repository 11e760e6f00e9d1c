"""A role one process per database plays at a time: whoever holds it keeps it until it lets go or
its process ends, and then the next bid takes it. On the suite's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, text

from service.storage.db import ROLE_LOCK_KEYS, Database, SoleRole

# A second process bidding for the counter role: prints whether it took it, then holds on until
# its stdin closes or it is killed.
BIDDER = """
import sys
from service.storage.db import Database
role = Database(sys.argv[1]).sole_role("counter")
print(role.take(), flush=True)
sys.stdin.read()
"""


def _bidder(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", BIDDER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _taken_within(role: SoleRole, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not role.take():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def two(database_url):
    first, second = Database(database_url), Database(database_url)
    yield first, second
    first.dispose()
    second.dispose()


def test_while_one_database_object_holds_the_role_another_cannot_take_it(two) -> None:
    first, second = (db.sole_role("counter") for db in two)
    assert first.take() and first.held
    assert not second.take() and not second.held
    assert first.take()  # kept from round to round
    first.release()
    assert not first.held
    assert second.take()
    assert not first.take()


def test_disposing_the_holders_database_gives_the_role_up(two) -> None:
    first_db, second_db = two
    first, second = first_db.sole_role("counter"), second_db.sole_role("counter")
    assert first.take()
    assert not second.take()
    first_db.dispose()
    assert second.take()


def test_two_bids_in_one_process_exclude_each_other_as_two_processes_would(database_url) -> None:
    db = Database(database_url)
    try:
        first, second = db.sole_role("counter"), db.sole_role("counter")
        assert first.take()
        assert not second.take()
    finally:
        db.dispose()


def test_another_process_cannot_take_the_role_while_this_one_holds_it(two, database_url) -> None:
    holder = two[0].sole_role("counter")
    assert holder.take()
    done = subprocess.run([sys.executable, "-c", BIDDER, database_url], input="", capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    holder.release()
    done = subprocess.run([sys.executable, "-c", BIDDER, database_url], input="", capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.stdout.strip() == "True"


def test_when_the_holding_process_dies_the_role_passes_to_the_next_bid(two, database_url) -> None:
    role = two[0].sole_role("counter")
    bidder = _bidder(database_url)
    try:
        assert bidder.stdout is not None
        assert bidder.stdout.readline().strip() == "True"
        assert not role.take()
        time.sleep(0.2)
        assert not role.take()  # held for as long as the process lives
        os.kill(bidder.pid, signal.SIGKILL)  # no release, no clean exit
        bidder.wait(10)
        assert _taken_within(role, 10)
    finally:
        if bidder.poll() is None:
            bidder.kill()
            bidder.wait(10)


def test_an_in_memory_database_has_its_role_held_in_the_process() -> None:
    url = "sqlite://"  # no file to lock beside it
    first_db, second_db = Database(url), Database(url)
    first, second = first_db.sole_role("counter"), second_db.sole_role("counter")
    assert first.take()
    assert not second.take()
    first_db.dispose()
    assert second.take()
    second_db.dispose()
    assert first_db.sole_role("counter").take()
    first_db.dispose()


def test_an_unknown_role_is_refused(database_url) -> None:
    db = Database(database_url)
    with pytest.raises(ValueError, match="no such role"):
        db.sole_role("janitor")
    db.dispose()


@pytest.mark.skipif(
    not os.environ.get("CEKSILANG_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="PostgreSQL's advisory lock lives with a connection (python -m tests.with_postgres)",
)
def test_a_holder_whose_connection_broke_has_lost_the_role_and_bids_again(two, database_url, caplog) -> None:
    first, second = (db.sole_role("counter") for db in two)
    assert first.take()
    key = ROLE_LOCK_KEYS["counter"]
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            terminated = conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND granted AND classid = :high AND objid = :low AND objsubid = 1"
                ),
                {"high": key >> 32, "low": key & 0xFFFFFFFF},
            )
        assert terminated == 1  # the holder's session, and only it
        assert _taken_within(second, 10)  # the server let go of the lock with the session
        with caplog.at_level(logging.WARNING, logger="ceksilang"):
            assert not first.take()  # found its connection broken, bid again and lost
        assert not first.held
        assert any("role is lost" in r.getMessage() for r in caplog.records)
        second.release()
        assert first.take()  # on a new connection
        assert first.take()
    finally:
        admin.dispose()


def test_a_role_given_up_can_be_taken_the_moment_release_returns(two) -> None:
    """A process that gives the role up (as a server's old workers do on an upgrade) leaves it free
    at once: taken by another bid without waiting for the server to end the session."""
    first, second = (db.sole_role("counter") for db in two)
    for _ in range(20):
        assert first.take()
        assert not second.take()
        first.release()
        assert second.take()
        second.release()
