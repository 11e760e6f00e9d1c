"""A newsroom's year of claims, deterministic from a seed: for the benchmarks at 10k to 1M claims.

    from bench.generator import Corpus
    corpus = Corpus(seed=7, claims=1_000_000)      # tens of thousands of subjects
    for claim in corpus.claims(): ...              # `claim.body()` is a POST /claims body
    queries = corpus.queries(1000)                 # new claims about stored subjects, said anew

A subject is a measure (some 40 of them: deaths, injured and missing of an earthquake, troops sent
and withdrawn, growth and its forecast...), a place (thousands of made-up names) and a period (a year,
a quarter or a month; disasters carry an event date). Subjects are drawn with Zipf-like frequencies:
a few get thousands of claims, most a handful. Each claim says its subject one way: Indonesian or
English, words of the lexicon swapped for their synonyms, reordered, with -nya, with a typo in a
word, with a filler word. Hard negatives come for free: the same measure and place in another period,
or with another direction (killed / injured / missing), are other subjects.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from bench.synthetic import place_names

# (Indonesian, English, unit, value kind, has an event date)
MEASURES: list[tuple[str, str, str | None, str, bool]] = [
    ("jumlah pengungsi banjir di {place}", "number of flood refugees in {place}", "orang", "count", True),
    ("jumlah pengungsi longsor di {place}", "landslide evacuees in {place}", "orang", "count", True),
    ("korban tewas gempa {place}", "{place} earthquake death toll", "orang", "count", True),
    ("korban luka gempa {place}", "people injured in the {place} earthquake", "orang", "count", True),
    ("korban hilang gempa {place}", "people missing after the {place} earthquake", "orang", "count", True),
    ("korban selamat gempa {place}", "survivors of the {place} earthquake", "orang", "count", True),
    ("kekuatan gempa {place}", "magnitude of the {place} earthquake", "magnitudo", "magnitude", True),
    ("kedalaman gempa {place}", "depth of the {place} earthquake", "km", "km", True),
    ("rumah rusak akibat gempa {place}", "houses damaged by the {place} earthquake", "rumah", "count", True),
    ("korban tewas banjir {place}", "{place} flood death toll", "orang", "count", True),
    ("korban tewas longsor {place}", "people killed in the {place} landslide", "orang", "count", True),
    (
        "korban tewas kapal tenggelam di selat {place}",
        "deaths in the {place} strait ferry sinking",
        "orang",
        "count",
        True,
    ),
    ("penumpang kapal feri {place}", "passengers of the {place} ferry", "orang", "count", True),
    ("jumlah tentara di perbatasan {place}", "troops at the {place} border", "tentara", "count", False),
    (
        "jumlah tentara yang ditarik dari perbatasan {place}",
        "troops withdrawn from the {place} border",
        "tentara",
        "count",
        False,
    ),
    ("tambahan tentara ke {place}", "additional troops sent to {place}", "tentara", "count", False),
    ("harga beras di {place}", "rice price in {place}", None, "money", False),
    ("harga BBM di {place}", "fuel price in {place}", None, "money", False),
    ("harga cabai di pasar {place}", "chili price at {place} market", None, "money", False),
    ("pertumbuhan ekonomi {place}", "{place} economic growth", None, "percent", False),
    ("proyeksi pertumbuhan ekonomi {place}", "{place} economic growth forecast", None, "percent", False),
    ("inflasi {place}", "{place} inflation", None, "percent", False),
    ("tingkat pengangguran {place}", "{place} unemployment rate", None, "percent", False),
    ("pertumbuhan ekspor {place}", "{place} export growth", None, "percent", False),
    ("penurunan impor {place}", "decline of {place} imports", None, "percent", False),
    ("durasi pemadaman listrik di {place}", "duration of the power outage in {place}", None, "hours", True),
    ("jumlah penumpang kereta {place}", "{place} train passengers", "orang", "count", False),
    ("jumlah penumpang dan awak kapal {place}", "{place} ship passengers and crew", "orang", "count", True),
    ("jumlah penduduk {place}", "population of {place}", "orang", "count", False),
    ("jumlah penerima vaksin di {place}", "people vaccinated in {place}", "orang", "count", False),
    ("anggaran daerah {place}", "{place} regional budget", None, "money_big", False),
    ("jumlah sekolah rusak di {place}", "schools damaged in {place}", "sekolah", "count", True),
    ("jumlah warga dievakuasi di {place}", "residents evacuated in {place}", "orang", "count", True),
    ("jumlah tersangka ditangkap di {place}", "suspects arrested in {place}", "orang", "count", False),
    ("luas lahan terbakar di {place}", "area burned in {place}", "hektare", "area", True),
    ("jumlah hotspot kebakaran hutan {place}", "forest fire hotspots in {place}", "titik", "count", False),
]
SYLLABLES = ["ba", "ra", "ka", "ma", "ta", "su", "wo", "ngi", "lo", "pe", "ja", "ri", "se", "to", "gu", "an",
             "ci", "du", "ho", "ke", "li", "mu", "nu", "pa", "sa", "tu", "we", "yo", "bi", "go"]  # fmt: skip
PERIODS_ID = ["kuartal I", "kuartal II", "kuartal III", "kuartal IV"]
PERIODS_EN = ["Q1", "Q2", "Q3", "Q4"]
MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember"]  # fmt: skip
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]  # fmt: skip
# Synonyms a writer reaches for: every word here reads the same to the lexicon.
SYNONYMS = {
    "tentara": ["pasukan", "prajurit", "personel militer"], "troops": ["soldiers", "forces"],
    "pengungsi": ["pengungsi"], "refugees": ["evacuees", "displaced people"], "gempa": ["gempa bumi"],
    "earthquake": ["quake"], "tewas": ["meninggal", "meninggal dunia"],
    "death toll": ["deaths", "fatalities"], "injured": ["wounded"], "luka": ["luka-luka", "terluka"],
    "hilang": ["belum ditemukan"],
    "harga": ["tarif"], "BBM": ["bahan bakar minyak", "bensin"], "fuel": ["gasoline", "petrol"],
    "ekonomi": ["perekonomian", "PDB"], "economic growth": ["GDP growth"], "pertumbuhan": ["kenaikan"],
    "proyeksi": ["perkiraan", "prakiraan"], "forecast": ["projection", "outlook"], "rusak": ["hancur"],
    "damaged": ["destroyed"], "ditarik": ["dipulangkan", "mundur"], "withdrawn": ["pulled back"],
    "kapal feri": ["feri", "kapal penyeberangan"], "ferry": ["ferry"], "penduduk": ["populasi"],
    "anggaran": ["APBD"], "ditangkap": ["diamankan"], "kekuatan": ["magnitudo"], "magnitude": ["strength"],
    "dievakuasi": ["evakuasi"], "evacuated": ["evacuation of"], "kedalaman": ["kedalaman"],
    "penerima vaksin": ["vaksinasi"], "people vaccinated": ["vaccinations"],
}  # fmt: skip
FILLERS_ID = ["total", "sementara", "terbaru", "resmi", "sebanyak", "hingga kini"]
FILLERS_EN = ["total", "latest", "official", "so far", "provisional"]
NYA_WORDS = {
    w: w + "nya" for w in ("jumlah", "korban", "harga", "kekuatan", "pertumbuhan", "penduduk", "anggaran")
}
YEARS = [2021, 2022, 2023, 2024, 2025]


@dataclass(frozen=True)
class Subject:
    """What a claim is about; the generator's truth: claims of one subject belong together."""

    id: int
    measure: int
    place: str
    year: int
    quarter: int | None
    month: int | None
    event_date: date | None

    def words(self, english: bool) -> str:
        text = MEASURES[self.measure][1 if english else 0].format(place=self.place)
        if self.quarter:
            text += f" {(PERIODS_EN if english else PERIODS_ID)[self.quarter - 1]}"
        if self.month:
            text += f" {(MONTHS_EN if english else MONTHS_ID)[self.month - 1]}"
        return f"{text} {self.year}"


