"""Every quantity a sentence states, read with the same rules as a posted value.

A quantity is a number (digits or words) with what news writes around it: a hedge or a currency
before, a scale word, a second number of a range, and a unit or a counted noun after. What only
looks like a quantity is skipped: clock times, dates and years, match scores, phone numbers,
numbers that are part of a name (F-16, Covid-19, Pasal 5), and spans of time relative to another
event ("dua hari setelah").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.domain.values import (
    HEDGE_PHRASES,
    NUMBER_WORDS,
    PREFIX_UNIT_WORDS,
    UNIT_WORDS,
    VAGUE_WORDS,
    UnparseableValue,
    Value,
    parse_value,
)

_TOKEN = re.compile(r"US\$|Rp|\$|€|%|\d+(?:[.,]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*|[–—-]|\S", re.UNICODE)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_SE_NUMBERS = frozenset(
    {"sepuluh", "sebelas", "seratus", "seribu", "sejuta", "setengah", "sejam", "semiliar"}
)
_CURRENCY = frozenset({"us$", "rp", "$", "€"})
_RANGE_JOINERS = frozenset({"hingga", "sampai", "to", "-", "–", "—"})
_RANGE_OPENERS = frozenset({"antara", "between"})
_OPENING_WORDS = HEDGE_PHRASES | _RANGE_OPENERS
_SCALE_WORDS = frozenset({"hundred", "thousand", "million", "billion", "trillion", "dozen"})
_AND = frozenset({"dan", "and"})
MONTHS = frozenset(
    """januari februari maret april mei juni juli agustus september oktober november desember jan feb
    mar apr jun jul agu agt ags sep sept okt nov des january february march may june july august
    october december dec oct aug""".split()
)
# Words in front of a number that make it a name, a time or a place in a list, not a quantity.
_LABEL_BEFORE = frozenset(
    """pukul jam pasal ayat nomor no nomer halaman hal bab article section chapter page number ke tahun
    year since sejak skor score gol tanggal tgl""".split()
)
_SCORE_BEFORE = re.compile(r"\b(skor|score|menang|kalah|won|beat|lost)\b\W*$", re.IGNORECASE)
_CLOCK_AFTER = frozenset({"wib", "wita", "wit", "am", "pm", "utc", "gmt", "pagi", "siang", "sore", "malam"})
# Months that are English words too: a month only when a year follows ("5 May 2022").
_AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar"})
# After a span of time, these make it a distance in time from something else.
_RELATIVE_AFTER = frozenset(
    """lalu kemudian setelah sesudah sebelum terakhir mendatang lagi belakangan silam sebelumnya ago
    later after before earlier last next prior""".split()
)
# Words that never name what is counted.
_NOT_NOUNS = frozenset(
    """di ke dari dan atau yang pada untuk dengan dalam oleh itu ini tersebut sejak hingga sampai
    antara bahwa karena saat ketika sebagai per lebih kurang sekitar hampir adalah ialah akan telah
    sudah masih juga pun lalu the of in on at to and or for with by from as than that this is are
    was were be been more less about over under some""".split()
)
_NOT_COUNTS = frozenset({"salah", "satu-satunya", "one-off"})
_NOT_AFTER = frozenset({"belah", "sama"})  # "kedua belah pihak", "satu sama lain"
_ADJECTIVES = frozenset("additional extra more new armed foreign local combat active tambahan".split())


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def low(self) -> str:
        return self.text.lower()


@dataclass(frozen=True)
class Quantity:
    """A value found in a sentence: offsets are into the sentence."""

    start: int
    end: int
    text: str
    value: Value
    noun: str | None  # the counted noun when the unit is not a known unit word ("rumah")
    first: int  # index of the first token of the span
    last: int  # index of the last token


def tokens(sentence: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(sentence)]


def is_number(token: Token) -> bool:
    low = token.low
    return bool(_DIGITS.fullmatch(low)) or low in NUMBER_WORDS or low in _SE_NUMBERS or low in VAGUE_WORDS


def find(sentence: str, language: str) -> list[Quantity]:
    toks = tokens(sentence)
    found: list[Quantity] = []
    i = 0
    while i < len(toks):
        if not (is_number(toks[i]) or _an_as_one(toks, i)) or _not_a_quantity(sentence, toks, i):
            i += 1
            continue
        quantity = _read(sentence, toks, i, language)
        if quantity is None:
            i += 1
            continue
        found.append(quantity)
        i = quantity.last + 1
    return found


def _read(sentence: str, toks: list[Token], i: int, language: str) -> Quantity | None:
    first = _span_start(toks, i)
    last = _number_end(toks, i)
    # "Rp10.500 hingga Rp11.000": the currency again before the range's other end
    if (
        last + 3 < len(toks)
        and toks[last + 1].low in _RANGE_JOINERS
        and toks[last + 2].low in _CURRENCY
        and is_number(toks[last + 3])
    ):
        last = _number_end(toks, last + 3)
    elif (last + 2 < len(toks) and toks[last + 1].low in _RANGE_JOINERS and is_number(toks[last + 2])) or (
        last + 2 < len(toks)
        and toks[last + 1].low in _AND
        and any(t.low in _RANGE_OPENERS for t in toks[max(0, first - 1) : i + 1])
        and is_number(toks[last + 2])
    ):
        last = _number_end(toks, last + 2)
    noun = None
    unit_end = _unit_end(toks, last)
    if unit_end is not None:
        last = unit_end
    elif any(_is_prefix_unit(t) for t in toks[first:i]):
        # A unit written before the number ("Rp 10.000"): what it is for may follow.
        if last + 2 < len(toks) and toks[last + 1].low in ("per", "/") and toks[last + 2].text.isalpha():
            last += 2
    else:
        noun = _counted_noun(toks, last)
        if noun in _PEOPLE_PARTICIPLES:
            noun = "orang"  # the participle stays in the sentence for the subject; the value counts people
    if _is_relative_time(toks, last):
        return None
    text = sentence[toks[first].start : toks[last].end]
    try:
        value = parse_value(text, unit=noun, language=language)
    except UnparseableValue:
        return None
    if value.dimension == "number":
        return None  # a bare number says nothing measurable on its own
    end = toks[last].end
    if noun is not None and toks[last + 1].low == noun:
        end = toks[last + 1].end
    return Quantity(toks[first].start, end, sentence[toks[first].start : end], value, noun, first, last)


def _is_prefix_unit(tok: Token) -> bool:
    """A unit written before its number: "Rp10.000", "magnitudo 5,6", "M 5,6" (a capital M before a
    number is a magnitude, not metres)."""
    return tok.low in _CURRENCY or tok.low in PREFIX_UNIT_WORDS or tok.text == "M"


def _an_as_one(toks: list[Token], i: int) -> bool:
    """English "a"/"an" count as one before a unit or a scale word ("an hour", "a million")."""
    if toks[i].low not in ("a", "an") or i + 1 >= len(toks):
        return False
    following = toks[i + 1].low
    return following in UNIT_WORDS or following in _SCALE_WORDS


def _span_start(toks: list[Token], i: int) -> int:
    """Extend left over a currency, then a hedge ("lebih dari", "at least") or a range opener."""
    j = i - 1 if i > 0 and _is_prefix_unit(toks[i - 1]) else i
    for size in (3, 2, 1):
        k = j - size
        if k >= 0 and " ".join(t.low for t in toks[k:j]) in _OPENING_WORDS:
            return k
    return j


def _number_end(toks: list[Token], i: int) -> int:
    """The last token of the number starting at i: digits or words, with scale words."""
    j = i
    # "hundreds of thousands", "tens of thousands"
    while j + 2 < len(toks) and toks[j + 1].low == "of" and toks[j + 2].low in VAGUE_WORDS:
        j += 2
    while j + 1 < len(toks) and (toks[j + 1].low in NUMBER_WORDS or toks[j + 1].low in _SE_NUMBERS):
        j += 1
    # "satu setengah jam", "one and a half hours"
    if j + 3 < len(toks) and [t.low for t in toks[j + 1 : j + 4]] == ["and", "a", "half"]:
        j += 3
    return j


def _unit_end(toks: list[Token], last: int) -> int | None:
    """The last token of the unit after the number: next to it ("50 menit", "50-minute", "5,72%"),
    after "of" ("thousands of people"), or past up to two describing words ("100,000 Russian troops")."""
    j = last + 1
    if (j < len(toks) and toks[j].text == "-" and toks[j].start == toks[last].end) or (
        j < len(toks) and toks[j].low == "of"
    ):
        j += 1
    for skip in range(3):
        k = j + skip
        if skip and (k - 1 >= len(toks) or not _describes(toks[k - 1])):
            break
        for size in (3, 2, 1):
            words = " ".join(t.low for t in toks[k : k + size])
            if len(toks[k : k + size]) == size and (words in UNIT_WORDS or _without_nya(words) in UNIT_WORDS):
                end = k + size - 1
                # "per liter", "/kg": what the price is for
                if end + 2 < len(toks) and toks[end + 1].low in ("per", "/") and toks[end + 2].text.isalpha():
                    end += 2
                return end
    return None


def _describes(tok: Token) -> bool:
    """A word that may stand between a number and its unit: "100,000 Russian troops"."""
    return (tok.text[:1].isupper() and tok.text.isalpha()) or tok.low in _ADJECTIVES


def _without_nya(word: str) -> str:
    return word[:-3] if word.endswith("nya") and len(word) > 5 else word


# Past participles that say a figure counts people ("62,545 displaced"): the unit is people.
_PEOPLE_PARTICIPLES = frozenset("displaced injured killed wounded missing evacuated dead died".split())


def _counted_noun(toks: list[Token], last: int) -> str | None:
    j = last + 1
    if j >= len(toks):
        return None
    word = toks[j]
    if not word.text.isalpha() or word.low in _NOT_NOUNS or word.low in MONTHS or word.low in _CLOCK_AFTER:
        return None
    if word.low in NUMBER_WORDS or word.low in HEDGE_PHRASES:
        return None
    return word.low


def _has_unit(toks: list[Token], first: int, last: int) -> bool:
    return any(t.low in UNIT_WORDS or t.low in _CURRENCY or t.text == "%" for t in toks[first : last + 1])


def _is_year(tok: Token) -> bool:
    return bool(re.fullmatch(r"(1[89]|20|21)\d\d", tok.text))


def _is_relative_time(toks: list[Token], last: int) -> bool:
    return last + 1 < len(toks) and toks[last + 1].low in _RELATIVE_AFTER


def _is_month(toks: list[Token], i: int) -> bool:
    if i >= len(toks) or toks[i].low not in MONTHS:
        return False
    if toks[i].low in _AMBIGUOUS_MONTHS:  # "20 may have died" is no date
        return i + 1 < len(toks) and _is_year(toks[i + 1])
    return True


def _is_model_name(toks: list[Token], i: int) -> bool:
    """A number right after a name, with no unit or counted noun: "Boeing 737 MAX", "Pasal 5"."""
    before = toks[i - 1]
    if not before.text[:1].isupper() or not before.text.isalpha() or before.low in HEDGE_PHRASES:
        return False
    if before.low in _NOT_NOUNS or (i == 1 and before.low.startswith("se")):  # "The 50-minute", "Sebanyak"
        return False
    after = toks[i + 1] if i + 1 < len(toks) else None
    if after is not None and after.text == "-" and i + 2 < len(toks):
        after = toks[i + 2]  # "50-minute"
    return after is None or not (after.low in UNIT_WORDS or after.text[:1].islower() or after.text in "%")


def _not_a_quantity(sentence: str, toks: list[Token], i: int) -> bool:
    tok = toks[i]
    before = toks[i - 1] if i > 0 else None
    after = toks[i + 1] if i + 1 < len(toks) else None
    if tok.low in _NOT_COUNTS or (after is not None and after.low in _NOT_AFTER):
        return True
    if (
        _is_year(tok)
        and (after is None or after.low not in UNIT_WORDS)
        and (before is None or before.low not in _CURRENCY)
    ):
        return True  # "2022 berada", "sejak 2018": a year, not a count
    if before is not None and before.low in _NOT_COUNTS:
        return True  # "salah satu": one of
    if before is not None and before.low in _LABEL_BEFORE:
        return True
    if i >= 2 and before is not None and before.text == "." and toks[i - 2].low in _LABEL_BEFORE:
        return True  # "No. 11", "Hal. 5"
    if after is not None and (_is_month(toks, i + 1) or after.low in _CLOCK_AFTER):
        return True
    if after is not None and after.low in ("p", "a") and i + 2 < len(toks) and toks[i + 2].text == ".":
        return True  # "7 p.m."
    if before is not None and _is_model_name(toks, i):
        return True
    if before is not None and before.low in MONTHS:
        return True
    if i >= 2 and before is not None and before.text == "." and toks[i - 2].low in MONTHS:
        return True  # "Dec. 30"
    # Glued to letters or to a slash or colon: F-16, Covid-19, G20, 12/2/2022, 13:21.
    glued_before = before is not None and before.end == tok.start and before.low not in _CURRENCY
    if glued_before and (before.text in "-/:" or before.text.isalpha()):
        return True
    per_unit = after is not None and after.text == "/" and i + 2 < len(toks) and toks[i + 2].text.isalpha()
    if (
        after is not None
        and after.start == tok.end
        and not per_unit
        and (after.text in "/:" or after.text.isalpha())
    ):
        return True
    if before is not None and before.text == "(" and after is not None and after.text == ")":
        return True  # "(2014)"
    if before is not None and before.text == "(" and i >= 2 and toks[i - 2].low in UNIT_WORDS:
        return True  # "10 km (6 miles)": the same figure in other units
    if i >= 2 and before is not None and before.low == "of" and toks[i - 2].low == "group":
        return True  # "the Group of 20"
    # A phone number: a leading zero and more digit groups.
    if tok.text.startswith("0") and len(tok.text) >= 3 and after is not None and after.text.isdigit():
        return True
    # English "a"/"an" only count before a unit or a scale word ("an hour", "a million").
    if tok.low in ("one", "a", "an") and after is not None and after.low in ("of", "another"):
        return True
    return bool(_SCORE_BEFORE.search(sentence[max(0, tok.start - 20) : tok.start]))
