"""A POST's writer on PostgreSQL, pipelined or plain, side by side in one process.

    python bench/writers.py [--stored 100000] [--posts 600] [--seed 7] [--pg URL]

Fills a fresh PostgreSQL database with `--stored` claims of `bench/generator.py` through the real
`ceksilang import`, then posts new claims about the same subjects through the app (the WSGI call,
no network between client and app; PostgreSQL on loopback), each through a pipelined writer or a
plain one (`Database.writing(pipelined=...)`), drawn at random claim by claim, so that the
machine's drift over the run weighs on both alike. Prints the median and p90 of each, and their
ratio; the processor time of this process a POST, too (the server's is not in it); and, over 30
more POSTs each way, untimed, the median number of times a POST waited on the server (libpq's
trace of the protocol: `tests.support.count_exchanges`). PostgreSQL is a
private cluster on loopback (fsync off) unless --pg names a server. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import claim_key, new_bodies
from bench.generator import Corpus
from bench.imports import Databases, migrate, run_import, write_claims
from bench.post_claims import percentile
from service.app import create_app
from service.config import Config
from service.storage.db import Database
from tests.support import count_exchanges

MODES = ("pipelined", "plain")


def post_both_ways(
    url: str, bodies: list[dict[str, Any]], traced: dict[str, list[dict[str, Any]]], seed: int
) -> dict[str, dict[str, list[float]]]:
    """Each body posted once, through a writer of the mode drawn for it: wall and processor ms;
    then the `traced` bodies of each mode: the times the process waited on the server for each."""
    config = Config()
    config.DATABASE_URL, config.RATE_LIMIT_READS, config.RATE_LIMIT_WRITES = url, "", ""
    config.OPEN_WRITES, config.LOG_LEVEL = True, "warning"
    app = create_app(config)
    db: Database = app.extensions["ceksilang"].db
    drawn = {"pipelined": True}
    writing = db.writing

    def drawn_writing(*, pipelined: bool = False) -> Any:  # a writer asked to be pipelined: as drawn
        return writing(pipelined=pipelined and drawn["pipelined"])

    db.writing = drawn_writing  # type: ignore[method-assign]
    client = app.test_client()
    timings: dict[str, dict[str, list[float]]] = {
        mode: {"wall": [], "cpu": [], "exchanges": []} for mode in MODES
    }
    rng = random.Random(seed)
    try:
        for number, body in enumerate(bodies):
            mode = rng.choice(MODES)
            drawn["pipelined"] = mode == "pipelined"
            started, cpu = time.perf_counter(), time.process_time()
            response = client.post("/claims", json=body)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            if response.status_code != 201:
                raise RuntimeError(f"POST failed: {response.status_code} {response.get_data(as_text=True)}")
            if number >= WARM_UP:  # the first few fill the caches and the form index
                timings[mode]["wall"].append(wall * 1000)
                timings[mode]["cpu"].append(cpu * 1000)
        for mode in MODES:  # then, untimed, the exchanges with the server of a few more each way
            drawn["pipelined"] = mode == "pipelined"
            for body in traced[mode]:
                with count_exchanges(db.engine) as exchanges:
                    client.post("/claims", json=body)
                timings[mode]["exchanges"].append(exchanges.count)
    finally:
        db.dispose()
    return timings


# POSTs not timed at the start; POSTs of each writer traced at the end, not timed.
WARM_UP = 30
TRACED = 30


def run(stored: int, posts: int, seed: int, pg_url: str | None, folder: Path) -> dict[str, Any]:
    corpus = Corpus(seed, stored)
    keys: set[int] = set()
    claims = folder / "claims.jsonl"
    lines = write_claims(claims, corpus, lambda body: keys.add(hash(claim_key(body))))
    with ExitStack() as stack:
        databases = Databases(stack, pg_url, lambda line: print(line, file=sys.stderr))
        url = stack.enter_context(databases.fresh("postgres", f"writers-{stored}", folder))
        migrate(url, folder)
        fill = run_import(claims, lines, url, folder)
        bodies = new_bodies(corpus, posts + WARM_UP + 2 * TRACED, seed + 1, keys)
        traced = {"pipelined": bodies[-2 * TRACED : -TRACED], "plain": bodies[-TRACED:]}
        timings = post_both_ways(url, bodies[: -2 * TRACED], traced, seed)
    figures: dict[str, Any] = {"stored": fill.stored, "posts": sum(len(t["wall"]) for t in timings.values())}
    for mode, taken in timings.items():
        figures[mode] = {
            "posts": len(taken["wall"]),
            "median_ms": round(statistics.median(taken["wall"]), 2),
            "p90_ms": round(percentile(taken["wall"], 0.9), 2),
            "cpu_median_ms": round(statistics.median(taken["cpu"]), 2),
            "exchanges_median": statistics.median(taken["exchanges"]),
        }
    figures["median_ratio"] = round(figures["pipelined"]["median_ms"] / figures["plain"]["median_ms"], 3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", default=None, help="a PostgreSQL server (default: a private one on loopback)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        figures = run(args.stored, args.posts, args.seed, args.pg, Path(folder))
    print(f"{'writer':>10} {'posts':>6} {'median ms':>10} {'p90 ms':>8} {'cpu median ms':>14} "
          f"{'exchanges':>10}")  # fmt: skip
    for mode in MODES:
        row = figures[mode]
        print(f"{mode:>10} {row['posts']:>6} {row['median_ms']:>10} {row['p90_ms']:>8} "
              f"{row['cpu_median_ms']:>14} {row['exchanges_median']:>10}")  # fmt: skip
    print(f"pipelined / plain, median: {figures['median_ratio']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
