"""Who says it and when: attribution, origin, dates resolved against publication."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import dateparser

# Wires and outlets Indonesian news relies on.
WIRES = (
    "Reuters", "AFP", "AP", "Associated Press", "Bloomberg", "Al Jazeera", "Antara", "ANTARA", "CNN",
    "BBC", "Xinhua", "Kyodo", "Sputnik", "TASS", "The Guardian", "New York Times", "Washington Post",
)  # fmt: skip
_WIRE = "|".join(sorted((re.escape(w) for w in WIRES), key=len, reverse=True))
# The lead words in any case ("Dilansir dari Reuters, ..."), the wire's name as it is written.
_ORIGIN_PATTERNS = [
    re.compile(rf"(?i:(?:seperti\s+)?(?:di)?kutip(?:\s+dari)?\s+(?:laman\s+)?)({_WIRE})"),
    re.compile(rf"(?i:(?:seperti\s+)?dilansir(?:\s+dari)?\s+(?:laman\s+)?)({_WIRE})"),
    re.compile(rf"(?i:mengutip\s+(?:laman\s+)?)({_WIRE})"),
    re.compile(rf"\b({_WIRE})\s+(?i:melansir|melaporkan|memberitakan|reported|reports)"),
    re.compile(rf"\(({_WIRE})\)"),
    re.compile(rf"(?i:according to\s+)({_WIRE})"),
]
_ATTRIBUTION_AFTER = re.compile(
    r"(?:,|\")\s*(?:kata|ujar|ucap|tutur|jelas|tegas|imbuh|tambah(?:nya)?|said|says|told)\s+"
    r"((?:[A-Z][\w.'-]*|the|juru|kepala|pejabat|para|seorang|sang|menteri|presiden|gubernur|officials?)"
    r"(?:\s+(?:[A-Z][\w.'-]*|[a-z]+)){0,6})"
)
_ATTRIBUTION_BEFORE = re.compile(
    r"(?:^|[,;]\s*|\bbahwa\s+|\bdan\s+)"
    r"((?:para\s+)?(?:pejabat|juru bicara|kepala|menteri|presiden|officials?|[A-Z][\w.'-]*)"
    r"(?:\s+(?:[A-Z][\w.'-]*|[a-z]+)){0,5}?)"
    r"\s+(?:mengatakan|menyatakan|menyebut(?:kan)?|melaporkan|mencatat|memperkirakan|said|says|reported|estimated)\b"
)
_ACCORDING_TO = re.compile(
    r"\b(?i:menurut|according to)\s+((?:[A-Z][\w.'-]*|the|data|laporan)(?:\s+[A-Z][\w.'-]*){0,5})"
)

EARLIEST_YEAR, LATEST_YEAR = 1800, 2200
WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")
_MONTH_DATE = re.compile(
    r"\b(\d{1,2})\s+(januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember|"
    r"jan|feb|mar|apr|jun|jul|agu|agt|sep|sept|okt|nov|des|january|february|march|may|june|july|august|"
    r"october|december|dec|oct|aug)\.?(?:\s+(\d{4}))?\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
_YESTERDAY = re.compile(r"\b(kemarin|yesterday)\b", re.IGNORECASE)


def origin_of(text: str) -> str | None:
    """The wire or outlet an article or sentence says it relies on; the most cited one."""
    found: Counter[str] = Counter()
    for pattern in _ORIGIN_PATTERNS:
        for m in pattern.finditer(text):
            found[_canonical_wire(m.group(1))] += 1
    return found.most_common(1)[0][0] if found else None


def _canonical_wire(name: str) -> str:
    return next((w for w in WIRES if w.lower() == name.lower()), name)


def attribution_of(sentence: str, near: int = 0) -> str | None:
    """Who the sentence says made the claim ("kata X", "X mengatakan", "menurut X", "X said"):
    of several, the one written nearest the figure at `near`."""
    found = []
    for pattern in (_ATTRIBUTION_AFTER, _ACCORDING_TO, _ATTRIBUTION_BEFORE):
        for m in pattern.finditer(sentence):
            who = _trim_name(m.group(1).strip(" ,.\"'"))
            if who and who.split()[0] not in WIRES:
                found.append((abs(m.start(1) - near), who))
    return min(found)[1] if found else None


def _trim_name(who: str) -> str:
    # "Sekretaris Pers Gedung Putih Jen Psaki dalam ..." -> stop at the first lower-case function word
    words: list[str] = []
    for word in who.split():
        if words and word in (
            "dalam",
            "di",
            "pada",
            "kepada",
            "dan",
            "yang",
            "bahwa",
            "in",
            "on",
            "to",
            "that",
        ):
            break
        words.append(word)
    while len(words) > 1 and words[-1].islower() and words[-1] not in ("ukraina", "rusia"):
        words.pop()  # "Barat berulangkali" -> "Barat"
    return " ".join(words)


def dates_in(sentence: str, published: date | None) -> list[tuple[int, date]]:
    """Dates the sentence names, with where they start, resolved against the publication day."""
    found: list[tuple[int, date]] = []
    for m in _NUMERIC_DATE.finditer(sentence):
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        resolved = _resolve(day, month, int(year) if year else None, published)
        if resolved:
            found.append((m.start(), resolved))
    for m in _MONTH_DATE.finditer(sentence):
        parsed = dateparser.parse(f"{m.group(1)} {m.group(2)} 2000", languages=["id", "en"])
        if parsed:
            resolved = _resolve(parsed.day, parsed.month, int(m.group(3)) if m.group(3) else None, published)
            if resolved:
                found.append((m.start(), resolved))
    taken = [start for start, _ in found]
    if published is not None:
        for m in _WEEKDAY.finditer(sentence):
            # "Sabtu (12/2/2022)": the weekday of a date that is written out adds nothing.
            if any(0 <= start - m.end() <= 3 for start in taken):
                continue
            back = (published.weekday() - WEEKDAYS[m.group(1).lower()]) % 7
            found.append((m.start(), published - timedelta(days=back)))
        for m in _YESTERDAY.finditer(sentence):
            found.append((m.start(), published - timedelta(days=1)))
    return sorted(found)


def _resolve(day: int, month: int, year: int | None, published: date | None) -> date | None:
    if year is not None and year < 100:
        year += 2000 if year < 70 else 1900  # "12/5/21" is 2021, "12/5/99" is 1999
    if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None  # a typo or a different calendar, not a date news can mean
    if year is None:
        if published is None:
            return None
        # A year-less date is the one nearest publication.
        options = [_date(y, month, day) for y in (published.year - 1, published.year, published.year + 1)]
        valid = [d for d in options if d is not None]
        return min(valid, key=lambda d: abs((d - published).days)) if valid else None
    return _date(year, month, day)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
