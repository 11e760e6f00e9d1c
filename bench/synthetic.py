"""Synthetic claims that look like a newsroom's: deterministic from a seed.

Subjects are built from measures, places and periods, so that many are alike without being the
same; each subject is then said several ways (Indonesian or English words, reordered, -nya, a typo),
and some claims are hard negatives (another year, another quarter, another direction).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MEASURES = [
    # (Indonesian, English, unit, value maker)
    ("jumlah pengungsi banjir", "number of flood refugees", "orang", "count"),
    ("korban tewas gempa", "earthquake death toll", "orang", "count"),
    ("korban luka gempa", "people injured in the earthquake", "orang", "count"),
    ("jumlah tentara di perbatasan", "troops at the border", "tentara", "count"),
    ("jumlah tentara yang ditarik dari perbatasan", "troops withdrawn from the border", "tentara", "count"),
    ("harga beras", "rice price", "rupiah", "money"),
    ("harga BBM", "fuel price", "rupiah", "money"),
    ("pertumbuhan ekonomi", "economic growth", "persen", "percent"),
    ("inflasi", "inflation", "persen", "percent"),
    ("durasi pemadaman listrik", "duration of the power outage", "jam", "hours"),
    ("jumlah penumpang kereta", "train passengers", "orang", "count"),
    ("jumlah penumpang dan awak kapal", "ship passengers and crew", "orang", "count"),
]
SYLLABLES = ["ba", "ra", "ka", "ma", "ta", "su", "wo", "ngi", "lo", "pe", "ja", "ri", "se", "to", "gu", "an"]
PERIODS_ID = ["kuartal I", "kuartal II", "kuartal III", "kuartal IV"]


@dataclass(frozen=True)
class Subject:
    measure: int
    place: str
    year: int
    quarter: int | None

    def indonesian(self) -> str:
        words = [MEASURES[self.measure][0], "di", self.place]
        if self.quarter:
            words.append(PERIODS_ID[self.quarter - 1])
        words.append(str(self.year))
        return " ".join(words)

    def english(self) -> str:
        words = [MEASURES[self.measure][1], "in", self.place]
        if self.quarter:
            words.append(f"Q{self.quarter}")
        words.append(str(self.year))
        return " ".join(words)


def place_names(rng: random.Random, count: int, syllables: list[str] = SYLLABLES) -> list[str]:
    """`count` distinct made-up place names of two to four syllables."""
    names: set[str] = set()
    while len(names) < count:
        name = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        names.add(name.capitalize())
    return sorted(names)


def subjects(rng: random.Random, count: int) -> list[Subject]:
    places = place_names(rng, max(10, count // 4))
    found: dict[tuple[int, str, int, int | None], Subject] = {}
    while len(found) < count:
        measure = rng.randrange(len(MEASURES))
        unit_kind = MEASURES[measure][3]
        quarter = rng.randint(1, 4) if unit_kind == "percent" else None
        s = Subject(measure, rng.choice(places), rng.choice([2021, 2022, 2023]), quarter)
        found[(s.measure, s.place, s.year, s.quarter)] = s
    return list(found.values())


def phrasing(rng: random.Random, subject: Subject) -> str:
    """One way a source could write the subject."""
    text = subject.english() if rng.random() < 0.3 else subject.indonesian()
    roll = rng.random()
    words = text.split()
    if roll < 0.15 and len(words) > 3:
        # reordered: the place first
        place_at = words.index(subject.place)
        words = words[place_at : place_at + 1] + words[:place_at] + words[place_at + 1 :]
    elif roll < 0.25:
        words = [w + "nya" if w == "jumlah" else w for w in words]
    elif roll < 0.40:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 4 and not w.isdigit():
            j = rng.randrange(1, len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # a swapped pair of letters
    return " ".join(words)


def value_for(rng: random.Random, subject: Subject) -> tuple[str, str | None]:
    _, _, unit, kind = MEASURES[subject.measure]
    if kind == "count":
        n = rng.choice([120, 350, 1_200, 4_500, 12_000, 94_000])
        hedge = rng.choice(["", "", "sekitar ", "lebih dari ", "hampir "])
        return f"{hedge}{n:,}".replace(",", "."), unit
    if kind == "money":
        return f"Rp{rng.choice([10_000, 12_500, 14_000]):,}".replace(",", "."), None
    if kind == "percent":
        return f"{rng.choice([4.9, 5.01, 5.44, 5.72])}".replace(".", ",") + " persen", None
    return f"{rng.choice([2, 3, 5, 8])} jam", None


def claims(
    seed: int, count: int, *, pool_size: int | None = None, phrasing_seed: int | None = None
) -> Iterator[dict[str, Any]]:
    """`count` claim bodies in the POST /claims shape about a pool of subjects (a tenth as many as
    claims unless `pool_size` says). The pool comes from `seed`; the claims from `phrasing_seed`
    when given, so that new claims can be said about the subjects a store already holds."""
    pool = subjects(random.Random(seed), pool_size or max(1, count // 10))
    rng = random.Random(seed if phrasing_seed is None else phrasing_seed)
    weights = [1 / (rank + 1) for rank in range(len(pool))]  # Zipf-like: a few subjects get most claims
    sources = [f"outlet-{i}.example" for i in range(200)]
    for i in range(count):
        subject = rng.choices(pool, weights)[0]
        value, unit = value_for(rng, subject)
        month = rng.randint(1, 12)
        yield {
            "subject": phrasing(rng, subject),
            "value": value,
            "unit": unit,
            "source": {"name": rng.choice(sources)},
            "as_of": f"{subject.year}-{month:02d}-{rng.randint(1, 28):02d}",
            "topic": f"bench {subject.measure}",
            "quote": f"synthetic claim {i}",
            "language": "id",
        }
