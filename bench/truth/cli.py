"""The reports behind ``ceksilang bench truth flight|population``: a table, then one JSON line."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.truth import flight
from bench.truth.harness import (
    FLIGHT_PUBLISHED,
    POPULATION_PUBLISHED,
    Run,
    flight_day,
    population_run,
)

Echo = Callable[[str], None]


def _day(args: tuple[Path, str]) -> tuple[str, Run, Run]:
    data, day = args
    ours, vote = flight_day(data, day)
    return day, ours, vote


def flight_report(data: Path, day: str | None, month: bool, jobs: int, echo: Echo) -> None:
    start = time.perf_counter()
    wanted = [d for d in flight.days(data) if (data / "truth" / f"{d}-truth.txt").exists()]
    if not month:
        wanted = [day or flight.SNAPSHOT]
    if jobs > 1 and len(wanted) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_day, [(data, d) for d in wanted]))
    else:
        results = [_day((data, d)) for d in wanted]
    echo(f"{'day':<12} {'items':>6} {'ours':>7} {'vote':>7} {'ours s':>7}")
    for d, ours, vote in results:
        echo(f"{d:<12} {ours.scored:>6} {ours.fraction:>7.3f} {vote.fraction:>7.3f} {ours.seconds:>7.1f}")
    ours_p = [o.fraction for _, o, _ in results]
    vote_p = [v.fraction for _, _, v in results]
    avg_o, avg_v = sum(ours_p) / len(ours_p), sum(vote_p) / len(vote_p)
    column = 1 if month else 0
    table = "Table 9, average over the days" if month else "Table 7, snapshot 2011-12-08"
    echo("")
    echo(f"precision within {flight.TOLERANCE_MINUTES} minutes ({'average' if month else 'one day'}):")
    echo(
        f"  {'ours (service.domain.truth.discover)':<40} {avg_o:.3f}"
        + (f"  min {min(ours_p):.3f}" if month else "")
    )
    echo(
        f"  {'majority vote (same harness)':<40} {avg_v:.3f}" + (f"  min {min(vote_p):.3f}" if month else "")
    )
    echo(f"published, Li et al. PVLDB 2012, {table}:")
    for name, figures in FLIGHT_PUBLISHED.items():
        echo(f"  {name:<40} {figures[column]:.3f}")
    elapsed = time.perf_counter() - start
    echo(f"{len(results)} day(s) in {elapsed:.0f} s")
    scope = "month" if month else (day or flight.SNAPSHOT)
    line = {
        "dataset": f"flight/{scope}",
        "ours": {
            "precision": round(avg_o, 4),
            "min": round(min(ours_p), 4),
            "items": sum(o.scored for _, o, _ in results),
        },
        "vote": {
            "precision": round(avg_v, 4),
            "min": round(min(vote_p), 4),
            "items": sum(v.scored for _, _, v in results),
        },
        "published": {k: v[column] for k, v in FLIGHT_PUBLISHED.items()},
        "seconds": round(elapsed, 1),
    }
    echo(json.dumps(line))


def population_report(data: Path, echo: Echo) -> None:
    start = time.perf_counter()
    result = population_run(data)
    echo(f"{'method':<40} {'accuracy':>9} {'within 1%':>10} {'items':>6}")
    for name, label in (
        ("ours", "ours (service.domain.truth.discover)"),
        ("vote", "majority vote (same harness)"),
    ):
        r = result[name]
        echo(f"{label:<40} {r['accuracy']:>9.4f} {r['within_1pct']:>10.4f} {r['scored']:>6}")
    echo("published, Pasternack & Roth WWW 2013 Table 2 (274 items, their preprocessing):")
    for name, figure in POPULATION_PUBLISHED.items():
        echo(f"  {name:<38} {figure:>9.4f}")
    elapsed = time.perf_counter() - start
    echo(f"in {elapsed:.0f} s")
    echo(
        json.dumps(
            {
                "dataset": "population",
                **result,
                "published": POPULATION_PUBLISHED,
                "seconds": round(elapsed, 1),
            }
        )
    )
