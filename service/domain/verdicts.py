"""Agreement, conflict and consensus between the claims of one group.

Pure Python over plain dataclasses. Two claims conflict when their values cannot both hold
(intervals disjoint after the exact-figure tolerance) and they describe the same time.
The consensus is the value backed by the most independent origins: claims that rely on the
same wire or outlet count once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from service.domain import tolerance
from service.domain.values import LABEL, Value, format_value

AGREES = "agrees"
CONFLICTS = "conflicts"
OTHER_TIME = "other_time"
RELATED = "related"


@dataclass(frozen=True)
class ClaimView:
    """What the verdicts need to know of a claim."""

    id: int
    value: Value
    source: str
    origin_key: str  # the declared origin, or the source itself when none is declared
    as_of: date | None
    origin: str = ""  # the origin as written, for explanations

    @property
    def origin_name(self) -> str:
        return self.origin or self.origin_key


@dataclass(frozen=True)
class Conflict:
    claims: tuple[int, int]
    explanation: str


@dataclass(frozen=True)
class Consensus:
    low: float | None
    high: float | None
    unit: str
    label: str | None
    support: int
    sources: tuple[str, ...]
    independent_origins: int
    confidence: float
    claims: tuple[int, ...]
    explanation: str


@dataclass(frozen=True)
class Verdict:
    conflicts: tuple[Conflict, ...]
    consensus: Consensus | None

    @property
    def conflict(self) -> bool:
        return bool(self.conflicts)


def _widened(value: Value) -> tuple[float, float]:
    low = -math.inf if value.low is None else value.low - tolerance.exact_slack(value.low)
    high = math.inf if value.high is None else value.high + tolerance.exact_slack(value.high)
    return low, high


def compatible(a: Value, b: Value) -> bool:
    """Whether both values can hold at once, after the documented tolerance."""
    if a.hedge == LABEL or b.hedge == LABEL:
        return a.label == b.label
    a_low, a_high = _widened(a)
    b_low, b_high = _widened(b)
    return a_low <= b_high and b_low <= a_high


def same_time(a: date | None, b: date | None, window_days: int) -> bool:
    if a is None or b is None:
        return True
    return abs((a - b).days) <= window_days


def relation(a: ClaimView, b: ClaimView, window_days: int) -> str:
    if not same_time(a.as_of, b.as_of, window_days):
        return OTHER_TIME
    return AGREES if compatible(a.value, b.value) else CONFLICTS


def _describe(claim: ClaimView) -> str:
    when = claim.as_of.isoformat() if claim.as_of else "date unknown"
    return f"{format_value(claim.value)} ({claim.source}, {when})"


def find_conflicts(claims: Sequence[ClaimView], window_days: int) -> tuple[Conflict, ...]:
    found = []
    for i, a in enumerate(claims):
        for b in claims[i + 1 :]:
            if relation(a, b, window_days) == CONFLICTS:
                reason = "different labels" if a.value.hedge == LABEL else "no overlap"
                found.append(Conflict((a.id, b.id), f"{_describe(a)} vs {_describe(b)}: {reason}"))
    return tuple(found)


def consensus(claims: Sequence[ClaimView]) -> Consensus | None:
    """The value backed by the most independent origins; None when no value leads alone."""
    if not claims:
        return None
    backers = _label_backers(claims) if claims[0].value.hedge == LABEL else _numeric_backers(claims)
    if backers is None:
        return None
    origins = {c.origin_key for c in claims}
    support_origins = {c.origin_key for c in backers}
    # One imaginary dissenting origin: a lone source never reads as certainty.
    confidence = round(len(support_origins) / (len(origins) + 1), 3)
    sources = tuple(sorted({c.source for c in backers}))
    first = backers[0].value
    if first.hedge == LABEL:
        low = high = None
        label = first.display_label or first.label
        shown = label or ""
    else:
        low, high = _tightest(backers)
        label = None
        shown = format_value(Value(None, low, high, first.unit, first.dimension, _hedge_of(low, high)))
    names = sorted({c.origin_name for c in backers}, key=str.casefold)
    explanation = (
        f"{shown}: backed by {len(support_origins)} of {len(origins)} independent origins "
        f"({', '.join(names)}); {len(claims) - len(backers)} of {len(claims)} claims disagree"
    )
    return Consensus(
        low=low,
        high=high,
        unit=first.unit,
        label=label,
        support=len(backers),
        sources=sources,
        independent_origins=len(support_origins),
        confidence=confidence,
        claims=tuple(c.id for c in backers),
        explanation=explanation,
    )


def _hedge_of(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return "exact" if low == high else "range"
    return "at_least" if high is None else "at_most"


def _label_backers(claims: Sequence[ClaimView]) -> list[ClaimView] | None:
    by_label: dict[str | None, list[ClaimView]] = {}
    for claim in claims:
        by_label.setdefault(claim.value.label, []).append(claim)
    ranked = sorted(by_label.values(), key=lambda cs: -len({c.origin_key for c in cs}))
    if len(ranked) > 1 and _origins(ranked[0]) == _origins(ranked[1]):
        return None
    return ranked[0]


def _origin_set(claims: Sequence[ClaimView]) -> frozenset[str]:
    return frozenset(c.origin_key for c in claims)


def _origins(claims: Sequence[ClaimView]) -> int:
    return len(_origin_set(claims))


def _numeric_backers(claims: Sequence[ClaimView]) -> list[ClaimView] | None:
    """Sweep the widened intervals; the segment covered by the most origins wins if it leads alone."""
    spans = [(_widened(c.value), c) for c in claims]
    points = sorted({p for (low, high), _ in spans for p in (low, high)})
    best: list[ClaimView] = []
    best_support = 0
    tied_apart = False
    for point in points:
        covering = [c for (low, high), c in spans if low <= point <= high]
        support = _origins(covering)
        if support > best_support:
            best, best_support, tied_apart = covering, support, False
        elif support == best_support and _origin_set(covering) != _origin_set(best):
            tied_apart = True  # other origins back another value just as strongly
    if best_support == 0 or tied_apart:
        return None
    return best


def _tightest(claims: Sequence[ClaimView]) -> tuple[float | None, float | None]:
    """The interval all backers allow, before tolerance; the widened one if only tolerance joins them."""
    lows = [c.value.low for c in claims if c.value.low is not None]
    highs = [c.value.high for c in claims if c.value.high is not None]
    low = max(lows) if lows else None
    high = min(highs) if highs else None
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


def evaluate(claims: Sequence[ClaimView], window_days: int = tolerance.CONFLICT_WINDOW_DAYS) -> Verdict:
    return Verdict(find_conflicts(claims, window_days), consensus(claims))