@dataclass(frozen=True)
class GeneratedClaim:
    subject: Subject
    text: str
    value: str
    unit: str | None
    source: str
    as_of: date
    language: str
    number: int

    def body(self) -> dict[str, Any]:
        """The claim as POST /claims (and `ceksilang import`) take it."""
        return {
            "subject": self.text,
            "value": self.value,
            "unit": self.unit,
            "source": {"name": self.source},
            "as_of": self.as_of.isoformat(),
            "event_date": self.subject.event_date.isoformat() if self.subject.event_date else None,
            "topic": f"bench {MEASURES[self.subject.measure][1].format(place='').strip()}",
            "quote": f"synthetic claim {self.number}",
            "language": self.language,
        }


def default_subjects(claims: int) -> int:
    """Tens of thousands of subjects for a big store; one per ten claims for a small one."""
    return max(100, min(claims // 10, 50_000))


class Corpus:
    def __init__(self, seed: int, claims: int, subjects: int | None = None, sources: int = 300) -> None:
        self.seed = seed
        self.size = claims
        rng = random.Random(seed)
        self.subjects = _subjects(rng, subjects or default_subjects(claims))
        # Zipf-like (s = 1) over a shuffled order, so that the head is not all one measure.
        order = list(range(len(self.subjects)))
        rng.shuffle(order)
        self._weights = [0.0] * len(order)
        for rank, i in enumerate(order):
            self._weights[i] = 1 / (rank + 1)
        self._cumulative = _cumulate(self._weights)
        self.sources = [f"outlet-{i}.example" for i in range(sources)]

    def claims(self) -> Iterator[GeneratedClaim]:
        rng = random.Random(self.seed * 1_000_003 + 1)
        for number in range(self.size):
            subject = self.subjects[_pick(rng, self._cumulative)]
            yield self._claim(rng, subject, number)

    def queries(self, count: int, seed: int | None = None) -> list[GeneratedClaim]:
        """New claims about the stored subjects, drawn as the stored ones were, phrased anew."""
        rng = random.Random((self.seed if seed is None else seed) * 1_000_003 + 2)
        return [
            self._claim(rng, self.subjects[_pick(rng, self._cumulative)], self.size + n) for n in range(count)
        ]

    def _claim(self, rng: random.Random, subject: Subject, number: int) -> GeneratedClaim:
        english = rng.random() < 0.35
        value, unit = _value(rng, subject)
        year_end = date(subject.year, 12, 28)
        as_of = subject.event_date or date(
            subject.year, subject.month or rng.randint(1, 12), rng.randint(1, 28)
        )
        as_of = min(as_of, year_end)
        return GeneratedClaim(
            subject=subject, text=phrasing(rng, subject, english), value=value, unit=unit,
            source=rng.choice(self.sources), as_of=as_of, language="en" if english else "id", number=number,
        )  # fmt: skip


def _cumulate(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return min(bisect.bisect_left(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)


def _subjects(rng: random.Random, count: int) -> list[Subject]:
    # Fewer places than subjects: one place has several measures and periods (the hard negatives).
    places = place_names(rng, max(20, count // 6), SYLLABLES)
    found: dict[tuple[Any, ...], Subject] = {}
    while len(found) < count:
        measure = rng.randrange(len(MEASURES))
        kind, has_event = MEASURES[measure][3], MEASURES[measure][4]
        year = rng.choice(YEARS)
        quarter = month = None
        event_date = None
        if kind == "percent" and rng.random() < 0.7:
            quarter = rng.randint(1, 4)
        elif kind in ("money", "count") and not has_event and rng.random() < 0.3:
            month = rng.randint(1, 12)
        if has_event:
            month = rng.randint(1, 12)
            event_date = date(year, month, rng.randint(1, 28))
            month = month if rng.random() < 0.5 else None  # said in the subject, or only in the date
        key = (measure, rng.choice(places), year, quarter, month, event_date)
        if key not in found:
            found[key] = Subject(len(found), *key)
    return list(found.values())


def phrasing(rng: random.Random, subject: Subject, english: bool) -> str:
    """One way a source could write the subject: each change applied with some chance."""
    text = subject.words(english)
    if rng.random() < 0.35:  # synonyms from the lexicon
        for word, others in SYNONYMS.items():
            if f" {word} " in f" {text} " and rng.random() < 0.6:
                text = f" {text} ".replace(f" {word} ", f" {rng.choice(others)} ", 1).strip()
    words = text.split()
    if rng.random() < 0.15 and not english:  # -nya
        words = [NYA_WORDS.get(w, w) for w in words]
    if rng.random() < 0.2 and len(words) > 3:  # reordered: the place, or the period, first
        i = words.index(subject.place) if subject.place in words else len(words) - 1
        words = [words[i], *words[:i], *words[i + 1 :]]
    if rng.random() < 0.2:  # a typo in one word
        i = rng.randrange(len(words))
        words[i] = typo(rng, words[i])
    if rng.random() < 0.1:  # a filler word
        words.insert(rng.randrange(len(words) + 1), rng.choice(FILLERS_EN if english else FILLERS_ID))
    if rng.random() < 0.2:  # capitalised as a headline
        words = [w.capitalize() for w in words]
    return " ".join(words)


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 5 or word.isdigit():
        return word
    j = rng.randrange(1, len(word) - 2)
    kind = rng.random()
    if kind < 0.4:
        return word[:j] + word[j + 1] + word[j] + word[j + 2 :]  # two letters swapped
    if kind < 0.7:
        return word[:j] + word[j + 1 :]  # a letter dropped
    if kind < 0.85:
        return word[:j] + word[j] + word[j:]  # a letter doubled
    return word[:j] + rng.choice("aeiounrst") + word[j + 1 :]  # a letter replaced


def _value(rng: random.Random, subject: Subject) -> tuple[str, str | None]:
    unit, kind = MEASURES[subject.measure][2], MEASURES[subject.measure][3]
    base = random.Random(subject.id).random()  # the subject's true scale; sources differ around it
    if kind == "count":
        n = int(10 ** (1 + 4 * base) * rng.choice([1, 1, 1, 1.05, 0.9, 1.2]))
        hedge = rng.choice(["", "", "", "sekitar ", "lebih dari ", "hampir "])
        return f"{hedge}{n:,}".replace(",", "."), unit
    if kind == "money":
        return f"Rp{int(5_000 + 50_000 * base) // 100 * 100 + rng.choice([0, 0, 500, -500]):,}".replace(
            ",", "."
        ), None
    if kind == "money_big":
        return f"Rp{1 + 20 * base:.1f} triliun".replace(".", ","), None
    if kind == "percent":
        return f"{round(2 + 6 * base + rng.choice([0, 0, 0.1, -0.2]), 2)}".replace(".", ",") + " persen", None
    if kind == "magnitude":
        return f"{round(4 + 3 * base + rng.choice([0, 0, 0.1, -0.1]), 1)}".replace(".", ","), "magnitudo"
    if kind == "km":
        return f"{int(5 + 100 * base) + rng.choice([0, 0, 1, -2])} km", None
    if kind == "area":
        return f"{int(10 + 5_000 * base) + rng.choice([0, 0, 10])} hektare", None
    return f"{int(1 + 12 * base) + rng.choice([0, 0, 1])} jam", None
