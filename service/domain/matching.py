"""Which earlier claims a new claim is about: subject normalisation, hard rules, scoring.

Pure Python: the storage layer supplies candidates found through the blocking keys made here.

A subject becomes a *form*: the sorted set of its content tokens after the lexicon has mapped
Indonesian and English words of the same meaning to one token ("tentara Rusia di dekat Ukraina"
and "Russian troops near Ukraine" are both "near russia troop ukraine"). Tokens that pin a period,
an identity or the predicate's direction become *pins*, which must be equal before any score counts.
"""

from __future__ import annotations

import heapq
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

# Words at least this long get typo keys in the candidate index.
MIN_TYPO_WORD = 4
# Similarity (0..1) from which a claim joins the group of the best match.
JOIN_THRESHOLD = 0.85
# Similarity from which a claim of a group that was not joined is offered as `related`.
RELATED_THRESHOLD = 0.60
# Two words are the same word when their optimal-alignment similarity reaches this
# ("bajnir" for "banjir": one transposition in six letters).
WORD_MATCH = 0.75
# A subject needs this many content tokens to join a group by itself: shorter ones
# ("jumlah korban", "the number") are a known source of false merges.
MIN_CONTENT_TOKENS = 2
# Words ending in -nya that are not a stem plus -nya.
_NYA_WORDS = frozenset({"hanya", "punya", "tanya", "bertanya", "penanya", "karenanya", "sebaliknya"})

DEFAULT_LEXICON_PATH = Path(__file__).with_name("lexicon.toml")

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DIGIT_RANKS = {"1": 1, "2": 2, "3": 3, "4": 4}
_ORDINALS = {
    "pertama": 1, "kesatu": 1, "first": 1, "kedua": 2, "second": 2, "ketiga": 3, "third": 3,
    "keempat": 4, "fourth": 4, "kelima": 5, "fifth": 5, "keenam": 6, "sixth": 6,
}  # fmt: skip
# "kedua" before a noun means "both"; after one, "second".
_BOTH = frozenset({"kedua"})
_PERIOD_WORDS = {"kuartal": "q", "triwulan": "q", "kwartal": "q", "quarter": "q", "semester": "h"}
# "may" is left out: in English it is more often a verb than a month.
_MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "maret": 3, "march": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "june": 6, "juli": 7, "july": 7, "agustus": 8, "august": 8,
    "september": 9, "sept": 9, "oktober": 10, "october": 10, "november": 11, "nov": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip
