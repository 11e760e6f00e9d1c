"""POST /claims latency and matching recall with the store at 10,000 and 100,000 claims.

    python bench/post_claims.py --sizes 10000,100000 [--queries 1000] [--seed 7]

For each size: fill a SQLite store with synthetic claims through `import_claims` (the same matching
as POST), then time POST /claims through the app (median and p99, server-side: the WSGI call,
no network), and measure recall of the candidate index against a brute-force rapidfuzz scan of
every stored subject form with the same scorer, threshold and hard rules.
Ends with one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import synthetic
from schemas import ClaimIn
from service.app import create_app
from service.bulk import import_claims
from service.config import Config
from service.domain import matching
from service.storage import repository as repo
from service.storage.migrate import upgrade
from service.storage.models import SubjectForm
from service.usecases import Context


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fill(ctx: Context, size: int, seed: int) -> float:
    schema = ClaimIn()
    rows = ((i, schema.load(body)) for i, body in enumerate(synthetic.claims(seed, size), start=1))
    started = time.perf_counter()
    report = import_claims(ctx, rows, batch_size=1000)
    elapsed = time.perf_counter() - started
    print(f"  filled {report.stored:,} claims ({report.already_stored} repeats, "
          f"{len(report.rejected)} rejected) in {elapsed:.0f} s", file=sys.stderr)  # fmt: skip
    return elapsed


def time_posts(app: Any, bodies: list[dict[str, Any]]) -> list[float]:
    client = app.test_client()
    timings = []
    for body in bodies:
        started = time.perf_counter()
        response = client.post("/claims", json=body)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"POST failed: {response.status_code} {response.get_data(as_text=True)}")
    return timings


def recall(ctx: Context, bodies: list[dict[str, Any]]) -> tuple[float, int]:
    """Share of brute-force joinable groups that the index also finds, over all queries."""
    with ctx.db.reading() as session:
        forms = list(session.scalars(select(SubjectForm)))
        by_measure: dict[str, list[SubjectForm]] = {}
        for form in forms:
            by_measure.setdefault(form.measure, []).append(form)
        expected_total = found_total = 0
        schema = ClaimIn()
        from service.usecases import read_value

        for body in bodies:
            data = schema.load(body)
            value = read_value(data)
            measure = matching.measure_of(value.dimension, value.unit)
            subject = matching.normalise_subject(data.subject, ctx.lexicon)
            pool = by_measure.get(measure, [])
            hits = process.extract(
                subject.form, [f.form for f in pool], scorer=fuzz.ratio, processor=None,
                score_cutoff=matching.JOIN_THRESHOLD * 100, limit=None,
            )  # fmt: skip
            brute = {
                pool[i].group_id for _, _, i in hits
                if matching.similarity(subject.form, pool[i].form) >= matching.JOIN_THRESHOLD
                and matching.can_join(subject, measure, data.event_date, _candidate(pool[i]))
            }  # fmt: skip
            candidates = repo.candidates(session, subject, measure, data.event_date)
            indexed = {
                c.group_id for c in candidates
                if matching.similarity(subject.form, c.form) >= matching.JOIN_THRESHOLD
                and matching.can_join(subject, measure, data.event_date, c)
            }  # fmt: skip
            expected_total += len(brute)
            found_total += len(brute & indexed)
    return (found_total / expected_total if expected_total else 1.0), expected_total


def _candidate(form: SubjectForm) -> matching.Candidate:
    return matching.Candidate(
        form.group_id, form.form, form.measure, form.event_date, form.pins, form.generic
    )


def run(size: int, queries: int, seed: int, workdir: Path) -> dict[str, Any]:
    url = f"sqlite:///{workdir}/bench-{size}-{seed}.db"
    upgrade(url)
    config = Config()
    config.DATABASE_URL = url
    # The work is timed, not the per-key rate limits that guard a deployed server.
    config.RATE_LIMIT_READS = config.RATE_LIMIT_WRITES = ""
    app = create_app(config)
    ctx: Context = app.extensions["ceksilang"]
    print(f"size {size:,}:", file=sys.stderr)
    fill_seconds = fill(ctx, size, seed)
    # New claims about the stored subjects, said anew: the same pool, other phrasings and sources.
    bodies = list(synthetic.claims(seed, queries, pool_size=max(1, size // 10), phrasing_seed=seed + 1))
    for body in bodies:
        body["quote"] = f"query {body['quote']} {date.today().isoformat()}"
    rec, expected = recall(ctx, bodies)
    timings = time_posts(app, bodies)
    ctx.db.dispose()
    return {
        "post_median_ms": round(statistics.median(timings), 2),
        "post_p99_ms": round(percentile(timings, 0.99), 2),
        "recall": round(rec, 4),
        "brute_force_matches": expected,
        "fill_claims_per_s": round(size / fill_seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the filled databases here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = {str(size): run(size, args.queries, args.seed, workdir) for size in sizes}
    print(f"{'stored':>10} {'median ms':>10} {'p99 ms':>8} {'recall':>7} {'brute hits':>10} {'fill/s':>8}")
    for size, r in results.items():
        print(f"{int(size):>10,} {r['post_median_ms']:>10} {r['post_p99_ms']:>8} {r['recall']:>7} "
              f"{r['brute_force_matches']:>10} {r['fill_claims_per_s']:>8}")  # fmt: skip
    print(json.dumps({"sizes": results}))


if __name__ == "__main__":
    main()
