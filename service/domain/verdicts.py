"""Agreement, conflict and consensus between the claims of one group.

Pure Python over plain dataclasses. Two claims conflict when their values cannot both hold
(intervals disjoint after the exact-figure tolerance) and they describe the same time.
The consensus is the value backed by the most independent origins: claims that rely on the
same wire or outlet count once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

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
class Backing:
    """The claims of one source, relying on one origin, for one value: what the consensus counts.

    Claims repeat; sources and origins are few. Counting backings instead of claims keeps the
    consensus of a much-reported figure as cheap as that of a rarely reported one.
    """

    value: Value
    source: str
    origin_key: str
    origin_name: str
    claims: int = 1


def backings(claims: Sequence[ClaimView]) -> list[Backing]:
    tally: dict[tuple[str, str, float | None, float | None, str | None], list[Any]] = {}
    for c in claims:
        key = (c.source, c.origin_key, c.value.low, c.value.high, c.value.label)
        if key in tally:
            tally[key][1] += 1
        else:
            tally[key] = [c, 1]
    return [Backing(c.value, c.source, c.origin_key, c.origin_name, n) for c, n in tally.values()]


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
    explanation: str
    ruled: bool = False  # set by an editor's ruling rather than counted


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


def conflict_between(a: ClaimView, b: ClaimView) -> Conflict:
    reason = "different labels" if a.value.hedge == LABEL else "no overlap"
    return Conflict((a.id, b.id), f"{_describe(a)} vs {_describe(b)}: {reason}")


def find_conflicts(
    claims: Sequence[ClaimView], window_days: int, limit: int | None = None
) -> tuple[Conflict, ...]:
    """Conflicting pairs, in claim order; stops at `limit` pairs."""
    found: list[Conflict] = []
    for i, a in enumerate(claims):
        for b in claims[i + 1 :]:
            if relation(a, b, window_days) == CONFLICTS:
                found.append(conflict_between(a, b))
                if limit is not None and len(found) >= limit:
                    return tuple(found)
    return tuple(found)


def consensus(backed: Sequence[Backing], reliability: Mapping[str, float] | None = None) -> Consensus | None:
    """The value backed by the most independent origins; None when no value leads alone.

    With `reliability` (source name -> estimated reliability), each origin weighs as the most
    reliable source relying on it, instead of one each; the explanation then gives the weights.
    """
    if not backed:
        return None
    weight = _origin_weights(backed, reliability)
    if backed[0].value.hedge == LABEL:
        backers = _label_backers(backed, weight)
    else:
        backers = _numeric_backers(backed, weight)
    if backers is None:
        return None
    origins = {b.origin_key for b in backed}
    support_origins = {b.origin_key for b in backers}
    # One imaginary dissenting origin of full weight: a lone source never reads as certainty.
    supported = sum(weight[o] for o in support_origins)
    confidence = round(supported / (sum(weight[o] for o in origins) + 1), 3)
    first = backers[0].value
    if first.hedge == LABEL:
        low = high = None
        label = first.display_label or first.label
        shown = label or ""
    else:
        low, high = _tightest(backers)
        label = None
        hedge = _hedge_of(low, high, backers)
        shown = format_value(Value(None, low, high, first.unit, first.dimension, hedge))
    names = sorted({b.origin_name for b in backers}, key=str.casefold)
    if reliability is not None:
        name_weight = {b.origin_name: weight[b.origin_key] for b in backers}
        names = [f"{n} {name_weight[n]:.2f}" for n in names]
    support = sum(b.claims for b in backers)
    total = sum(b.claims for b in backed)
    weighed = " weighed by reliability" if reliability is not None else ""
    explanation = (
        f"{shown}: backed by {len(support_origins)} of {len(origins)} independent origins{weighed} "
        f"({', '.join(names)}); {total - support} of {total} claims disagree"
    )
    return Consensus(
        low=low,
        high=high,
        unit=first.unit,
        label=label,
        support=support,
        sources=tuple(sorted({b.source for b in backers}, key=str.casefold)),
        independent_origins=len(support_origins),
        confidence=confidence,
        explanation=explanation,
    )


def ruled_consensus(preferred: Sequence[Backing], reasons: Sequence[str]) -> Consensus:
    """Editors ruled these claims preferred: they set the consensus, whatever the others say.

    Several preferred values give the span that holds them all; the explanation names the
    sources and the editors' reasons.
    """
    first = preferred[0].value
    if first.hedge == LABEL:
        low = high = None
        label = first.display_label or first.label
        shown = label or ""
    else:
        lows = [b.value.low for b in preferred]
        highs = [b.value.high for b in preferred]
        low = None if None in lows else min(x for x in lows if x is not None)
        high = None if None in highs else max(x for x in highs if x is not None)
        label = None
        hedge = first.hedge if len(preferred) == 1 else _hedge_of(low, high, preferred)
        shown = format_value(Value(None, low, high, first.unit, first.dimension, hedge))
    sources = tuple(sorted({b.source for b in preferred}, key=str.casefold))
    why = "; ".join(dict.fromkeys(reasons))
    return Consensus(
        low=low,
        high=high,
        unit=first.unit,
        label=label,
        support=sum(b.claims for b in preferred),
        sources=sources,
        independent_origins=len({b.origin_key for b in preferred}),
        confidence=1.0,
        explanation=f"{shown}: set by an editor's ruling on the claim of {', '.join(sources)} ({why})",
        ruled=True,
    )


def _hedge_of(low: float | None, high: float | None, backers: Sequence[Backing]) -> str:
    """The hedge that describes the consensus interval: a backer's own when it is that backer's value."""
    for backer in backers:
        if (backer.value.low, backer.value.high) == (low, high):
            return backer.value.hedge
    if low is not None and high is not None:
        return "exact" if low == high else "range"
    return "at_least" if high is None else "at_most"


def _label_backers(claims: Sequence[Backing], weight: Mapping[str, float]) -> list[Backing] | None:
    by_label: dict[str | None, list[Backing]] = {}
    for claim in claims:
        by_label.setdefault(claim.value.label, []).append(claim)

    def support(backers: Sequence[Backing]) -> float:
        return sum(weight[o] for o in {c.origin_key for c in backers})

    ranked = sorted(by_label.values(), key=lambda cs: -support(cs))
    if len(ranked) > 1 and abs(support(ranked[0]) - support(ranked[1])) <= _TIE:
        return None
    return ranked[0]


def _origin_weights(backed: Sequence[Backing], reliability: Mapping[str, float] | None) -> dict[str, float]:
    """Each origin's weight: 1, or the reliability of the most reliable source relying on it."""
    weight: dict[str, float] = {}
    for b in backed:
        w = 1.0 if reliability is None else reliability.get(b.source, _PRIOR_RELIABILITY)
        weight[b.origin_key] = max(weight.get(b.origin_key, 0.0), w)
    return weight


