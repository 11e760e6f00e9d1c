"""Near-copies: two outlets printing one text are one report, whatever names they put on it.

Indonesian outlets often republish a wire story or each other's with a new headline and the
same sentences. A claim whose quote nearly repeats an earlier claim's (of another source, about
the same thing) adds no independent evidence: it counts with the origin of the one it copies.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz

from service.domain import tolerance
from service.domain.matching import fold


def _text(quote: str) -> str:
    return " ".join(fold(quote).split())


def long_enough(quote: str | None) -> bool:
    """Whether a quote says enough for a near-repeat of it to be a copy rather than a common phrase."""
    return bool(quote) and len(_text(quote or "")) >= tolerance.COPY_QUOTE_MIN_CHARS


def near_copy(
    quote: str | None,
    others: Iterable[tuple[int, str | None]],
    threshold: float = tolerance.COPY_QUOTE_SIMILARITY,
) -> int | None:
    """The id of the other claim whose quote this one nearly repeats (the most similar), or None."""
    if not long_enough(quote):
        return None
    mine = _text(quote or "")
    best: tuple[float, int] | None = None
    for other_id, other_quote in others:
        if not long_enough(other_quote):
            continue
        theirs = _text(other_quote or "")
        score = fuzz.ratio(mine, theirs, score_cutoff=threshold)
        if score and (best is None or score > best[0]):
            best = (score, other_id)
    return best[1] if best else None
