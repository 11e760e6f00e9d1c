"""Population: Wikipedia editors' city populations (Pasternack & Roth, COLING 2010), DAFNA's files.

``population_claims.csv`` (ObjectID, PropertyID, PropertyValue, SourceID, TimeStamp) and
``population_truth.csv``; an item is (city, PopulationYEAR), a value an exact integer [v, v].
Accuracy is exact equality with the census figure over the gold items some editor claimed (301 of
308); "within 1%" counts a chosen value within 1% of the census figure as right.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.domain.truth import Claim, Discovery


def load_claims(data: Path) -> Iterator[Claim]:
    with (data / "population_claims.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            try:
                value = float(int(row["PropertyValue"]))
            except ValueError:
                continue
            yield Claim((row["ObjectID"], row["PropertyID"]), row["SourceID"], value, value)


def load_gold(data: Path) -> dict[tuple[str, str], float]:
    with (data / "population_truth.csv").open(encoding="utf-8", newline="") as f:
        return {(r["ObjectID"], r["PropertyID"]): float(int(r["PropertyValue"])) for r in csv.DictReader(f)}


@dataclass(frozen=True)
class Score:
    exact: int
    within_1pct: int
    scored: int

    @property
    def accuracy(self) -> float:
        return self.exact / self.scored if self.scored else 0.0

    @property
    def accuracy_1pct(self) -> float:
        return self.within_1pct / self.scored if self.scored else 0.0


def score(found: Discovery, gold: dict[tuple[str, str], float]) -> Score:
    exact = near = scored = 0
    for key, value in gold.items():
        truth = found.truths.get(key)
        if truth is None or truth.low is None or truth.high is None:
            continue
        scored += 1
        chosen = (truth.low + truth.high) / 2
        exact += chosen == value
        near += abs(chosen - value) <= 0.01 * abs(value)
    return Score(exact, near, scored)
