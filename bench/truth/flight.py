"""Flight: 38 flight-status sites, Dec 2011; precision within 10 minutes on about 100 gold flights a day.

Files (see the data folder's README): ``claims/YYYY-MM-DD-data.txt.gz`` (TSV, latin-1: source,
flight, scheduled departure, actual departure, departure gate, scheduled arrival, actual arrival,
arrival gate) and ``truth/YYYY-MM-DD-truth.txt`` (the same without the source).

Times become minutes of the day, [m, m] (the date and the time zone are dropped: the sources and the
gold write local times, and the paper compares times only); gates become upper-case labels.
An item is (day, flight, attribute). Scoring follows the paper: a time is right within 10 minutes
(measured round the clock), a gate only when equal.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.domain.truth import Claim, Discovery

ATTRIBUTES = ("sched_dep", "actual_dep", "dep_gate", "sched_arr", "actual_arr", "arr_gate")
GATES = {"dep_gate", "arr_gate"}
TOLERANCE_MINUTES = 10
SNAPSHOT = "2011-12-08"

_TIME = re.compile(r"(\d{1,2}):(\d{2})\s*(a\.m\.|p\.m\.|am|pm|noon|midnight|a|p)?", re.IGNORECASE)
_HEDGES = (
    ("estimated runway", "estimated_runway"),
    ("runway", "runway"),
    ("estimated", "estimated"),
    ("delayed", "delayed"),
    ("on time", "on_time"),
)
_GATE_PREFIX = re.compile(r"^(?:GATE|TERMINAL|TERM)\s+", re.IGNORECASE)


def parse_time(text: str) -> tuple[float, str | None] | None:
    """Minutes of the day and a hedge ("estimated", "runway", ...) or None when no time is given."""
    found = _TIME.search(text)
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    marker = (found.group(3) or "").lower().replace(".", "")
    if hour > 23 or minute > 59:
        return None
    if marker in ("pm", "p", "noon") and hour < 12:
        hour += 12
    elif marker in ("am", "a", "midnight") and hour == 12:
        hour = 0
    lowered = text.lower()
    hedge = next((name for word, name in _HEDGES if word in lowered), None)
    if hedge is None and "*" in text[found.end() :]:
        hedge = "starred"
    return float(hour * 60 + minute), hedge


def parse_gate(text: str) -> str | None:
    """An upper-case gate code; "Term C - C12" is C12; a terminal alone is no gate."""
    text = text.strip().upper()
    if not text:
        return None
    if " - " in text:
        text = text.rsplit(" - ", 1)[1].strip()
    elif _GATE_PREFIX.match(text):
        if text.startswith(("TERMINAL", "TERM")):
            return None
        text = _GATE_PREFIX.sub("", text)
    return text or None


def _value(attribute: str, text: str) -> tuple[float | None, float | None, str | None, str | None] | None:
    if attribute in GATES:
        gate = parse_gate(text)
        return None if gate is None else (None, None, gate, None)
    parsed = parse_time(text)
    if parsed is None:
        return None
    minutes, hedge = parsed
    return (minutes, minutes, None, hedge)


def days(data: Path) -> list[str]:
    return sorted(p.name[:10] for p in (data / "claims").glob("*-data.txt.gz"))


def load_claims(data: Path, day: str, per_attribute: bool = False) -> Iterator[Claim]:
    """The day's claims; with ``per_attribute`` a source is judged separately on each attribute."""
    with gzip.open(data / "claims" / f"{day}-data.txt.gz", "rt", encoding="latin-1") as lines:
        for line in lines:
            cells = line.rstrip("\n").split("\t")
            if len(cells) < 8:
                continue
            source, flight = cells[0].strip(), cells[1].strip()
            for attribute, text in zip(ATTRIBUTES, cells[2:8], strict=True):
                value = _value(attribute, text)
                if value is None:
                    continue
                low, high, label, hedge = value
                facet = attribute if per_attribute else None
                yield Claim(
                    (day, flight, attribute), source, low, high, label, hedge, facet=facet, kind=attribute
                )


def load_gold(data: Path, day: str) -> dict[tuple[str, str, str], tuple[float | None, str | None]]:
    """(day, flight, attribute) -> (minutes, None) or (None, gate); a flight listed twice keeps its first."""
    gold: dict[tuple[str, str, str], tuple[float | None, str | None]] = {}
    path = data / "truth" / f"{day}-truth.txt"
    for line in path.read_text(encoding="latin-1").splitlines():
        cells = line.split("\t")
        if len(cells) < 7:
            continue
        flight = cells[0].strip()
        for attribute, text in zip(ATTRIBUTES, cells[1:7], strict=True):
            key = (day, flight, attribute)
            value = _value(attribute, text)
            if value is None or key in gold:
                continue
            gold[key] = (value[0], value[2])
    return gold


@dataclass(frozen=True)
class Score:
    correct: int
    scored: int

    @property
    def precision(self) -> float:
        return self.correct / self.scored if self.scored else 0.0


def score(found: Discovery, gold: dict[tuple[str, str, str], tuple[float | None, str | None]]) -> Score:
    """Precision over the gold items some source claimed: times within 10 minutes, gates equal."""
    correct = scored = 0
    for key, (minutes, gate) in gold.items():
        truth = found.truths.get(key)
        if truth is None:
            continue
        scored += 1
        if gate is not None:
            correct += truth.label == gate
        elif truth.low is not None and truth.high is not None and minutes is not None:
            gap = abs((truth.low + truth.high) / 2 - minutes) % 1440
            correct += min(gap, 1440 - gap) <= TOLERANCE_MINUTES
    return Score(correct, scored)
