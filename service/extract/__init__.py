"""Article text -> the claims it makes: body, sentences, quantities, subjects, attribution, dates.

Pure Python over the domain's value reader: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from service.domain.values import detect_language
from service.extract import context as ctx
from service.extract import quantities, sentences, subjects
from service.extract.boilerplate import body_lines, headline

MIN_SUBJECT = 3  # characters: a subject shorter than a claim accepts is no subject

COUNTRIES = (
    "Ukraina", "Ukraine", "Rusia", "Russia", "AS", "Amerika Serikat", "United States", "Polandia", "Poland",
    "Rumania", "Romania", "Belarus", "Jerman", "Germany", "Perancis", "Prancis", "France", "Inggris",
    "Britain", "China", "Tiongkok", "Jepang", "Japan", "Indonesia", "Malaysia", "Singapura", "Singapore",
)  # fmt: skip


@dataclass(frozen=True)
class ExtractedClaim:
    subject: str
    value: str  # the value as written
    unit: str | None  # the counted noun, when the value text has no unit of its own
    quote: str  # the sentence
    # Where the figure stands in the text: the value as written and, for a counted noun, the noun
    # ("1.500 ton").
    start: int
    end: int
    attributed_to: str | None
    origin: str | None
    as_of: date | None
    event_date: date | None


@dataclass(frozen=True)
class Extraction:
    language: str
    origin: str | None
    claims: list[ExtractedClaim]
    has_body: bool = True  # whether any line read as the article's prose


MAX_QUANTITIES_PER_SENTENCE = 30  # a list of more figures than that is a table, not prose
MAX_CLAIMS = 300  # per article


def extract(text: str, *, language: str | None = None, published: date | None = None) -> Extraction:
    lines = body_lines(text)
    body = "\n".join(line.text for line in lines)
    language = language or detect_language(body)
    origin = ctx.origin_of(body)
    all_sentences = [s for line in lines for s in sentences.split(line)]
    tokenised = [(s, quantities.tokens(s.text)) for s in all_sentences]
    title = headline(text)
    article = subjects.article_context(
        [(s.text, toks) for s, toks in tokenised],
        COUNTRIES,
        published,
        headline=quantities.tokens(title) if title else None,
    )
    event_day = _article_event_day(all_sentences, published)
    claims: list[ExtractedClaim] = []
    seen: set[tuple[object, ...]] = set()
    for sentence, toks in tokenised:
        found = quantities.find(sentence.text, language)[:MAX_QUANTITIES_PER_SENTENCE]
        if not found:
            continue
        days = ctx.dates_in(sentence.text, published)
        relies_on = ctx.origin_of(sentence.text) or origin
        for quantity in found:
            subject = subjects.subject_for(sentence.text, toks, quantity, article)
            if len(subject) < MIN_SUBJECT:
                continue
            is_event = subjects.is_event(subject)
            event_date = (_nearest_event_day(sentence.text, days) or event_day) if is_event else None
            claim = ExtractedClaim(
                subject=subject,
                value=quantity.text if quantity.noun is None else _value_text(quantity),
                unit=quantity.noun,
                quote=sentence.text,
                start=sentence.start + quantity.start,
                end=sentence.start + quantity.end,
                attributed_to=ctx.attribution_of(sentence.text, near=quantity.start),
                origin=relies_on,
                as_of=_nearest_day(days, quantity.start) or event_date or published,
                event_date=event_date,
            )
            # A figure the article repeats is one claim, found where it first stands.
            key = (claim.subject, claim.value, claim.unit, claim.as_of, claim.event_date)
            if key not in seen:
                seen.add(key)
                claims.append(claim)
    return Extraction(language, origin, claims[:MAX_CLAIMS], has_body=bool(lines))


def _nearest_day(days: list[tuple[int, date]], position: int) -> date | None:
    return min(days, key=lambda d: abs(d[0] - position))[1] if days else None


def _value_text(quantity: quantities.Quantity) -> str:
    # The counted noun travels as the unit; the value is the figure as written before it.
    parts = quantity.text.rsplit(None, 1)
    return parts[0] if len(parts) == 2 else quantity.text


_AS_OF_BEFORE = re.compile(r"\b(per|hingga|sampai|as of|by|until|pada data)\s*$", re.IGNORECASE)


def _nearest_event_day(sentence: str, days: list[tuple[int, date]]) -> date | None:
    """The date written nearest an event noun ("pertemuan virtual Selasa"), if the sentence has one;
    a date a figure is counted by ("per 23 November", "hingga Senin") is no event's."""
    events = [m.start() for m in re.finditer(r"\w+", sentence) if m.group().lower() in subjects.EVENT_WORDS]
    days = [(at, day) for at, day in days if not _AS_OF_BEFORE.search(sentence[max(0, at - 12) : at])]
    if not days or not events:
        return None
    return min(days, key=lambda d: min(abs(d[0] - e) for e in events))[1]


def _article_event_day(all_sentences: list[sentences.Sentence], published: date | None) -> date | None:
    """The day of the event the article is about: the first date written next to an event noun."""
    for sentence in all_sentences:
        days = ctx.dates_in(sentence.text, published)
        day = _nearest_event_day(sentence.text, days)
        if day:
            return day
    return None
