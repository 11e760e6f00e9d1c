"""Run the truth-discovery benchmarks: ours (``discover``) beside ``majority_vote`` and the papers' tables.

Both methods are the service's own functions from ``service.domain.truth``; only the loading and the
scoring live here. ``ceksilang bench truth flight|population`` prints these reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bench.truth import flight, population
from service.domain.truth import DEFAULT, Discovery, Settings, discover, majority_vote

# Flight: times in minutes of the day; a minute is the closeness scale (sources copying one feed give
# the same minute; independent ones differ by a minute or two), no relative closeness.
# The gold (the airlines) gives gate departure and arrival times; some sites say "(runway)" of a time
# that is the wheels-off or touchdown time instead, a neighbouring quantity: such claims are set aside,
# and so are the unlabelled times of a source that keep matching them (it reports runway times).
FLIGHT_SETTINGS = replace(
    DEFAULT,
    closeness_absolute=1.0,
    closeness_relative=0.0,
    other_measure_hedges=("runway", "estimated_runway"),
)
# Population: the service's defaults (closeness 2% of the value).
POPULATION_SETTINGS = DEFAULT

# Li et al., PVLDB 2012, Table 7 (2011-12-08) and Table 9 (average over the days), no trust given.
FLIGHT_PUBLISHED = {
    "AccuCopy": (0.943, 0.987),
    "PooledInvest": (0.921, 0.979),
    "PopAccu": (0.925, 0.972),
    "AccuSimAttr": (0.833, 0.956),
    "AccuSim": (0.844, 0.866),
    "TruthFinder": (0.793, 0.818),
    "Vote": (0.864, 0.887),
}
# Pasternack & Roth, Latent Credibility Analysis, WWW 2013, Table 2 (accuracy).
POPULATION_PUBLISHED = {"MistakeLCAm": 0.8613, "TruthFinder": 0.8504, "Sums": 0.8212, "Voting": 0.7993}


@dataclass(frozen=True)
class Run:
    correct: int
    scored: int
    seconds: float

    @property
    def fraction(self) -> float:
        return self.correct / self.scored if self.scored else 0.0


def _timed(method: Callable[[], Discovery]) -> tuple[Discovery, float]:
    start = time.perf_counter()
    found = method()
    return found, time.perf_counter() - start


def flight_day(
    data: Path,
    day: str,
    settings: Settings = FLIGHT_SETTINGS,
    conventions: dict[tuple[str, str | None], str] | None = None,
) -> tuple[Run, Run]:
    """(ours, vote) on one day's gold items; ``conventions`` default to those found in the day's claims."""
    claims = list(flight.load_claims(data, day))
    gold = flight.load_gold(data, day)
    ours, ours_s = _timed(lambda: discover(claims, settings, conventions))
    vote, vote_s = _timed(lambda: majority_vote(claims, settings))
    o, v = flight.score(ours, gold), flight.score(vote, gold)
    return Run(o.correct, o.scored, ours_s), Run(v.correct, v.scored, vote_s)


def population_run(data: Path, settings: Settings = POPULATION_SETTINGS) -> dict[str, dict[str, float]]:
    claims = list(population.load_claims(data))
    gold = population.load_gold(data)
    out = {}
    for name, method in (("ours", discover), ("vote", majority_vote)):
        found, seconds = _timed(lambda method=method: method(claims, settings))  # type: ignore[misc]
        s = population.score(found, gold)
        out[name] = {
            "accuracy": round(s.accuracy, 4),
            "within_1pct": round(s.accuracy_1pct, 4),
            "correct": s.exact,
            "scored": s.scored,
            "seconds": round(seconds, 2),
        }
    return out
