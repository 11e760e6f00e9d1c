"""Properties of the pure domain (values, matching, verdicts), checked on generated inputs."""

from __future__ import annotations

import math
import os
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain import tolerance
from service.domain.matching import (
    JOIN_THRESHOLD,
    RELATED_THRESHOLD,
    load_lexicon,
    normalise_subject,
    similarity,
    within_reach,
    word_agreement,
)
from service.domain.values import (
    ABOUT,
    AT_LEAST,
    AT_MOST,
    EXACT,
    HEDGES,
    LESS_THAN,
    MORE_THAN,
    NEARLY,
    RANGE,
    VAGUE,
    UnparseableValue,
    Value,
    detect_language,
    format_value,
    parse_value,
    value_from_parts,
)
from service.domain.verdicts import (
    CONFLICTS,
    Backing,
    ClaimView,
    compatible,
    consensus,
    find_conflicts,
    relation,
)

# A modest default keeps the suite quick; HYPOTHESIS_PROFILE=thorough searches much harder.
settings.register_profile(
    "domain", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "domain"))

LEX = load_lexicon()
D = date(2022, 2, 24)
WINDOW = tolerance.CONFLICT_WINDOW_DAYS

# --- strategies --------------------------------------------------------------------------------------

LANGUAGES = st.sampled_from([None, "id", "en"])
UNITS = st.sampled_from(
    [None, "", "orang", "persen", "%", "Rp", "km", "troops", "menit", "jam", "USD", "kapal", "magnitudo", "m"]
)
HEDGE_WORDS = [
    "sekitar", "lebih dari", "hingga", "sampai", "hampir", "setidaknya", "kurang dari", "antara", "dan",
    "about", "more than", "at least", "nearly", "up to", "between", "and", "to", "or more", "lebih",
    "just over", "-", "–", "dari", "from", "a", "an", "half", "setengah",
]  # fmt: skip
NUMBER_WORDS = [
    "satu", "dua", "sepuluh", "sebelas", "belas", "puluh", "ratus", "seratus", "ribu", "juta", "miliar",
    "triliun", "rb", "jt", "M", "T", "k", "one", "twenty", "twenty-five", "hundred", "thousand", "million",
    "billion", "dozen", "belasan", "puluhan ribu", "ratusan", "thousands", "tens of thousands",
]  # fmt: skip
UNIT_WORDS = [
    "persen", "%", "orang", "jiwa", "Rp", "Rp.", "US$", "$", "€", "km", "m", "cm", "mil", "tentara",
    "troops", "people", "menit", "jam", "hari", "tahun", "detik", "magnitudo", "SR", "per liter", "/kg",
    "per jam", "kapal", "orangnya",
]  # fmt: skip


@st.composite
def digits(draw: st.DrawFn) -> str:
    """Digits as news writes them: grouped or not, '.' or ',' as either mark, sometimes signed or 1e5."""
    head = str(draw(st.integers(0, 999_999)))
    groups = draw(st.lists(st.integers(0, 999).map(lambda n: f"{n:03d}"), max_size=5))
    mark = draw(st.sampled_from([".", ","]))
    text = mark.join([head, *groups])
    if draw(st.booleans()):
        text += draw(st.sampled_from([".", ","])) + str(draw(st.integers(0, 99_999)))
    if draw(st.integers(0, 9)) == 0:
        text += f"e{draw(st.integers(-400, 400))}"
    if draw(st.integers(0, 5)) == 0:
        text = draw(st.sampled_from(["-", "−", "~"])) + text
    return text


FRAGMENTS = st.one_of(
    digits(),
    st.sampled_from(HEDGE_WORDS),
    st.sampled_from(NUMBER_WORDS),
    st.sampled_from(UNIT_WORDS),
    st.text(max_size=4),
)


@st.composite
def figures(draw: st.DrawFn) -> str:
    """Plausible figure strings: hedges, digits, number words and units in any order and spacing."""
    parts = draw(st.lists(FRAGMENTS, min_size=1, max_size=8))
    joiners = draw(st.lists(st.sampled_from([" ", "", "  ", "-"]), min_size=len(parts), max_size=len(parts)))
    return "".join(p + j for p, j in zip(parts, joiners, strict=True))


