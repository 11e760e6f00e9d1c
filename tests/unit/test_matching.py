"""Subject normalisation, the hard rules and the scorer: tables of phrasings news really uses."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from service.domain.matching import (
    JOIN_THRESHOLD,
    RELATED_THRESHOLD,
    WORD_MATCH,
    Candidate,
    Subject,
    blocking_keys,
    fold,
    load_lexicon,
    normalise_subject,
    rank,
    similarity,
    tokenize,
    word_agreement,
)

LEX = load_lexicon()


def subject(text: str):
    return normalise_subject(text, LEX)


def score(a: str, b: str) -> float:
    return similarity(subject(a).form, subject(b).form)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Tentaranya", ["tentara"]),
        ("F-16 dan Covid-19", ["f16", "dan", "covid19"]),
        ("Kyïv, UKRAINA!", ["kyiv", "ukraina"]),
        ("hanya", ["hanya"]),
    ],
)
def test_tokenize_folds_case_accents_and_safe_nya(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def _folded_letter_by_letter(text: str) -> str:
    """What `fold` means: case-folded, decomposed, with the accents' combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def test_every_ascii_character_folds_as_letter_by_letter() -> None:
    for code in range(128):
        assert fold(chr(code)) == _folded_letter_by_letter(chr(code)), code


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_ascii_text_folds_as_letter_by_letter(text: str) -> None:
    assert fold(text) == _folded_letter_by_letter(text)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("KOMPAS.com", "kompas.com"),
        ("Kyïv", "kyiv"),
        ("Straße", "strasse"),  # case-folded, not only lowered
        ("ﬁnal", "final"),  # a ligature decomposed
        ("Ｒｕｓｉａ", "rusia"),  # full-width letters
        ("İstanbul", "istanbul"),
    ],
)
def test_fold_reads_outlets_names_alike(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Russian troops near Ukraine", "tentara Rusia di dekat Ukraina"),
        ("jumlah tentara Rusia di dekat perbatasan Ukraina", "Russian troops at the Ukrainian border"),
        ("durasi pembicaraan telepon Biden dan Putin", "length of the Biden-Putin phone call"),
        ("durasi panggilan telepon Biden Putin", "lama percakapan telepon antara Biden dan Putin"),
        ("korban tewas gempa Cianjur", "death toll of the Cianjur earthquake"),
        ("jumlah pengungsi gempa Cianjur", "pengungsi gempa di Cianjur"),
        # casualty words and incident names written differently
        ("orang wafat letusan Gunung Merapi", "jumlah korban meninggal erupsi Gunung Merapi"),
        (
            "korban yang belum ditemukan longsor Banjarnegara",
            "jumlah korban hilang tanah longsor Banjarnegara",
        ),
        ("orang lainnya mengalami cedera gempa Palu", "jumlah korban luka gempa Palu"),
        (
            "survivors of the Lake Sentani boat sinking",
            "jumlah korban selamat tenggelamnya boat Danau Sentani",
        ),
        ("people killed when Mount Sinabung erupted", "korban tewas erupsi Gunung Sinabung"),
    ],
)
def test_same_thing_in_indonesian_and_english_joins(a: str, b: str) -> None:
    sa, sb = subject(a), subject(b)
    assert sa.pins == sb.pins
    assert score(a, b) >= JOIN_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("jumlah tentara Rusia yang ditarik kembali", "jumlah tentara Rusia di dekat Ukraina"),
        ("troops withdrawn from the border", "troops deployed at the border"),
        ("rencana pengiriman tentara AS ke Polandia", "tentara AS di Polandia"),
        ("korban tewas gempa Cianjur", "korban luka gempa Cianjur"),
        ("korban luka gempa Cianjur", "korban hilang gempa Cianjur"),
        ("korban selamat kapal tenggelam di Selat Bali", "korban hilang kapal tenggelam di Selat Bali"),
        ("pertumbuhan ekonomi Indonesia kuartal III 2022", "inflasi Indonesia kuartal III 2022"),
        ("pertumbuhan ekonomi Indonesia kuartal III 2022", "pertumbuhan ekonomi Indonesia kuartal II 2022"),
        ("pertumbuhan ekonomi Indonesia Q3 2022", "pertumbuhan ekonomi Indonesia Q2 2022"),
        ("pertumbuhan ekonomi Indonesia 2022", "pertumbuhan ekonomi Indonesia 2021"),
        ("jumlah pesawat F-16 di Rumania", "jumlah pesawat F-35 di Rumania"),
    ],
)
def test_hard_negatives_differ_in_pins(a: str, b: str) -> None:
    assert subject(a).pins != subject(b).pins


