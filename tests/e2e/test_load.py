"""Many writers at once: 4 gunicorn workers, 8 clients, 2,000 claims about 50 subjects.

Every accepted claim is stored once, the same claim posted by two clients at once is one claim,
and the claims about one subject end in one group: no twin groups from a race. Runs on the
suite's database (SQLite, or PostgreSQL with CEKSILANG_TEST_DATABASE_URL) and prints what it
measured: requests per second, median and p99 latency.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support import Reply, Server, call, fresh_database

pytestmark = [pytest.mark.e2e, pytest.mark.load]
CLIENTS = 8
CLAIMS = 2000
REPEATS = 200  # claims a second client posts again while the first may still be posting them
PLACES = ["Cianjur", "Garut", "Palu", "Lombok", "Mamuju", "Sumedang", "Pasaman", "Malang", "Ambon", "Banten",
          "Sleman", "Karangasem", "Tasikmalaya", "Jember", "Bengkulu", "Aceh", "Nias", "Sigi", "Donggala",
          "Majene", "Lumajang", "Pandeglang", "Bantul", "Padang", "Sukabumi"]  # fmt: skip
KINDS = ["jumlah korban meninggal akibat gempa di {}", "jumlah pengungsi akibat gempa di {}"]
SUBJECTS = [kind.format(place) for place in PLACES for kind in KINDS]


def _claim(j: int) -> dict:
    subject = SUBJECTS[j % len(SUBJECTS)]
    return {
        "subject": subject,
        "value": f"{100 + (j * 7) % 400} orang",
        "source": {"name": f"outlet {j // len(SUBJECTS)}"},
        "as_of": "2022-11-22",
        "topic": "gempa",
        "language": "id",
    }


def _post(base: str, body: dict, latencies: list[float], lock: threading.Lock) -> Reply:
    for _ in range(10):
        started = time.perf_counter()
        reply = call(base, "POST", "/claims", body)
        with lock:
            latencies.append(time.perf_counter() - started)
        if reply.status != 503:
            return reply
        assert reply.headers["Retry-After"], "a 503 says when to come back"
        time.sleep(0.2)
    return reply


def test_eight_clients_two_thousand_claims_nothing_lost_no_twin_groups(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        server = Server(url, tmp_path, workers=4).start()
        latencies: list[float] = []
        lock = threading.Lock()
        # Client c posts claims c, c+8, c+16, ...; and then again some of client c+1's.
        plans = [[*range(c, CLAIMS, CLIENTS), *range((c + 1) % CLIENTS, REPEATS * CLIENTS, CLIENTS)[:25]]
                 for c in range(CLIENTS)]  # fmt: skip

        def client(plan: list[int]) -> list[tuple[int, Reply]]:
            return [(j, _post(server.base, _claim(j), latencies, lock)) for j in plan]

        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                results = [r for replies in pool.map(client, plans) for r in replies]
            elapsed = time.perf_counter() - started
        finally:
            server.stop()

        statuses = Counter(reply.status for _, reply in results)
        assert set(statuses) <= {200, 201}, (statuses, server.log()[-3000:])
        assert statuses[201] == CLAIMS  # each claim created once, whoever posted it first
        ids_by_claim: dict[int, set[str]] = defaultdict(set)
        for j, reply in results:
            ids_by_claim[j].add(reply.body["claim"]["id"])
        assert all(len(ids) == 1 for ids in ids_by_claim.values())  # a repeat is the same claim

        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM claims")).scalar_one()
            groups_of = conn.execute(
                text("SELECT subject, count(DISTINCT group_id) FROM claims GROUP BY subject")
            )
            twins = {subject: n for subject, n in groups_of if n != 1}
            sizes = conn.execute(
                text("SELECT g.size, (SELECT count(*) FROM claims c WHERE c.group_id = g.id) FROM groups g")
            ).all()
        engine.dispose()
        assert stored == CLAIMS
        assert twins == {}
        assert all(size == counted for size, counted in sizes)  # tallies agree with the claims

        ordered = sorted(latencies)
        p99 = ordered[int(len(ordered) * 0.99) - 1]
        print(
            f"\nload ({url.split(':')[0]}): {len(results)} POST /claims from {CLIENTS} clients on 4 workers "
            f"in {elapsed:.1f} s: {len(results) / elapsed:.0f} requests/s, "
            f"median {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
        )