@st.composite
def shaped_figures(draw: st.DrawFn) -> str:
    """Figures in the shapes news uses: [hedge] number [scale] [unit], or a range of two such."""

    def one() -> str:
        number = draw(
            st.one_of(digits(), st.sampled_from(["satu", "dua", "sepuluh", "twenty-five", "seratus"]))
        )
        scale = draw(st.sampled_from(["", " ribu", " juta", " miliar", " thousand", " million", " M", "rb"]))
        return number + scale

    prefix = draw(st.sampled_from(["", "Rp", "Rp ", "US$", "magnitudo "]))
    hedge = draw(st.sampled_from(["", *HEDGE_WORDS[:18]]))
    unit = draw(st.sampled_from(["", *UNIT_WORDS]))
    text = f"{hedge} {prefix}{one()}"
    if draw(st.booleans()):
        text += draw(st.sampled_from([" hingga ", "-", " to ", " dan ", " and ", "–"])) + prefix + one()
    text += f" {unit}" + draw(st.sampled_from(["", " lebih", " or more", " or so"]))
    return text


TEXTS = st.one_of(st.text(), figures(), shaped_figures())

# Finite numbers the domain accepts (beyond MAX_ABS_VALUE a figure is refused as a typo).
BOUNDS = st.floats(-tolerance.MAX_ABS_VALUE, tolerance.MAX_ABS_VALUE, allow_nan=False, allow_infinity=False)
SMALL_BOUNDS = st.one_of(
    st.integers(-1000, 200_000).map(float),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    BOUNDS,
)


@st.composite
def numeric_values(draw: st.DrawFn, unit: tuple[str, str] | None = None) -> Value:
    """A well-formed numeric value: low <= high, None for an open side, a hedge that fits the shape."""
    canonical, dimension = unit or draw(
        st.sampled_from([("troop", "troops"), ("percent", "percent"), ("", "number"), ("IDR", "money:IDR")])
    )
    a, b = sorted([draw(SMALL_BOUNDS), draw(SMALL_BOUNDS)])
    shape = draw(st.sampled_from(["exact", "both", "low", "high"]))
    if shape == "exact":
        return Value(None, a, a, canonical, dimension, EXACT)
    if shape == "both":
        return Value(None, a, b, canonical, dimension, draw(st.sampled_from([RANGE, VAGUE, ABOUT, NEARLY])))
    if shape == "low":
        return Value(None, a, None, canonical, dimension, draw(st.sampled_from([MORE_THAN, AT_LEAST])))
    return Value(None, None, b, canonical, dimension, draw(st.sampled_from([LESS_THAN, AT_MOST])))


LABELS = st.sampled_from(["Rusia", "Russia", "Ukraina", "NATO", "Amerika Serikat", "China", "Tiongkok", "x"])


def label_value(text: str) -> Value:
    return value_from_parts(label=text)


VALUES = st.one_of(numeric_values(), LABELS.map(label_value))
DATES = st.one_of(st.none(), st.integers(-20, 20).map(lambda d: D + timedelta(days=d)))
ORIGINS = st.sampled_from(["reuters", "ap", "afp", "kompas", "tempo", "antara"])
SOURCES = st.sampled_from(["Kompas", "Tempo", "Detik", "BBC", "CNN"])


@st.composite
def claim_views(draw: st.DrawFn, value: st.SearchStrategy[Value] = VALUES) -> ClaimView:
    return ClaimView(
        id=draw(st.integers(1, 10_000)),
        value=draw(value),
        source=draw(SOURCES),
        origin_key=draw(ORIGINS),
        as_of=draw(DATES),
    )


def well_formed(value: Value) -> None:
    assert value.dimension
    # A bare number is the one dimension whose canonical unit is "" (see Value.unit).
    assert value.unit or value.dimension == "number"
    assert value.hedge in HEDGES
    for bound in (value.low, value.high):
        assert bound is None or (math.isfinite(bound) and abs(bound) <= tolerance.MAX_ABS_VALUE)
    assert value.low is not None or value.high is not None
    if value.low is not None and value.high is not None:
        assert value.low <= value.high
    assert isinstance(format_value(value), str)


# --- values -----------------------------------------------------------------------------------------


@given(TEXTS, UNITS, LANGUAGES)
def test_parse_value_returns_a_value_or_refuses(text: str, unit: str | None, language: str | None) -> None:
    """Any text parses to a Value or raises UnparseableValue; no other exception escapes."""
    try:
        value = parse_value(text, unit=unit, language=language)
    except UnparseableValue:
        return
    assert isinstance(value, Value)


@given(st.one_of(figures(), shaped_figures()), UNITS, LANGUAGES)
def test_parsed_value_is_well_formed(text: str, unit: str | None, language: str | None) -> None:
    """A parsed value has finite bounds with low <= high, a unit and dimension, and formats."""
    try:
        value = parse_value(text, unit=unit, language=language)
    except UnparseableValue:
        return
    assert value.text == text
    well_formed(value)