# A source never estimated weighs as truth discovery's prior for new sources.
_PRIOR_RELIABILITY = 0.8
_TIE = 1e-9


def _numeric_backers(claims: Sequence[Backing], weight: Mapping[str, float]) -> list[Backing] | None:
    """Sweep the widened intervals; the point backed by the most origin weight wins if it leads alone.

    O(n log n), with the weight of the origins present kept as a running sum: a group can hold
    thousands of claims from hundreds of origins about one much-reported figure.
    """
    spans = [_widened(c.value) for c in claims]
    events = sorted(
        [(low, 0, i) for i, (low, _) in enumerate(spans)]
        + [(high, 1, i) for i, (_, high) in enumerate(spans)]
    )
    active: dict[int, None] = {}
    counts: Counter[str] = Counter()
    best: list[int] = []
    best_origins: frozenset[str] = frozenset()
    best_support = 0.0
    tied = False
    support = 0.0
    j = 0
    while j < len(events):
        x = events[j][0]
        while j < len(events) and events[j][0] == x and events[j][1] == 0:
            i = events[j][2]
            active[i] = None
            origin = claims[i].origin_key
            if not counts[origin]:
                support += weight[origin]
            counts[origin] += 1
            j += 1
        if support > best_support + _TIE:
            best, best_origins, best_support, tied = list(active), frozenset(counts), support, False
        elif counts and abs(support - best_support) <= _TIE and frozenset(counts) != best_origins:
            tied = True  # other origins back another value just as strongly
        while j < len(events) and events[j][0] == x and events[j][1] == 1:
            i = events[j][2]
            del active[i]
            origin = claims[i].origin_key
            counts[origin] -= 1
            if not counts[origin]:
                del counts[origin]
                support -= weight[origin]
            j += 1
        if not counts:
            support = 0.0  # no drift carried from one cluster of values to the next
    if not best or tied:
        return None
    return [claims[i] for i in best]


def _tightest(claims: Sequence[Backing]) -> tuple[float | None, float | None]:
    """The interval all backers allow, before tolerance; the widened one if only tolerance joins them."""
    lows = [c.value.low for c in claims if c.value.low is not None]
    highs = [c.value.high for c in claims if c.value.high is not None]
    low = max(lows) if lows else None
    high = min(highs) if highs else None
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


def evaluate(
    claims: Sequence[ClaimView], window_days: int = tolerance.CONFLICT_WINDOW_DAYS, limit: int | None = None
) -> Verdict:
    return Verdict(find_conflicts(claims, window_days, limit), consensus(backings(claims)))


# --- time --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    """The claims of a group about one stretch of time, and what they said together."""

    start: date
    end: date
    claims: tuple[ClaimView, ...]
    conflicts: tuple[Conflict, ...]
    consensus: Consensus | None


def timeline(claims: Sequence[ClaimView], window_days: int = tolerance.CONFLICT_WINDOW_DAYS) -> list[Moment]:
    """A group's figures through time: dated claims in stretches, each at most `window_days` long.

    A stretch opens at the earliest claim not yet placed and takes every claim up to `window_days`
    later, the same window within which claims can conflict; so claims of one moment are judged
    together and claims of different moments are change over time. Undated claims have no place.
    """
    dated = sorted((c for c in claims if c.as_of is not None), key=lambda c: (c.as_of, c.id))
    moments: list[Moment] = []
    current: list[ClaimView] = []

    def close() -> None:
        if current:
            moments.append(_moment(current, window_days))

    for claim in dated:
        assert claim.as_of is not None
        if current and current[0].as_of is not None and (claim.as_of - current[0].as_of).days > window_days:
            close()
            current = []
        current.append(claim)
    close()
    return moments


def picture_at(
    claims: Sequence[ClaimView], day: date, window_days: int = tolerance.CONFLICT_WINDOW_DAYS
) -> Moment | None:
    """The group as it stood on `day`: the latest moment of the claims dated on or before it."""
    moments = timeline([c for c in claims if c.as_of is not None and c.as_of <= day], window_days)
    return moments[-1] if moments else None


def _moment(claims: Sequence[ClaimView], window_days: int) -> Moment:
    ordered = tuple(sorted(claims, key=lambda c: c.id))
    days = [c.as_of for c in claims if c.as_of is not None]
    return Moment(
        start=min(days),
        end=max(days),
        claims=ordered,
        conflicts=find_conflicts(ordered, window_days),
        consensus=consensus(backings(ordered)),
    )
