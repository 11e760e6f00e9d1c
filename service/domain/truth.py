"""Truth discovery: which value of each item is true, and how reliable each source is.

Pure Python over plain dataclasses: no database, no Flask. The service and the benchmarks in
``bench/truth/`` call the same two functions:

- ``discover(claims, settings)``: the default method (AccuSim with copy detection, below);
- ``majority_vote(claims)``: one source, one vote; the baseline, in the same shape.

Both take ``Claim`` objects and return a ``Discovery``: per item the chosen ``Truth`` (an interval
or a label, with a confidence) and per source a reliability in [0, 1].

The method (Dong, Berti-Equille & Srivastava, VLDB 2009: AccuSim + AccuCopy, simplified):

1. Every source has an accuracy A(s); a new source starts from ``prior_reliability``, and its
   estimate is shrunk towards it by ``prior_strength`` imaginary claims, so a source seen once never
   reads as perfect or worthless.
2. A claim votes for its value with ln(n·A/(1−A)) (n: ``false_values``, the assumed number of wrong
   values an item can take): the vote of an 80%-accurate source is worth four times the odds of a
   50%-accurate one.
3. Claims sharing a declared ``origin`` count once (the best vote among them). Sources found to
   depend on each other (below) have the later votes for a shared value discounted: ranked by vote,
   each claim's vote is multiplied by (1 − d) for every dependent source ranked before it (AccuCopy).
4. Numeric closeness: a value near another supports it, with weight ``similarity_weight`` × sim, where
   sim = exp(−gap/scale) on the gap between the two intervals (0 when they overlap, so an open-ended
   "more than 100,000" and "120,000" support each other fully); scale = max(``closeness_absolute``,
   ``closeness_relative`` × |value|). Labels are similar only when equal.
5. The item's probabilities are a softmax over its values' scores, with the n − k values nobody
   claimed scoring 0; the chosen value is the most probable (ties: the narrowest interval, then the
   smallest value, so the result does not depend on claim order).
6. A(s) is recomputed as the mean probability of its claims; steps 2–6 repeat until no accuracy moves
   by more than ``tolerance`` or ``max_iterations`` are done.
7. Copy detection (``detect_copying``), before the first iteration and needing no truth: two sources
   that share at least ``copy_min_shared_items`` items and almost never differ on them are dependent,
   d = 1 − disagreement / ``copy_max_disagreement``. Independent sources, even accurate ones, differ
   now and then (a minute, a later update); republishers of one feed do not.
   ``copy_from_mistakes`` adds AccuCopy's own evidence after a first run: the share of a source's
   mistakes (claims not near the chosen value) that another source made too. It is off by default:
   when the first run's truth is wrong, accurate sources share the "mistakes" and are then discounted
   as copies, which locks the wrong answer in (on Flight it cost 6.5 points on 2011-12-08).

0. Conventions (``Settings.other_measure_hedges``, off by default), before everything else and
   needing no truth: a claim hedged as a neighbouring quantity (a flight's "runway" time when the
   item is the gate departure) is set aside, and so are all the claims of one ``kind`` of a source
   whose unhedged values keep matching such claims of other sources: it reports that quantity
   without saying so. ``find_conventions`` gives them; ``discover`` can take them learned from a
   longer record.

Why this method: on Flight (Li et al., VLDB 2012), a dozen sites republish a few feeds, and counting
them as one is what lifts the result above the vote. Most sites give the runway (wheels-off) time
as the actual departure, the airlines the gate time; a few sites say "(runway)" of their runway
times, and matching those shows which sites report runway times unlabelled (step 0).
Figures and what was tried: ``bench/truth/README.md``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

Key = tuple[float | None, float | None, str | None]  # (low, high, label): one distinct value


@dataclass(frozen=True, slots=True)
class Claim:
    """One source's value for one item.

    A number is ``low == high``; a range has both; an open-ended value ("more than 100,000") has one
    bound ``None``; a categorical value (a gate, a label) has ``label`` and no bounds. ``hedge`` is kept
    for explanations only: the interval the hedge stands for is already in ``low``/``high``.
    ``origin``, when given, is whom the source relies on (a wire, another outlet): claims sharing an
    origin count once.
    """

    item: Hashable
    source: str
    low: float | None = None
    high: float | None = None
    label: str | None = None
    hedge: str | None = None
    origin: str | None = None
    # Reliability is estimated per (source, facet) when a facet is given (a topic, a kind of figure):
    # a source can be right about schedules and wrong about delays. Copying is judged per source.
    facet: str | None = None
    # What kind of figure the item is (a departure time, a population): a source's convention
    # (``Settings.other_measure_hedges``) is judged per kind.
    kind: str | None = None

    @property
    def key(self) -> Key:
        return (self.low, self.high, self.label)


def reliability_key(source: str, facet: str | None = None) -> str:
    """The key of ``Discovery.sources``: the source, or "source/facet" for faceted claims."""
    return source if facet is None else f"{source}/{facet}"


@dataclass(frozen=True)
class Settings:
    """Every knob of ``discover``; the defaults are the service's."""

    # New sources: accuracy before any evidence, and how many claims' worth of weight that guess has.
    prior_reliability: float = 0.8
    prior_strength: float = 2.0
    # n in the vote ln(n·A/(1−A)): how many wrong values an item is assumed to be able to take.
    false_values: int = 10
    # Numeric closeness: scale of the similarity exp(−gap/scale); and how much a near value supports.
    closeness_relative: float = 0.02  # as tolerance.EXACT_RELATIVE: 2% of the value
    closeness_absolute: float = 0.0
    similarity_weight: float = 0.5
    # A chosen value and a claimed one "agree" (for copy detection and agreements) above this similarity.
    agree_similarity: float = 0.5
    # Iteration.
    max_iterations: int = 50
    tolerance: float = 1e-4
    # Copy detection.
    detect_copying: bool = True
    copy_min_shared_items: int = 20  # near-identity: pairs sharing at least this many items ...
    copy_max_disagreement: float = 0.02  # ... and differing on fewer than this share of them
    copy_from_mistakes: bool = False  # AccuCopy: then also pairs sharing many of their mistakes (see doc)
    copy_min_shared_errors: int = 3
    copy_min_dependence: float = 0.3
    copy_rounds: int = 2
    # Hedges saying that a claim measures a neighbouring quantity, not the item's own (a flight's
    # runway time for its gate departure). Such claims are set aside, and so are all the unhedged
    # claims of one kind of a source whose values keep matching other sources' claims so hedged: it
    # reports that quantity without saying so. A source is judged on the items of the kind where
    # another source gave a hedged claim: at least ``convention_min_matches`` of its claims there,
    # and ``convention_min_share`` of them, must match one: be within about one closeness scale of it
    # (similarity ``convention_similarity``, exp(−1)).
    # An item left with no claim keeps the claims set aside. Empty: nothing is set aside.
    other_measure_hedges: tuple[str, ...] = ()
    convention_min_matches: int = 5
    convention_min_share: float = 0.5
    convention_similarity: float = math.exp(-1)
    # Accuracy never leaves this range, so that votes stay finite.
    min_reliability: float = 0.01
    max_reliability: float = 0.99