def test_punctuation_only_is_refused() -> None:
    """Text with no word, digit or symbol to read is refused as having no number, not a zip() error."""
    for text in (":", ": ", "?!", "(…)", "·"):
        try:
            parse_value(text)
        except UnparseableValue as exc:
            assert exc.reason == "no number"
        else:
            raise AssertionError(f"{text!r} was read")


@given(st.integers(0, 10**12), st.sampled_from(["", " orang", " persen", "%", " km", " tentara"]), LANGUAGES)
def test_plain_integer_reads_as_itself(n: int, suffix: str, language: str | None) -> None:
    """An ungrouped integer with no hedge is read exactly, in the unit its word names."""
    value = parse_value(f"{n}{suffix}", language=language)
    factor = 1000 if suffix == " km" else 1
    assert value.hedge == EXACT
    assert value.low == value.high == float(f"{n * factor:.12g}")


@given(
    st.one_of(st.none(), st.floats(), st.integers()),
    st.one_of(st.none(), st.floats(), st.integers()),
    st.one_of(st.none(), st.floats(), st.integers()),
    UNITS,
    st.one_of(st.none(), st.sampled_from([*HEDGES, "lebih dari", "about", "hingga", "x"])),
)
def test_value_from_parts_returns_a_value_or_refuses(low, high, amount, unit, hedge) -> None:
    """Parts give a well-formed Value or raise UnparseableValue, whatever numbers they hold."""
    try:
        value = value_from_parts(low=low, high=high, amount=amount, unit=unit, hedge=hedge)
    except UnparseableValue:
        return
    well_formed(value)


def test_value_from_parts_refuses_an_integer_beyond_any_float() -> None:
    """An integer too large for a float is no finite number: refused, not an OverflowError."""
    for parts in ({"amount": 10**400}, {"low": 10**400}, {"low": 1, "high": 10**400}):
        try:
            value_from_parts(**parts)
        except UnparseableValue as exc:
            assert "finite" in exc.reason
        else:
            raise AssertionError(f"{parts} was accepted")


@given(st.text())
def test_detect_language_is_id_or_en(text: str) -> None:
    """Any text is Indonesian or English; detection never fails."""
    assert detect_language(text) in ("id", "en")


# --- matching ---------------------------------------------------------------------------------------

SUBJECT_WORDS = st.sampled_from(
    "tentara pasukan rusia russian troops di dekat near perbatasan ukraina ukraine korban banjir bajnir "
    "cianjur cianjru kuartal III 2023 third quarter kedua second harga beras naik turun the jumlah".split()
)
SUBJECT_TEXTS = st.one_of(st.text(), st.lists(SUBJECT_WORDS, max_size=8).map(" ".join))
# Forms are sorted content tokens; short words over few letters provoke the typo matching.
FORM_WORDS = st.text(alphabet="abcde", min_size=1, max_size=6)
FORMS = st.one_of(
    st.lists(FORM_WORDS, max_size=6).map(lambda ws: " ".join(sorted(ws))),
    SUBJECT_TEXTS.map(lambda t: normalise_subject(t, LEX).form),
)


@given(SUBJECT_TEXTS)
def test_normalise_subject_never_fails(text: str) -> None:
    """Any text normalises to a subject whose form is its sorted, distinct tokens."""
    subject = normalise_subject(text, LEX)
    assert subject.text == text
    assert list(subject.tokens) == sorted(set(subject.tokens))
    assert subject.form == " ".join(subject.tokens)
    assert subject.generic == (len(subject.tokens) < 2)


@given(FORMS, FORMS)
def test_similarity_is_symmetric_and_in_range(a: str, b: str) -> None:
    """similarity(a, b) == similarity(b, a) and lies in [0, 1]."""
    assert 0.0 <= similarity(a, b) <= 1.0
    assert similarity(a, b) == similarity(b, a)


@given(st.lists(FORM_WORDS, max_size=6), st.lists(FORM_WORDS, max_size=6))
def test_word_agreement_is_symmetric(a: list[str], b: list[str]) -> None:
    """The share of words two forms have in common does not depend on which comes first."""
    assert word_agreement(a, b) == word_agreement(b, a)


@given(FORMS)
def test_a_form_is_most_similar_to_itself(form: str) -> None:
    """A subject is maximally similar to itself."""
    assert similarity(form, form) == 1.0


