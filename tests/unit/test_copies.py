"""Near-copies of a quote count once."""

from __future__ import annotations

from service.domain.copies import near_copy

WIRE = "Rusia telah mengerahkan sekitar 100.000 tentara di dekat perbatasan Ukraina, kata pejabat Barat."


def test_a_republished_sentence_is_a_copy_even_with_small_edits() -> None:
    edited = (
        "Rusia telah mengerahkan sekitar 100.000 tentaranya di dekat perbatasan Ukraina, kata pejabat barat"
    )
    assert near_copy(edited, [(7, WIRE)]) == 7


def test_the_closest_of_several_copies_is_named() -> None:
    close = WIRE.replace("pejabat Barat", "pejabat-pejabat Barat")
    assert near_copy(WIRE, [(1, close), (2, WIRE)]) == 2


def test_the_same_figure_in_other_words_is_not_a_copy() -> None:
    own = "Pejabat Barat memperkirakan 100.000 personel militer Rusia kini berada dekat Ukraina."
    assert near_copy(own, [(7, WIRE)]) is None


def test_short_quotes_say_too_little() -> None:
    assert near_copy("100.000 tentara Rusia", [(7, "100.000 tentara Rusia")]) is None
    assert near_copy(None, [(7, WIRE)]) is None and near_copy(WIRE, [(7, None)]) is None
