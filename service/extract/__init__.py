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
from service.extract.boilerplate import body_lines

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
    start: int  # where the value starts in the text
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


def extract(text: str, *, language: str | None = None, published: date | None = None) -> Extraction:
    lines = body_lines(text)
    body = "\n".join(line.text for line in lines)
    language = language or detect_language(body)
    origin = ctx.origin_of(body)
    all_sentences = [s for line in lines for s in sentences.split(line)]
    article = subjects.article_context(
        [quantities.tokens(s.text) for s in all_sentences], COUNTRIES, published
    )
    event_day = _article_event_day(all_sentences, published)
    claims: list[ExtractedClaim] = []
    for sentence in all_sentences:
        toks = quantities.tokens(sentence.text)
        found = quantities.find(sentence.text, language)
        if not found:
            continue
        days = ctx.dates_in(sentence.text, published)
        relies_on = ctx.origin_of(sentence.text) or origin
        for quantity in found:
            subject = subjects.subject_for(sentence.text, toks, quantity, article)
            is_event = subjects.is_event(subject)
            event_date = (_nearest_event_day(sentence.text, days) or event_day) if is_event else None
            claims.append(
                ExtractedClaim(
                    subject=subject,
                    value=quantity.text if quantity.noun is None else _value_text(quantity),
                    unit=quantity.noun,
                    quote=sentence.text,
                    start=sentence.start + quantity.start,
                    end=sentence.start + quantity.end,
                    attributed_to=ctx.attribution_of(sentence.text, near=quantity.start),
                    origin=relies_on,
                    as_of=event_date or (days[0][1] if days else published),
                    event_date=event_date,
                )
            )
    return Extraction(language, origin, claims)


def _value_text(quantity: quantities.Quantity) -> str:
    # The counted noun travels as the unit; the value is the figure as written before it.
    return quantity.text[: quantity.text.rfind(" ")].strip() if " " in quantity.text else quantity.text


def _nearest_event_day(sentence: str, days: list[tuple[int, date]]) -> date | None:
    """The date written nearest an event noun ("pertemuan virtual Selasa"), if the sentence has one."""
    events = [m.start() for m in re.finditer(r"\w+", sentence) if m.group().lower() in subjects.EVENT_WORDS]
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