@given(FORMS, st.lists(FORMS, max_size=12), st.sampled_from([RELATED_THRESHOLD, JOIN_THRESHOLD]))
def test_the_batched_cut_keeps_every_form_that_reaches_the_threshold(
    form: str, forms: list[str], threshold: float
) -> None:
    """The rapidfuzz pass before scoring only drops forms that could not score the threshold."""
    kept = set(within_reach(form, forms, threshold))
    assert kept <= set(range(len(forms)))
    assert {i for i, other in enumerate(forms) if similarity(form, other) >= threshold} <= kept


# --- verdicts ---------------------------------------------------------------------------------------


@given(VALUES, VALUES)
def test_compatible_is_symmetric(a: Value, b: Value) -> None:
    """Whether two values can both hold does not depend on the order they are asked in."""
    assert compatible(a, b) == compatible(b, a)


@given(claim_views(), claim_views(), st.integers(0, 30))
def test_relation_is_symmetric(a: ClaimView, b: ClaimView, window: int) -> None:
    """relation(a, b) == relation(b, a) for any window."""
    assert relation(a, b, window) == relation(b, a, window)


@given(VALUES)
def test_a_value_is_compatible_with_itself(v: Value) -> None:
    """Every value agrees with itself."""
    assert compatible(v, v)


@given(claim_views(), st.integers(0, 30))
def test_a_claim_never_conflicts_with_itself(c: ClaimView, window: int) -> None:
    """A claim compared with itself is never a conflict."""
    assert relation(c, c, window) != CONFLICTS


@given(st.lists(claim_views(numeric_values(("troop", "troops"))), max_size=8), st.integers(1, 5))
def test_find_conflicts_lists_exactly_the_conflicting_pairs(claims: list[ClaimView], limit: int) -> None:
    """find_conflicts gives every conflicting pair once, in claim order; a limit keeps the first ones."""
    expected = [
        (a.id, b.id)
        for i, a in enumerate(claims)
        for b in claims[i + 1 :]
        if relation(a, b, WINDOW) == CONFLICTS
    ]
    assert [c.claims for c in find_conflicts(claims, WINDOW)] == expected
    assert [c.claims for c in find_conflicts(claims, WINDOW, limit)] == expected[:limit]


@st.composite
def backing_lists(draw: st.DrawFn, value: st.SearchStrategy[Value]) -> list[Backing]:
    items = draw(st.lists(st.tuples(value, SOURCES, ORIGINS, st.integers(1, 5)), min_size=1, max_size=8))
    return [Backing(v, s, o, o.upper(), n) for v, s, o, n in items]


@given(backing_lists(numeric_values(("troop", "troops"))))
def test_consensus_lies_within_its_backings(backed: list[Backing]) -> None:
    """A numeric consensus lies inside [min low, max high] of its backings (None: open) and its
    support, origins and confidence never exceed what the backings give."""
    found = consensus(backed)
    if found is None:
        return
    lows = [b.value.low for b in backed]
    highs = [b.value.high for b in backed]
    floor = None if None in lows else min(lows)
    ceiling = None if None in highs else max(highs)
    if found.low is not None and found.high is not None:
        assert found.low <= found.high
    for bound in (found.low, found.high):
        if bound is None:
            continue
        assert floor is None or bound >= floor
        assert ceiling is None or bound <= ceiling
    # A side is open only when some backing leaves it open.
    assert found.low is not None or floor is None
    assert found.high is not None or ceiling is None
    assert found.unit == "troop"
    assert found.label is None
    assert 1 <= found.support <= sum(b.claims for b in backed)
    assert 1 <= found.independent_origins <= len({b.origin_key for b in backed})
    assert set(found.sources) <= {b.source for b in backed}
    assert 0 < found.confidence < 1


@given(backing_lists(LABELS.map(label_value)))
def test_label_consensus_is_a_backed_label(backed: list[Backing]) -> None:
    """A label consensus names a label some backing gave, and has no bounds."""
    found = consensus(backed)
    if found is None:
        return
    assert (found.low, found.high) == (None, None)
    assert found.label in {b.value.display_label for b in backed}
    assert 1 <= found.support <= sum(b.claims for b in backed)


@given(numeric_values(("troop", "troops")), st.lists(ORIGINS, min_size=1, max_size=4, unique=True))
def test_consensus_of_one_value_is_that_value(v: Value, origins: list[str]) -> None:
    """When every backing gives the same value, the consensus is that value with full support."""
    backed = [Backing(v, "Kompas", o, o) for o in origins]
    found = consensus(backed)
    assert found is not None
    assert (found.low, found.high) == (v.low, v.high)
    assert found.support == len(origins)
    assert found.independent_origins == len(origins)
