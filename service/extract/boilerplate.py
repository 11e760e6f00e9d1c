"""The article body: the paragraphs a reader reads, without the page around them.

Pages captured as text keep their furniture: navigation words, "Baca juga" links to other
stories, recommended-video headlines, advertisements, newsletter and chat-group promotions,
page counters, bylines. Their figures belong to other stories or to nobody, so a line is body
text only when it reads as prose and none of the furniture rules claim it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A line that starts like one of these is a link or a label, not the article.
_FURNITURE_START = re.compile(
    r"""^\s*[*•»›>-]?\s*(
        baca\s+(juga|berita)|read\s+(more|also)|see\s+also|related\s*:|lihat\s+juga|simak\s+juga|
        video\s+rekomendasi|rekomendasi|berita\s+(terkait|lainnya|terbaru)|artikel\s+terkait|
        sponsored|advertisement|iklan|ads\b|promoted|infografis|infographic|
        editor\s*:|penulis\s*:|reporter\s*:|sumber\s*:|foto\s*:|photo\s*:|caption\s*:|
        tags?\s*:|topik\s*:|share\b|bagikan|komentar|follow\s+us|ikuti\s+kami
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Promotions: chat groups, newsletters, apps, phone numbers to write to.
_PROMOTION = re.compile(
    r"telegram|whatsapp|t\.me/|wa\.me/|klik\s+link|download\s+aplikasi|unduh\s+aplikasi|"
    r"berlangganan|subscribe|newsletter|google\s+news|dapatkan\s+update|"
    r"\b0\d{2,3}[\s-]?\d{3,4}[\s-]?\d{3,4}\b|\+62\s?\d",
    re.IGNORECASE,
)
_PAGE_COUNTER = re.compile(
    r"\b\d+\s+(dari|of)\s+\d+\s+(halaman|pages?)\b|\bhalaman\s+(all|selanjutnya)\b", re.I
)
_BYLINE_DATE = re.compile(
    r"^\s*(\w+[ ,]+){0,6}(senin|selasa|rabu|kamis|jumat|sabtu|minggu|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday),?\s+\d{1,2}\s+\w+\s+\d{4}(\s*[|,-]?\s*\d{1,2}[:.]\d{2}(\s*(wib|wita|wit))?)?\s*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"""[.!?]["'”’)\]]*\s*$""")
# A link to another story inside a paragraph: the rest of the line is that story's headline.
# (Anchored on the words, not on the space before them: a leading \s* backtracks on long blanks.)
_LINK_INSIDE = re.compile(r"\b(baca\s+juga|read\s+more|lihat\s+juga|simak\s+juga)\s*:", re.IGNORECASE)
# Characters that show nothing: they must not keep a line from ending like a sentence.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
MIN_BODY_WORDS = 6
MAX_BYLINE = 120


@dataclass(frozen=True)
class Line:
    """A line of the article body and where it starts in the original text."""

    start: int
    text: str


def body_lines(text: str) -> list[Line]:
    """The lines of `text` that are the article's own prose, with their offsets."""
    lines: list[Line] = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        if link := _LINK_INSIDE.search(line):
            line = line[: link.start()].rstrip(" *•»›")
        stripped = line.strip().strip(_INVISIBLE).strip()
        if stripped and is_body(stripped):
            lines.append(Line(offset + line.index(stripped), stripped))
        offset += len(raw)
    return lines


def is_body(line: str) -> bool:
    if _FURNITURE_START.search(line) or _PROMOTION.search(line) or _PAGE_COUNTER.search(line):
        return False
    if len(line) <= MAX_BYLINE and _BYLINE_DATE.match(line):  # bylines are short; long lines never are
        return False
    # Headlines, navigation and link titles do not end like sentences; prose does.
    return len(line.split()) >= MIN_BODY_WORDS and bool(_SENTENCE_END.search(line))


_NAVIGATION = re.compile(r"[|›»]|\s{3,}")
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(wib|wita|wit|am|pm|a\.m\.|p\.m\.)?\s*$", re.IGNORECASE)
MAX_HEADLINE_WORDS = 30


def headline(text: str) -> str | None:
    """The article's headline: the longest line before the body that reads like a title (a few
    words, not all capitals, no navigation separators, no furniture, no byline, no clock time)."""
    found = None
    for raw in text.splitlines():
        line = raw.strip().strip(_INVISIBLE).strip()
        if not line:
            continue
        if is_body(line):
            break
        words = line.split()
        if (
            4 <= len(words) <= MAX_HEADLINE_WORDS
            and not line.isupper()
            and not _NAVIGATION.search(line)
            and not _FURNITURE_START.search(line)
            and not _PROMOTION.search(line)
            and not _PAGE_COUNTER.search(line)
            and not _BYLINE_DATE.match(line)
            and not _CLOCK.search(line)
            and (found is None or len(line) > len(found))
        ):
            found = line
    return found