_YEAR = re.compile(r"^(19|20)\d\d$")
_QUARTER_TOKEN = re.compile(r"^q([1-4])$")
_HAS_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=65_536)  # the same outlets, subjects and topics come back all day
def fold(text: str) -> str:
    """Case-fold and strip accents: 'Kyiv', 'KYIV' and 'Kyïv' read the same.

    ASCII text, most of what outlets write, has no accents and decomposes to itself: it is only
    lowered (its case-folding), without looking at each character."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    text = fold(text)
    # "F-16", "Covid-19", "G20": one identity token, not a word and a number.
    text = re.sub(r"(?<=[a-z])-(?=\d)|(?<=\d)-(?=[a-z])", "", text)
    return [_strip_nya(tok) for tok in re.findall(r"[a-z0-9]+", text)]


def _strip_nya(token: str) -> str:
    if len(token) > 5 and token.endswith("nya") and token not in _NYA_WORDS:
        return token[:-3]
    return token


@dataclass(frozen=True)
class Lexicon:
    """Phrases (as token tuples) -> (token, direction); plus the words to drop."""

    phrases: dict[tuple[str, ...], tuple[str, str | None]]
    generic: frozenset[str]
    stopwords: frozenset[str]
    longest: int

    @classmethod
    def load(cls, *paths: Path) -> Lexicon:
        phrases: dict[tuple[str, ...], tuple[str, str | None]] = {}
        generic: set[str] = set()
        stopwords: set[str] = set()
        for path in paths:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
            for token, words in data.get("concepts", {}).items():
                for word in words:
                    phrases[tuple(tokenize(word))] = (token, None)
            for direction, words in data.get("directions", {}).items():
                for word in words:
                    phrases[tuple(tokenize(word))] = (direction, direction)
            generic.update(t for w in data.get("generic", {}).get("words", []) for t in tokenize(w))
            stopwords.update(t for w in data.get("stopwords", {}).get("words", []) for t in tokenize(w))
        phrases.pop((), None)
        longest = max((len(p) for p in phrases), default=1)
        return cls(phrases, frozenset(generic), frozenset(stopwords), longest)


@lru_cache(maxsize=8)
def load_lexicon(extra_path: str | None = None) -> Lexicon:
    paths = [DEFAULT_LEXICON_PATH] + ([Path(extra_path)] if extra_path else [])
    return Lexicon.load(*paths)


@dataclass(frozen=True)
class Subject:
    """A normalised subject: what is compared, and what must agree before comparing."""

    text: str
    form: str
    pins: str
    generic: bool
    tokens: tuple[str, ...] = field(default=())
    # Words the lexicon does not know (names of places, people, things): where typos hide.
    words: tuple[str, ...] = field(default=())


def normalise_subject(text: str, lexicon: Lexicon) -> Subject:
    raw = tokenize(text)
    tokens: set[str] = set()
    words: set[str] = set()
    pins: set[str] = set()
    i = 0
    while i < len(raw):
        pin, used = _pin(raw, i, lexicon)
        if used:
            if pin:
                pins.add(pin)
            i += used
            continue
        step, token, direction = _lookup(raw, i, lexicon)
        i += step
        if token is None:
            word = raw[i - 1]
            if word in lexicon.stopwords or word in lexicon.generic:
                continue
            if _HAS_DIGIT.search(word):
                pins.add(f"id:{word}")
                continue
            token = word
            words.add(word)
        if direction:
            pins.add(f"dir:{direction}")
        tokens.add(token)
    ordered = tuple(sorted(tokens))
    return Subject(
        text=text,
        form=" ".join(ordered),
        pins=" ".join(sorted(pins)),
        generic=len(ordered) < MIN_CONTENT_TOKENS,
        tokens=ordered,
        words=tuple(sorted(words)),
    )


def _lookup(raw: list[str], i: int, lexicon: Lexicon) -> tuple[int, str | None, str | None]:
    for size in range(min(lexicon.longest, len(raw) - i), 0, -1):
        hit = lexicon.phrases.get(tuple(raw[i : i + size]))
        if hit:
            return size, hit[0], hit[1]
    return 1, None, None


def _pin(raw: list[str], i: int, lexicon: Lexicon) -> tuple[str | None, int]:
    """A token (or two) that pins a period or a rank, and how many it uses; (None, 0) for any other."""
    word = raw[i]
    following = raw[i + 1] if i + 1 < len(raw) else ""
    if _YEAR.match(word):
        return f"y:{word}", 1
    if m := _QUARTER_TOKEN.match(word):
        return f"q:{m.group(1)}", 1
    if word in _PERIOD_WORDS:  # "kuartal III", "semester 1"
        rank = _ROMAN.get(following) or _ORDINALS.get(following) or _DIGIT_RANKS.get(following)
        return (f"{_PERIOD_WORDS[word]}:{rank}", 2) if rank else (None, 1)
    if word in _ORDINALS:
        if following in _PERIOD_WORDS:  # "third quarter"
            return f"{_PERIOD_WORDS[following]}:{_ORDINALS[word]}", 2
        if word in _BOTH and (i == 0 or raw[i - 1] in lexicon.stopwords):
            return None, 0  # "kedua pemimpin": both leaders, not the second
        return f"rank:{_ORDINALS[word]}", 1  # "dosis kedua", "second wave"
    if word in _MONTHS:
        return f"m:{_MONTHS[word]:02d}", 1
    return None, 0


def measure_of(dimension: str, unit: str) -> str:
    """What a claim measures: claims of different measures never group."""
    return f"{dimension}|{unit}"


def blocking_keys(subject: Subject, measure: str) -> list[str]:
    """Index keys: a stored subject is a candidate when it shares one of them.

    Every token is a key. A word the lexicon does not know is also a key with each of its letters
    left out in turn (under "~"), so that a typo ("Cianjru", "Cianjr", "Ciannjur") still shares a
    key with the word, however many other subjects share the common words.
    """
    keys = [f"{measure}|{token}" for token in subject.tokens]
    for word in subject.words:
        if len(word) >= MIN_TYPO_WORD:
            keys += sorted(
                {f"{measure}|~{word[:i]}{word[i + 1 :]}" for i in range(len(word))} | {f"{measure}|~{word}"}
            )
    return keys


def similarity(a: str, b: str) -> float:
    """Score two forms (normalised, sorted: no processor) from 0 to 1.

    The characters must be alike (rapidfuzz's ratio, which forgives typos and word order once
    sorted) and so must the words: one differing word among three ("tentara AS di Polandia" vs
    "... di Rumania") scores the share of words both sides have, however long the shared ones are.
    """
    return _scored_within(a, b, fuzz.ratio(a, b, processor=None) / 100.0)


def within_reach(form: str, forms: Sequence[str], threshold: float = RELATED_THRESHOLD) -> list[int]:
    """Positions of the forms that may score `threshold` or more against `form`, in one batched pass.

    Safe as a cut: `similarity` never exceeds rapidfuzz's ratio, which is what is compared here.
    """
    hits = process.extract(
        form, forms, scorer=fuzz.ratio, processor=None, score_cutoff=threshold * 100, limit=None
    )
    return sorted(position for _, _, position in hits)


def word_agreement(a: list[str], b: list[str]) -> float:
    """Dice coefficient over words; a word matches one of the other side within a typo or two."""
    if not a or not b:
        return 0.0
    left = list(b)
    matched = 0
    for word in a:
        if word in left:
            left.remove(word)
            matched += 1
            continue
        if not left:
            continue
        # The closest word left (the first of equals), in one call for all of them.
        best = process.extractOne(word, left, scorer=OSA.normalized_similarity, score_cutoff=WORD_MATCH)
        if best is not None:
            del left[best[2]]
            matched += 1
    return 2 * matched / (len(a) + len(b))


@dataclass(frozen=True)
class Candidate:
    """A stored subject form of a group, as the index returns it."""

    group_id: int
    form: str
    measure: str
    event_date: date | None
    pins: str
    generic: bool


@dataclass(frozen=True)
class Scored:
    group_id: int
    similarity: float
    joinable: bool


@dataclass(frozen=True)
class Ranking:
    join: Scored | None
    related: list[Scored]


def can_join(subject: Subject, measure: str, event_date: date | None, candidate: Candidate) -> bool:
    """The hard rules: checked before any score is allowed to merge two claims."""
    return (
        candidate.measure == measure
        and candidate.event_date == event_date
        and candidate.pins == subject.pins
        and not subject.generic
        and not candidate.generic
    )


def rank(
    subject: Subject,
    measure: str,
    event_date: date | None,
    candidates: Iterable[Candidate],
    related_limit: int | None = None,
) -> Ranking:
    """The group to join (best joinable match at or over the threshold) and the related groups.

    With `related_limit`, only the first that many related groups are wanted: candidates are then
    scored from the highest character ratio down (an upper bound of `similarity`), and scoring
    stops once no candidate left could change the join or those groups: below JOIN_THRESHOLD none
    can be joined, so a group's score can only rise to the ratio bound, and once `related_limit` + 1
    groups score above it the first of them are settled. The answer is the same as scoring all.
    """
    form = subject.form
    bounded = sorted(
        ((1.0 if cand.form == form else fuzz.ratio(form, cand.form, processor=None) / 100.0, n, cand)
         for n, cand in enumerate(candidates) if cand.measure == measure),
        key=lambda item: (-item[0], item[1]),
    )  # fmt: skip
    best_by_group: dict[int, Scored] = {}
    settled = _Settled(related_limit + 1) if related_limit is not None else None
    for bound, _, cand in bounded:
        if bound < RELATED_THRESHOLD:
            break
        if settled is not None and bound < JOIN_THRESHOLD and settled.above(bound):
            break
        score = _scored_within(form, cand.form, bound)
        if score < RELATED_THRESHOLD:
            continue
        joinable = score >= JOIN_THRESHOLD and can_join(subject, measure, event_date, cand)
        current = best_by_group.get(cand.group_id)
        if current is None or (joinable, score) > (current.joinable, current.similarity):
            best_by_group[cand.group_id] = scored = Scored(cand.group_id, round(score, 4), joinable)
            if settled is not None:
                settled.offer(scored)
    ordered = sorted(best_by_group.values(), key=lambda s: (-s.similarity, s.group_id))
    join = next((s for s in ordered if s.joinable), None)
    related = [s for s in ordered if join is None or s.group_id != join.group_id]
    return Ranking(join, related if related_limit is None else related[:related_limit])


def _scored_within(a: str, b: str, chars: float) -> float:
    """`similarity(a, b)` given rapidfuzz's ratio of the two (`chars`, 0..1)."""
    if a == b:
        return 1.0
    if chars < RELATED_THRESHOLD:
        return chars
    return min(chars, word_agreement(a.split(), b.split()))


class _Settled:
    """Whether `count` groups score above a bound that only falls, as their scores are offered:
    scores only rise once nothing left can be joined, so a group counted stays counted."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.waiting: list[tuple[float, int]] = []  # (-score, group id): a heap, stale entries kept
        self.counted: set[int] = set()

    def offer(self, scored: Scored) -> None:
        if scored.group_id not in self.counted:
            heapq.heappush(self.waiting, (-scored.similarity, scored.group_id))

    def above(self, bound: float) -> bool:
        """Whether `count` groups score above any score up to `bound` (scores as rounded)."""
        rounded = round(bound, 4)
        while self.waiting and -self.waiting[0][0] > rounded:
            self.counted.add(heapq.heappop(self.waiting)[1])
        return len(self.counted) >= self.count
