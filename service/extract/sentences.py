"""Sentences with their offsets: Indonesian and English abbreviations and decimal marks kept whole."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.extract.boilerplate import Line

# Words that end with a full stop without ending the sentence.
ABBREVIATIONS = frozenset(
    """a.n dll dsb dst dkk drs dr prof ir h hj jl jln kab kec kel no tel telp sdr st tn ny nn yth bpk
    mr mrs ms jr sr vs etc inc ltd co corp gov gen lt col sgt rep sen u.s u.k a.s p.t pt tbk
    jan feb mar apr jun jul agu aug sep sept okt oct nov des dec""".split()
)
_END = re.compile(r"""([.!?])(["'”’)\]]*)(\s+)(?=["'“‘(\[]?[A-Z0-9])""")
# "WASHINGTON DC, KOMPAS.com –", "Liputan6.com, Washington D.C -", "Bisnis.com, JAKARTA –",
# "JAKARTA (Reuters) -": a short run of capitalised names, or names with a dot, before a dash.
_DATELINE = re.compile(r"^(.{3,60}?)\s[–—-]\s+")
_DATELINE_WORD = re.compile(r"^\(?[A-Z0-9][\w.-]*\)?,?$")


@dataclass(frozen=True)
class Sentence:
    start: int
    text: str


def _is_dateline(prefix: str) -> bool:
    words = prefix.split()
    return (
        len(words) <= 6
        and all(_DATELINE_WORD.match(w) for w in words)
        and any("." in w or "," in w or "(" in w for w in words)
    )


def split(line: Line) -> list[Sentence]:
    """The sentences of a body line; offsets are into the original document."""
    text = line.text
    start = 0
    if (m := _DATELINE.match(text)) and _is_dateline(m.group(1)):
        start = m.end()
    found: list[Sentence] = []
    for m in _END.finditer(text, start):
        word = text[: m.start(1)].rsplit(None, 1)[-1].lower() if text[: m.start(1)].split() else ""
        if m.group(1) == "." and (word.rstrip(".") in ABBREVIATIONS or len(word) == 1):
            continue
        end = m.end(2)
        found.append(Sentence(line.start + start, text[start:end]))
        start = m.end()
    if text[start:].strip():
        found.append(Sentence(line.start + start, text[start:].rstrip()))
    return found
