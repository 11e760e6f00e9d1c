"""Faults under load: a worker killed in the middle of a write burst, and PostgreSQL stopped.

A killed worker's transaction is rolled back by the database, so nothing half-written remains;
gunicorn's master starts a new worker; the client whose request died retries, and the retry
either stores the claim or finds it stored. A stopped database turns requests into 503
problem+json with Retry-After and /readyz red, and the service recovers by itself when the
database is back.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support import PostgresCluster, Reply, Server, call, fresh_database, postgres_bin

pytestmark = [pytest.mark.e2e, pytest.mark.faults]


def _claim(j: int) -> dict:
    return {
        "subject": f"jumlah rumah rusak akibat banjir di kecamatan {j % 12}",
        "value": f"{50 + j} unit",
        "source": {"name": f"outlet {j}"},
        "as_of": "2022-11-22",
    }


def _post_until_answered(base: str, body: dict) -> Reply:
    """A client that retries when the connection dies or the service asks it to wait."""
    for _ in range(50):
        try:
            reply = call(base, "POST", "/claims", body, timeout=30)
        except (OSError, http.client.HTTPException):  # the worker died under this request, maybe mid-answer
            time.sleep(0.1)
            continue
        if reply.status != 503:
            return reply
        time.sleep(0.2)
    raise AssertionError(f"no answer for {body['source']['name']}")


def test_a_worker_killed_mid_burst_is_replaced_and_loses_nothing(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        server = Server(url, tmp_path, workers=4).start()
        try:
            workers_before = server.worker_pids()
            assert len(workers_before) == 4
            killed: list[int] = []

            def killer() -> None:
                time.sleep(1.0)  # the burst is under way
                victim = server.worker_pids()[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

            threading.Thread(target=killer).start()
            with ThreadPoolExecutor(max_workers=8) as pool:
                replies = list(pool.map(lambda j: _post_until_answered(server.base, _claim(j)), range(400)))
            assert killed
            assert {r.status for r in replies} <= {200, 201}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                workers_after = server.worker_pids()
                if len(workers_after) == 4 and killed[0] not in workers_after:
                    break
                time.sleep(0.2)
            assert len(workers_after) == 4 and killed[0] not in workers_after
            # A retry after the kill succeeds, and every claim is stored exactly once.
            again = call(server.base, "POST", "/claims", _claim(7))
            assert again.status == 200
        finally:
            server.stop()
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM claims")).scalar_one() == 400
            assert conn.execute(text("SELECT count(DISTINCT fingerprint) FROM claims")).scalar_one() == 400
            counted = "(SELECT count(*) FROM claims c WHERE c.group_id = g.id)"
            mismatched = conn.execute(
                text(f"SELECT count(*) FROM groups g WHERE g.size <> {counted}")
            ).scalar_one()
            orphans = conn.execute(text(f"SELECT count(*) FROM groups g WHERE {counted} = 0")).scalar_one()
        engine.dispose()
        assert mismatched == 0 and orphans == 0


@pytest.mark.skipif(postgres_bin() is None, reason="needs PostgreSQL's server packages (CI installs them)")
def test_postgres_stopped_under_load_gives_503_and_the_service_recovers(tmp_path: Path) -> None:
    cluster = PostgresCluster()
    cluster.start()
    server = Server(cluster.url, tmp_path, workers=2).start()
    accepted: list[tuple[float, str]] = []
    during: list[Reply] = []
    stop = threading.Event()

    def writer(offset: int) -> None:
        j = offset
        while not stop.is_set():
            with contextlib.suppress(OSError):
                reply = call(server.base, "POST", "/claims", _claim(j), timeout=10)
                if reply.status == 201:
                    accepted.append((time.monotonic(), reply.body["claim"]["id"]))
                elif reply.status >= 500:
                    during.append(reply)
            j += 2
            time.sleep(0.01)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        cluster.stop()
        time.sleep(2.0)
        ready = call(server.base, "GET", "/readyz")
        read = call(server.base, "GET", "/claims")
        cluster.start()
        deadline = time.monotonic() + 30
        while call(server.base, "GET", "/readyz").status != 200:
            assert time.monotonic() < deadline, "the service did not recover"
            time.sleep(0.2)
        recovered = time.monotonic()
        time.sleep(1.0)  # writers carry on against the database that came back
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        server.stop()
        with contextlib.suppress(RuntimeError):
            cluster.stop()

    assert ready.status == 503 and ready.headers["Retry-After"] == "5"
    assert read.status == 503 and read.headers["Content-Type"] == "application/problem+json"
    assert during, "writes while the database was down were answered"
    assert all(r.status == 503 and r.headers.get("Retry-After") == "5" for r in during), {
        r.status for r in during
    }
    assert all(r.headers["Content-Type"] == "application/problem+json" for r in during)
    cluster.start()
    try:
        engine = create_engine(cluster.url)
        with engine.connect() as conn:
            stored = {str(i) for i in conn.execute(text("SELECT id FROM claims")).scalars()}
        engine.dispose()
    finally:
        cluster.remove()
    assert {claim_id for _, claim_id in accepted} <= stored  # nothing a client was told is stored is lost
    assert any(at > recovered for at, _ in accepted)  # writes succeed again without a restart