@pytest.mark.parametrize(
    ("text", "pins"),
    [
        ("pertumbuhan ekonomi kuartal III 2022", "dir:growth q:3 y:2022"),
        ("third quarter 2022 economic growth", "dir:growth q:3 y:2022"),
        ("inflasi Indonesia Desember 2021", "dir:inflation m:12 y:2021"),
        ("jumlah tentara Rusia yang ditarik kembali", "dir:withdrawn"),
    ],
)
def test_periods_and_directions_become_pins(text: str, pins: str) -> None:
    assert subject(text).pins == pins


@pytest.mark.parametrize("text", ["jumlah korban", "the number", "total", "angka tentara"])
def test_short_or_generic_subjects_never_auto_join(text: str) -> None:
    assert subject(text).generic


def test_a_subset_of_words_is_not_the_same_subject() -> None:
    assert score("jumlah penumpang", "jumlah penumpang dan awak") < JOIN_THRESHOLD


def test_unrelated_subjects_score_low() -> None:
    assert score("harga BBM di Jakarta", "jumlah tentara Rusia di dekat Ukraina") < RELATED_THRESHOLD


def _candidate(text: str, group_id: int, unit: str = "troop", event_date: date | None = None) -> Candidate:
    s = subject(text)
    return Candidate(group_id, s.form, unit, event_date, s.pins, s.generic)


def test_rank_joins_the_best_group_and_offers_the_rest_as_related() -> None:
    new = subject("tentara Rusia di dekat perbatasan Ukraina")
    candidates = [
        _candidate("Russian troops near the Ukrainian border", 1),
        _candidate("tentara Rusia di Belarus dekat Ukraina", 2),
        _candidate("harga BBM", 3),
    ]
    ranking = rank(new, "troop", None, candidates)
    assert ranking.join is not None and ranking.join.group_id == 1
    assert [r.group_id for r in ranking.related] == [2]


@pytest.mark.parametrize(
    ("unit", "event_date", "why"),
    [
        ("second", None, "another dimension"),
        ("troop", date(2022, 2, 12), "another event date"),
    ],
)
def test_rank_never_joins_across_a_hard_rule(unit: str, event_date: date | None, why: str) -> None:
    new = subject("durasi pembicaraan telepon Biden dan Putin")
    stored = _candidate(
        "durasi pembicaraan telepon Biden dan Putin", 7, unit="second", event_date=date(2021, 12, 30)
    )
    ranking = rank(new, unit, event_date, [stored])
    assert ranking.join is None, why


_WORDS = ("korban", "banjir", "bandang", "garut", "gempa", "cianjur", "tewas", "luka", "warga", "pengungsi",
          "bajnir", "korbann", "2021", "2022")  # fmt: skip


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mine=st.lists(st.sampled_from(_WORDS), min_size=3, max_size=6, unique=True),
    stored=st.lists(
        st.tuples(
            st.integers(0, 2**6 - 1),  # which of the new subject's words the stored form keeps
            st.lists(st.sampled_from(_WORDS), max_size=2),  # and words of its own
            st.integers(1, 12),  # several forms a group, groups tied on a score
            st.sampled_from([None, date(2022, 10, 13)]),  # joinable or not
        ),
        max_size=40,
    ),
    limit=st.integers(0, 4),
)
def test_rank_wanting_a_few_related_groups_answers_as_scoring_every_candidate(
    mine: list[str], stored: list[tuple[int, list[str], int, date | None]], limit: int
) -> None:
    form = " ".join(sorted(mine))
    new = Subject(form, form, "", False)
    candidates = [
        Candidate(group, " ".join(sorted([w for n, w in enumerate(mine) if kept >> n & 1] + extra)),
                  "person", day, "", False)
        for kept, extra, group, day in stored
    ]  # fmt: skip
    whole = rank(new, "person", None, candidates)
    few = rank(new, "person", None, candidates, related_limit=limit)
    assert few.join == whole.join
    assert few.related == whole.related[:limit]


def _word_agreement_by_hand(a: list[str], b: list[str]) -> float:
    """The definition: each word of `a` takes an equal word of `b`, else the closest one left (the
    first of equals) when within WORD_MATCH."""
    if not a or not b:
        return 0.0
    left, matched = list(b), 0
    for word in a:
        scores = [OSA.normalized_similarity(word, other) for other in left]
        if word in left:
            left.remove(word)
            matched += 1
        elif scores and max(scores) >= WORD_MATCH:
            del left[scores.index(max(scores))]
            matched += 1
    return 2 * matched / (len(a) + len(b))


_TYPOS = (*_WORDS, "korbn", "gaurt", "garuts", "tewaz")  # words within WORD_MATCH of others


