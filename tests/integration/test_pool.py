"""On PostgreSQL, pooled connections the server has closed are replaced when checked out, without a
round trip to ask: a request after a restart or a terminated backend gets a working connection."""

from __future__ import annotations

import os
import resource
import socket
import time

import pytest
from sqlalchemy import create_engine, text

from service.storage.db import Database, _has_unread_bytes


@pytest.fixture
def postgres(ctx) -> Database:
    if ctx.db.is_sqlite:
        pytest.skip("a SQLite connection has no server to close it")
    return ctx.db


def _pid(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")))


def test_connections_the_server_closed_in_the_pool_are_replaced_before_use(postgres, database_url) -> None:
    with postgres.reading() as first, postgres.reading() as second:  # two connections into the pool
        pooled = {session.scalar(text("SELECT pg_backend_pid()")) for session in (first, second)}
    other = create_engine(database_url, isolation_level="AUTOCOMMIT")  # statistics not held in a snapshot
    with other.connect() as conn:
        ended = conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
            {"pids": sorted(pooled)},
        ).scalars()
        assert all(ended)
        deadline = time.monotonic() + 5
        alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)")
        while conn.scalar(alive, {"pids": sorted(pooled)}):
            assert time.monotonic() < deadline, "the backends did not end"
            time.sleep(0.05)
    other.dispose()
    for _ in pooled:  # every connection the pool holds is dead; each request still gets a live one
        assert _pid(postgres) not in pooled
    with postgres.writing() as session:
        assert session.scalar(text("SELECT 1")) == 1


def test_checking_out_a_connection_asks_the_server_nothing(postgres) -> None:
    assert not postgres.engine.pool._pre_ping  # the socket is looked at instead (storage/db.py)


def test_a_socket_past_selects_limit_is_looked_at_too() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 2000:
        pytest.skip("this process may not open a descriptor numbered past 2,000")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2100), hard))
    ours, theirs = socket.socketpair()
    high = os.dup2(ours.fileno(), 2000)
    try:
        assert not _has_unread_bytes(high)
        theirs.sendall(b"E")  # as the server's last message would arrive
        assert _has_unread_bytes(high)
        theirs.close()
        ours.recv(1)
        assert _has_unread_bytes(high)  # the end of the stream
    finally:
        os.close(high)
        ours.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
