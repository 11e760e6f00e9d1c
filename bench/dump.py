"""The time a POST's answer takes to dump, alone: the schema's work, not the request's.

    python bench/dump.py [--stored 10000] [--answers 300] [--rounds 5] [--seed 7]

Fills a SQLite store with synthetic claims through `import_claims`, posts new claims about the
same subjects (`usecases.post_claim`, as POST /claims does), then dumps each answer with the
answer's schema (`PostedClaimOut`), `--rounds` times over all of them: the median and p99 of one
answer's dump (the fastest of the rounds for each answer, so that the machine's other work weighs
least), the fields an answer holds, and the time a field. Run it on two commits
(`PYTHONPATH=<checkout>`) to compare their dumps on the same answers. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import synthetic
from bench.post_claims import fill, percentile
from schemas import ClaimIn, PostedClaimOut
from service import usecases
from service.app import create_app
from service.config import Config
from service.storage.migrate import upgrade


def fields_in(dumped: Any) -> int:
    """Values in a dumped answer, nested ones counted where they are."""
    if isinstance(dumped, dict):
        return sum(fields_in(v) if isinstance(v, dict | list) else 1 for v in dumped.values())
    if isinstance(dumped, list):
        return sum(fields_in(v) if isinstance(v, dict | list) else 1 for v in dumped)
    return 1


def run(stored: int, answers: int, rounds: int, seed: int, folder: Path) -> dict[str, Any]:
    url = f"sqlite:///{folder}/dump-{stored}-{seed}.db"
    upgrade(url)
    config = Config()
    config.DATABASE_URL = url
    ctx: usecases.Context = create_app(config).extensions["ceksilang"]
    fill(ctx, stored, seed)
    schema, loader = PostedClaimOut(), ClaimIn()
    bodies = synthetic.claims(seed, answers, pool_size=max(1, stored // 10), phrasing_seed=seed + 1)
    posted = [usecases.post_claim(ctx, loader.load(body)) for body in bodies]
    best = [float("inf")] * len(posted)
    for _ in range(rounds):
        for i, answer in enumerate(posted):
            started = time.perf_counter()
            schema.dump(answer)
            best[i] = min(best[i], time.perf_counter() - started)
    ctx.db.dispose()
    sizes = [fields_in(schema.dump(answer)) for answer in posted]
    ms = [b * 1000 for b in best]
    return {
        "stored": stored,
        "answers": len(posted),
        "dump_median_ms": round(statistics.median(ms), 3),
        "dump_p99_ms": round(percentile(ms, 0.99), 3),
        "fields_median": statistics.median(sizes),
        "us_per_field": round(1000 * sum(ms) / sum(sizes), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stored", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        figures = run(args.stored, args.answers, args.rounds, args.seed, Path(folder))
    print(f"{'stored':>8} {'answers':>8} {'median ms':>10} {'p99 ms':>8} {'fields':>7} {'µs a field':>10}")
    print(f"{figures['stored']:>8,} {figures['answers']:>8} {figures['dump_median_ms']:>10} "
          f"{figures['dump_p99_ms']:>8} {figures['fields_median']:>7} "
          f"{figures['us_per_field']:>10}")  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
