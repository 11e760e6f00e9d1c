"""The pages' words, numbers and the quote highlighting, without an app."""

from __future__ import annotations

from datetime import date

from service.ui import text
from service.ui.views import _highlight


def test_both_languages_have_every_word() -> None:
    assert set(text.WORDS["en"]) == set(text.WORDS["id"])
    assert all(text.WORDS[lang][key] for lang in text.LANGUAGES for key in text.WORDS[lang])


def test_the_language_is_asked_then_remembered_then_the_browser_s() -> None:
    assert text.choose("en", "id", ["id"]) == "en"
    assert text.choose(None, "en", ["id"]) == "en"
    assert text.choose("xx", None, ["fr-FR", "en-US"]) == "en"
    assert text.choose(None, None, ["ms-MY"]) == "id"
    assert text.choose(None, None, ["fr"]) == text.DEFAULT == "id"


def test_numbers_dates_and_intervals_read_as_each_language_writes_them() -> None:
    assert text.number(100_000, "en") == "100,000" and text.number(100_000, "id") == "100.000"
    assert text.number(2.5, "en") == "2.5" and text.number(2.5, "id") == "2,5"
    assert text.interval(100_000, None, "more_than", "troop", "id") == "lebih dari 100.000 troop"
    assert text.interval(None, 50, "at_most", "troop", "en") == "up to 50 troop"
    assert text.interval(60_000, 90_000, "range", "troop", "en") == "60,000–90,000 troop"
    assert text.interval(None, None, "label", "", "en") == "—"
    assert text.day(date(2021, 12, 31), "id") == "31 Des 2021"


def test_the_figure_is_highlighted_at_its_offsets_or_where_its_text_stands() -> None:
    quote = "Ada <b>60.000</b> hingga 90.000 tentara"
    assert (
        str(_highlight(quote, (25, 31), None))
        == "Ada &lt;b&gt;60.000&lt;/b&gt; hingga <mark>90.000</mark> tentara"
    )
    assert "<mark>90.000 tentara</mark>" in str(_highlight(quote, None, "90.000 TENTARA"))
    assert "<mark>60.000</mark>" in str(_highlight(quote, None, "sekitar 60.000 orang"))  # its number
    assert str(_highlight(quote, None, "tujuh")) == "Ada &lt;b&gt;60.000&lt;/b&gt; hingga 90.000 tentara"
    assert str(_highlight(None, None, "x")) == ""
