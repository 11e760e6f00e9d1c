"""Every tolerance Cek Silang applies to numbers, in one place.

The README's "Tolerances" table is written from this module; change both together.
Hedges turn words into intervals when a claim is read (values.py); the exact-figure
tolerance is applied only when two values are compared (verdicts.py), never stored.
"""

from __future__ import annotations

# When two values are compared, every finite bound is widened by this fraction of itself, so two
# exact figures agree when they lie within about twice this of each other:
# 94,000 vs 100,000 (6% apart) conflict; 100,000 vs 103,000 agree.
EXACT_RELATIVE = 0.02

# "sekitar", "kira-kira", "about", "around", "approximately": the value ± 10%.
ABOUT_RELATIVE = 0.10

# "hampir", "nyaris", "nearly", "almost": from 20% below the value up to the value
# ("hampir satu jam" covers 50 minutes).
NEARLY_RELATIVE = 0.20

# "just over", "sedikit di atas": from the value up to 10% above it.
JUST_OVER_RELATIVE = 0.10

# Vague amounts: the interval each word stands for, as (low, high).
VAGUE_AMOUNTS: dict[str, tuple[float, float]] = {
    "belasan": (11, 19),
    "puluhan": (20, 99),
    "ratusan": (200, 999),
    "ribuan": (2_000, 9_999),
    "belasan ribu": (11_000, 19_999),
    "puluhan ribu": (20_000, 99_999),
    "ratusan ribu": (200_000, 999_999),
    "jutaan": (2_000_000, 9_999_999),
    "puluhan juta": (20_000_000, 99_999_999),
    "ratusan juta": (200_000_000, 999_999_999),
    "dozens": (24, 99),
    "hundreds": (200, 999),
    "thousands": (2_000, 9_999),
    "tens of thousands": (20_000, 99_999),
    "hundreds of thousands": (200_000, 999_999),
    "millions": (2_000_000, 9_999_999),
}

# Claims whose as_of dates lie further apart than this describe different times:
# their difference is change over time, not a conflict.
CONFLICT_WINDOW_DAYS = 7

# Largest magnitude accepted for any value; beyond it a figure is a typo, not news.
MAX_ABS_VALUE = 1e15


def exact_slack(value: float) -> float:
    """Half-width used around an exact figure when comparing it with another value."""
    return abs(value) * EXACT_RELATIVE


# Two quotes at least this similar (rapidfuzz ratio, 0-100, on folded text) are one text printed
# twice: the later claim relies on the earlier one's origin. Quotes shorter than the minimum say
# too little to tell a copy from a common phrase.
COPY_QUOTE_SIMILARITY = 90
COPY_QUOTE_MIN_CHARS = 60