DEFAULT = Settings()


@dataclass(frozen=True)
class Truth:
    """The value chosen for one item."""

    item: Hashable
    low: float | None
    high: float | None
    label: str | None
    # Probability that the truth is this value or near it (closeness counted), in [0, 1].
    confidence: float
    sources: tuple[str, ...]  # the sources that claimed exactly this value
    independent_origins: int  # how many distinct origins (declared, else the source) among them
    candidates: int  # distinct values claimed for the item


@dataclass(frozen=True)
class SourceScore:
    source: str
    reliability: float
    claims: int
    agreements: int  # claims within tolerance of the chosen value of their item
    conflicts: int


@dataclass(frozen=True)
class Discovery:
    truths: dict[Hashable, Truth]
    sources: dict[str, SourceScore]
    iterations: int
    converged: bool
    # Detected dependence between sources, (a, b) with a < b -> share of shared mistakes, in (0, 1].
    dependence: dict[tuple[str, str], float] = field(default_factory=dict)
    # (source, kind) -> the hedge whose quantity the source was found to report unhedged; its claims
    # of that kind were set aside (``Settings.other_measure_hedges``).
    conventions: dict[tuple[str, str | None], str] = field(default_factory=dict)

    def reliability(self, source: str, settings: Settings = DEFAULT) -> float:
        """A source's reliability; the prior for a source never seen."""
        known = self.sources.get(source)
        return known.reliability if known else settings.prior_reliability