@settings(max_examples=400, deadline=None)
@given(a=st.lists(st.sampled_from(_TYPOS), max_size=6), b=st.lists(st.sampled_from(_TYPOS), max_size=6))
def test_word_agreement_is_its_definition(a: list[str], b: list[str]) -> None:
    assert word_agreement(a, b) == _word_agreement_by_hand(a, b)


def test_rank_wanting_one_related_group_still_breaks_ties_by_group_id() -> None:
    """Groups 5 and 3 score the same, their characters' ratio (typos in every word): the first
    related group is 3, though 5 is scored first."""
    form = "banjir garut korban tewas"
    typos = "bnajir gaurt korbna tewsa"
    new = Subject(form, form, "", False)
    candidates = [
        Candidate(20, form, "person", None, "", False),  # joined
        Candidate(5, typos, "person", None, "", False),
        Candidate(3, typos, "person", None, "", False),
        Candidate(8, "bandang banjir garut korban warga", "person", None, "", False),
    ]
    assert similarity(form, typos) == 0.84 < JOIN_THRESHOLD
    ranking = rank(new, "person", None, candidates, related_limit=1)
    assert ranking.join is not None and ranking.join.group_id == 20
    assert [(r.group_id, r.similarity) for r in ranking.related] == [(3, 0.84)]


def test_rank_sees_calls_on_other_dates_as_related_not_joined() -> None:
    new = subject("durasi pembicaraan telepon Biden dan Putin")
    stored = _candidate("lama panggilan telepon Biden-Putin", 7, unit="second", event_date=date(2021, 12, 30))
    ranking = rank(new, "second", date(2022, 2, 12), [stored])
    assert ranking.join is None
    assert [r.group_id for r in ranking.related] == [7]


def test_user_lexicon_extends_the_default(tmp_path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[concepts]\ntroop = ["bala tentara", "angkatan bersenjata"]\n', encoding="utf-8")
    lexicon = load_lexicon(str(extra))
    assert normalise_subject("angkatan bersenjata Rusia", lexicon).form == "russia troop"
    assert normalise_subject("tentara Rusia", lexicon).form == "russia troop"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("harga BBM Q3 2022", "fuel price third quarter 2022"),
        ("pertumbuhan ekonomi kuartal ketiga 2022", "economic growth Q3 2022"),
        ("jumlah pengungsi banjir di Demak", "jumlah pengungsi bajnir di Demak"),
    ],
)
def test_periods_ranks_and_typos_read_alike(a: str, b: str) -> None:
    assert subject(a).pins == subject(b).pins
    assert score(a, b) >= JOIN_THRESHOLD


def test_a_count_word_before_a_generic_subject_pins_nothing() -> None:
    # "kedua pemimpin" is "both leaders", not a second one: no rank, and a subject too generic to score.
    assert subject("kedua pemimpin").pins == subject("pemimpin").pins
    assert subject("kedua pemimpin").generic and subject("pemimpin").generic


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("jumlah warga divaksin dosis pertama", "jumlah warga divaksin dosis kedua"),
        ("jumlah warga divaksin dosis kedua", "jumlah warga divaksin dosis ketiga"),
        ("kasus Covid-19 gelombang kedua", "kasus Covid-19 gelombang ketiga"),
    ],
)
def test_ordinals_after_a_noun_pin_a_rank(a: str, b: str) -> None:
    assert subject(a).pins != subject(b).pins


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("jumlah tentara AS di Polandia", "jumlah tentara AS di Rumania"),
        ("korban tewas gempa Cianjur", "korban tewas gempa Garut"),
        ("harga beras di Jakarta", "harga beras di Surabaya"),
    ],
)
def test_one_differing_place_keeps_subjects_apart(a: str, b: str) -> None:
    assert score(a, b) < JOIN_THRESHOLD


@pytest.mark.parametrize("typo", ["Cianjru", "Cianjr", "Ciannjur", "Cianjor"])
def test_a_typo_in_a_distinctive_word_still_shares_an_index_key(typo: str) -> None:
    stored = set(blocking_keys(subject("jumlah pengungsi gempa Cianjur"), "people|person"))
    query = set(blocking_keys(subject(f"jumlah pengungsi gempa {typo}"), "people|person"))
    distinctive = {k for k in stored & query if "~" in k}
    assert distinctive, "only the common words would bring the stored subject up"


def test_words_the_lexicon_knows_get_no_typo_keys() -> None:
    keys = blocking_keys(subject("tentara Rusia di dekat Ukraina"), "troops|troop")
    assert not any("~" in k for k in keys)