def similarity(a: Key, b: Key, settings: Settings = DEFAULT) -> float:
    """How much a value supports another, in [0, 1]: 1 when the intervals overlap, exp(−gap/scale)."""
    if a[2] is not None or b[2] is not None:
        return 1.0 if a[2] == b[2] else 0.0
    a_low = -math.inf if a[0] is None else a[0]
    a_high = math.inf if a[1] is None else a[1]
    b_low = -math.inf if b[0] is None else b[0]
    b_high = math.inf if b[1] is None else b[1]
    gap = max(b_low - a_high, a_low - b_high, 0.0)
    if gap == 0:
        return 1.0
    magnitude = max(abs(x) for x in (a_low, a_high, b_low, b_high) if math.isfinite(x))
    scale = max(settings.closeness_absolute, settings.closeness_relative * magnitude)
    if scale <= 0:
        return 0.0
    return math.exp(-gap / scale)


def find_conventions(
    claims: Iterable[Claim], settings: Settings = DEFAULT
) -> dict[tuple[str, str | None], str]:
    """(source, kind) -> the hedge of ``settings.other_measure_hedges`` whose quantity the source
    reports without saying so (see ``Settings``). Needs no truth: only the sources' own hedges."""
    hedges = settings.other_measure_hedges
    claims = list(claims)
    hedged: dict[Hashable, list[Claim]] = defaultdict(list)
    for c in claims:
        if c.hedge in hedges:
            hedged[c.item].append(c)
    if not hedged:
        return {}
    judged: dict[tuple[str, str | None], int] = defaultdict(int)
    matched: dict[tuple[str, str | None], int] = defaultdict(int)
    by_hedge: dict[tuple[str, str | None], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    seen: set[tuple[Hashable, str, Key]] = set()
    for c in claims:
        others = hedged.get(c.item)
        if c.hedge in hedges or not others or (c.item, c.source, c.key) in seen:
            continue
        seen.add((c.item, c.source, c.key))
        others = [o for o in others if o.source != c.source]
        if not others:
            continue
        judged[(c.source, c.kind)] += 1
        near = {
            o.hedge
            for o in others
            if o.hedge and similarity(o.key, c.key, settings) >= settings.convention_similarity - 1e-9
        }
        if near:
            matched[(c.source, c.kind)] += 1
            for hedge in near:
                by_hedge[(c.source, c.kind)][hedge] += 1
    conventions: dict[tuple[str, str | None], str] = {}
    for key, n in matched.items():
        if n >= settings.convention_min_matches and n >= settings.convention_min_share * judged[key]:
            # named after the hedge it matched most often (ties: the first in alphabetical order)
            conventions[key] = min(by_hedge[key].items(), key=lambda t: (-t[1], t[0]))[0]
    return dict(sorted(conventions.items(), key=lambda t: (t[0][0], t[0][1] or "")))


def _set_aside(
    claims: list[Claim], settings: Settings, conventions: Mapping[tuple[str, str | None], str] | None
) -> tuple[list[Claim], dict[tuple[str, str | None], str]]:
    """The claims about the items' own quantity, and the sources found to report another one."""
    hedges = settings.other_measure_hedges
    if not hedges:
        return claims, {}
    found = find_conventions(claims, settings) if conventions is None else dict(conventions)
    kept = [c for c in claims if c.hedge not in hedges and (c.source, c.kind) not in found]
    covered = {c.item for c in kept}
    kept.extend(c for c in claims if c.item not in covered)
    return kept, found


# --- the prepared problem: indices instead of objects, built once per call ---


@dataclass
class _Item:
    item: Hashable
    keys: list[Key]
    sim: list[list[float]]  # sim[i][j], i != j; empty when one candidate
    # per candidate: the units backing it, each as the sorted list of its sources' indices
    units: list[list[list[int]]]
    origins: list[int]  # per candidate: distinct origins
    claimants: list[list[int]]  # per candidate: source indices


@dataclass
class _Problem:
    sources: list[str]  # what reliabilities are estimated for: reliability_key(source, facet)
    publishers: list[str]  # what copying is judged between: the sources
    publisher_of: list[int]
    items: list[_Item]
    claims_of: list[list[tuple[int, int]]]  # per source: (item index, candidate index)


def _order(key: Key) -> tuple[int, float, float, str]:
    """Narrow before wide, then small before large, then by label: a total order on values."""
    low, high, label = key
    if label is not None:
        return (0, 0.0, 0.0, label)
    width = math.inf if low is None or high is None else high - low
    return (0, width, -math.inf if low is None else low, "")


def _prepare(claims: Iterable[Claim], settings: Settings) -> _Problem:
    source_ids: dict[str, int] = {}
    publisher_ids: dict[str, int] = {}
    publisher_of: list[int] = []
    by_item: dict[Hashable, dict[Key, dict[str, set[int]]]] = {}
    seen: set[tuple[Hashable, str, Key]] = set()
    for c in claims:
        if c.low is not None and c.high is not None and c.low > c.high:
            raise ValueError(f"claim of {c.source!r} on {c.item!r}: low {c.low} > high {c.high}")
        if (c.item, c.source, c.key) in seen:
            continue  # a source repeating itself is one claim
        seen.add((c.item, c.source, c.key))
        name = reliability_key(c.source, c.facet)
        s = source_ids.get(name)
        if s is None:
            s = source_ids[name] = len(source_ids)
            publisher_of.append(publisher_ids.setdefault(c.source, len(publisher_ids)))
        unit = f"origin:{c.origin}" if c.origin else f"source:{c.source}"
        by_item.setdefault(c.item, {}).setdefault(c.key, {}).setdefault(unit, set()).add(s)
    sources = list(source_ids)
    claims_of: list[list[tuple[int, int]]] = [[] for _ in sources]
    items: list[_Item] = []
    for item in sorted(by_item, key=repr):
        values = by_item[item]
        keys = sorted(values, key=_order)
        sim = (
            [[similarity(a, b, settings) if a != b else 1.0 for b in keys] for a in keys]
            if len(keys) > 1
            else []
        )
        units, origins, claimants = [], [], []
        for j, key in enumerate(keys):
            backing = values[key]
            units.append([sorted(backing[u]) for u in sorted(backing)])
            origins.append(len(backing))
            members = sorted({s for u in backing.values() for s in u})
            claimants.append(members)
            for s in members:
                claims_of[s].append((len(items), j))
        items.append(_Item(item, keys, sim, units, origins, claimants))
    return _Problem(sources, list(publisher_ids), publisher_of, items, claims_of)


def _vote(accuracy: float, settings: Settings) -> float:
    a = min(max(accuracy, settings.min_reliability), settings.max_reliability)
    return max(0.0, math.log(settings.false_values * a / (1 - a)))


def _probabilities(
    item: _Item,
    votes: list[float],
    dependence: list[dict[int, float]],
    publisher_of: list[int],
    settings: Settings,
) -> list[float]:
    scores = []
    for units in item.units:
        # each unit (declared origin) counts once, with its best source's vote
        ranked = sorted(((max(votes[s] for s in u), u) for u in units), key=lambda t: (-t[0], t[1]))
        score = 0.0
        earlier: list[int] = []
        for vote, unit in ranked:
            weight = 1.0
            for s in unit:
                deps = dependence[publisher_of[s]]
                if deps:
                    for e in earlier:
                        d = deps.get(e)
                        if d:
                            weight *= 1 - d
            score += vote * weight
            earlier.extend(publisher_of[s] for s in unit)
        scores.append(score)
    k = len(scores)
    if k > 1:
        rho = settings.similarity_weight
        scores = [
            s + rho * sum(item.sim[i][j] * scores[j] for j in range(k) if j != i)
            for i, s in enumerate(scores)
        ]
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    unseen = max(0, settings.false_values + 1 - k) * math.exp(-top)
    total = sum(exps) + unseen
    return [e / total for e in exps]


def _choose(item: _Item, probs: list[float]) -> int:
    # keys are sorted narrow-first, so the first maximum is the most specific among equals
    best = 0
    for j in range(1, len(probs)):
        if probs[j] > probs[best] + 1e-12:
            best = j
    return best


def _near_mass(item: _Item, probs: list[float], j: int) -> float:
    if not item.sim:
        return probs[j]
    return min(1.0, sum(p * item.sim[j][i] for i, p in enumerate(probs)))


def _iterate(
    problem: _Problem, dependence: list[dict[int, float]], settings: Settings
) -> tuple[list[float], list[list[float]], int, bool]:
    prior, strength = settings.prior_reliability, settings.prior_strength
    accuracy = [prior] * len(problem.sources)
    probs: list[list[float]] = []
    iterations, converged = 0, False
    while iterations < settings.max_iterations:
        iterations += 1
        votes = [_vote(a, settings) for a in accuracy]
        probs = [
            _probabilities(item, votes, dependence, problem.publisher_of, settings) for item in problem.items
        ]
        updated = [
            (prior * strength + sum(probs[i][j] for i, j in claims)) / (strength + len(claims))
            for claims in problem.claims_of
        ]
        moved = max((abs(a - b) for a, b in zip(updated, accuracy, strict=True)), default=0.0)
        accuracy = updated
        if moved <= settings.tolerance:
            converged = True
            break
    if not problem.items:
        converged = True
    return accuracy, probs, iterations, converged


def _shared_mistakes(
    problem: _Problem, probs: list[list[float]], settings: Settings
) -> dict[tuple[int, int], float]:
    """AccuCopy's evidence: the share of the less wrong source's mistakes that the other made too.

    A mistake is a claim not within closeness of the chosen value. Independent sources rarely make
    the same mistake; copiers make all of each other's.
    """
    errors = [0] * len(problem.publishers)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for item, p in zip(problem.items, probs, strict=True):
        chosen = _choose(item, p)
        for j, claimants in enumerate(item.claimants):
            if j == chosen or (item.sim and item.sim[chosen][j] >= settings.agree_similarity):
                continue
            members = sorted({problem.publisher_of[s] for s in claimants})
            for s in members:
                errors[s] += 1
            for x, a in enumerate(members):
                for b in members[x + 1 :]:
                    shared[(a, b)] += 1
    found: dict[tuple[int, int], float] = {}
    for (a, b), n in shared.items():
        if n < settings.copy_min_shared_errors:
            continue
        d = min(1.0, n / min(errors[a], errors[b]))
        if d >= settings.copy_min_dependence:
            found[(a, b)] = d
    return found


def _dependence(
    problem: _Problem, *found: dict[tuple[int, int], float]
) -> tuple[list[dict[int, float]], dict[tuple[str, str], float]]:
    """The strongest evidence for each pair, as per-source lookups and as named pairs."""
    dependence: list[dict[int, float]] = [{} for _ in problem.publishers]
    for pairs in found:
        for (a, b), d in pairs.items():
            d = max(d, dependence[a].get(b, 0.0))
            dependence[a][b] = dependence[b][a] = d
    named = {}
    for a, deps in enumerate(dependence):
        for b, d in deps.items():
            x, y = problem.publishers[a], problem.publishers[b]
            if x < y:
                named[(x, y)] = round(d, 4)
    return dependence, dict(sorted(named.items()))


def _near_identical(problem: _Problem, settings: Settings) -> dict[tuple[int, int], float]:
    """Dependence needing no truth: sources that almost never differ where both speak.

    Independent sources, even accurate ones, differ now and then (a minute, a later update, a
    rounding); republishers of one feed do not. Dependence falls linearly from 1 (never differ) to 0
    (differ on ``copy_max_disagreement`` of the shared items or more).
    """
    shared: dict[tuple[int, int], int] = defaultdict(int)
    same: dict[tuple[int, int], int] = defaultdict(int)
    for item in problem.items:
        members = sorted(
            {(problem.publisher_of[s], j) for j, group in enumerate(item.claimants) for s in group}
        )
        for x, (a, ja) in enumerate(members):
            for b, jb in members[x + 1 :]:
                if a == b:
                    continue
                shared[(a, b)] += 1
                if ja == jb:
                    same[(a, b)] += 1
    found: dict[tuple[int, int], float] = {}
    limit = settings.copy_max_disagreement
    for pair, n in shared.items():
        if n < settings.copy_min_shared_items or limit <= 0:
            continue
        d = 1 - (1 - same[pair] / n) / limit
        if d > 0:
            found[pair] = d
    return found


def discover(
    claims: Iterable[Claim],
    settings: Settings = DEFAULT,
    conventions: Mapping[tuple[str, str | None], str] | None = None,
) -> Discovery:
    """The most likely value of every item and the reliability of every source (see the module doc).

    ``conventions`` ((source, kind) -> hedge, as ``find_conventions`` gives), when given, are used
    instead of those found in ``claims``: learned once from a longer record, say.

    Deterministic: the same claims, in any order, give the same result.
    """
    claims, used = _set_aside(list(claims), settings, conventions)
    problem = _prepare(claims, settings)
    identical = _near_identical(problem, settings) if settings.detect_copying else {}
    dependence, named = _dependence(problem, identical)
    accuracy, probs, iterations, converged = _iterate(problem, dependence, settings)
    if settings.detect_copying and settings.copy_from_mistakes:
        for _ in range(settings.copy_rounds):
            found, found_named = _dependence(problem, identical, _shared_mistakes(problem, probs, settings))
            if found_named == named:
                break
            dependence, named = found, found_named
            accuracy, probs, more, converged = _iterate(problem, dependence, settings)
            iterations += more
    found = _result(problem, accuracy, probs, iterations, converged, named, settings)
    return replace(found, conventions=used)


def _result(
    problem: _Problem,
    accuracy: list[float],
    probs: list[list[float]],
    iterations: int,
    converged: bool,
    dependence: dict[tuple[str, str], float],
    settings: Settings,
) -> Discovery:
    truths: dict[Hashable, Truth] = {}
    agreements = [0] * len(problem.sources)
    for item, p in zip(problem.items, probs, strict=True):
        j = _choose(item, p)
        low, high, label = item.keys[j]
        truths[item.item] = Truth(
            item=item.item,
            low=low,
            high=high,
            label=label,
            confidence=round(_near_mass(item, p, j), 6),
            sources=tuple(sorted((problem.sources[s] for s in item.claimants[j]), key=str.casefold)),
            independent_origins=item.origins[j],
            candidates=len(item.keys),
        )
        for i, members in enumerate(item.claimants):
            if i == j or (item.sim and item.sim[j][i] >= settings.agree_similarity):
                for s in members:
                    agreements[s] += 1
    scores = {
        name: SourceScore(
            source=name,
            reliability=round(accuracy[s], 6),
            claims=len(problem.claims_of[s]),
            agreements=agreements[s],
            conflicts=len(problem.claims_of[s]) - agreements[s],
        )
        for s, name in enumerate(problem.sources)
    }
    return Discovery(truths, scores, iterations, converged, dependence)


def majority_vote(claims: Iterable[Claim], settings: Settings = DEFAULT) -> Discovery:
    """One source, one vote, exact values only; ties go to the narrowest, then smallest value.

    The baseline: no reliability, no closeness, no origins. A source's reliability is the share of
    its claims that agree with the winner (within tolerance), shown for comparison only.
    """
    problem = _prepare(claims, settings)
    probs = []
    for item in problem.items:
        counts = [len(members) for members in item.claimants]
        total = sum(counts)
        probs.append([n / total for n in counts])
    agree = [0.0] * len(problem.sources)
    for item, p in zip(problem.items, probs, strict=True):
        j = _choose(item, p)
        for i, members in enumerate(item.claimants):
            if i == j or (item.sim and item.sim[j][i] >= settings.agree_similarity):
                for s in members:
                    agree[s] += 1
    accuracy = [agree[s] / len(c) for s, c in enumerate(problem.claims_of)]
    return _result(problem, accuracy, probs, 1, True, {}, settings)


__all__: Sequence[str] = (
    "DEFAULT",
    "Claim",
    "Discovery",
    "Settings",
    "SourceScore",
    "Truth",
    "discover",
    "find_conventions",
    "majority_vote",
    "reliability_key",
    "similarity",
)
