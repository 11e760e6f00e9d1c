"""Precision and recall of the extractor against hand-read claims.

A reference folder holds `articles.json` (file, source, published_at, language), the article files,
and `claims.json` (the claims read by hand, in the POST /claims shape; `file` or the source's name
says which article each comes from). An extracted claim matches a hand-read one of the same article
when both the value and the subject agree: the same interval in the same unit, and subjects the
matcher would put in one group (same pins, similarity at the joining threshold).
Categorical hand-read claims are left out: the extractor reads quantities.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from service.domain import matching
from service.domain.values import UnparseableValue, Value, parse_value
from service.extract import ExtractedClaim, extract, quantities


@dataclass
class ArticleScore:
    file: str
    extracted: int
    reference: int
    matched: int
    values_found: int = 0  # hand-read claims whose value was extracted, whatever its subject
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)


@dataclass
class Report:
    articles: list[ArticleScore]

    @property
    def precision(self) -> float:
        extracted = sum(a.extracted for a in self.articles)
        return sum(a.matched for a in self.articles) / extracted if extracted else 1.0

    @property
    def recall(self) -> float:
        reference = sum(a.reference for a in self.articles)
        return sum(a.matched for a in self.articles) / reference if reference else 1.0

    @property
    def value_recall(self) -> float:
        """The share of hand-read figures found at all: the ceiling subjects can reach."""
        reference = sum(a.reference for a in self.articles)
        return sum(a.values_found for a in self.articles) / reference if reference else 1.0


def evaluate(folder: Path, lexicon: matching.Lexicon) -> Report:
    articles = json.loads((folder / "articles.json").read_text(encoding="utf-8"))
    reference = [c for c in json.loads((folder / "claims.json").read_text(encoding="utf-8"))
                 if isinstance(c.get("value"), str)]  # fmt: skip
    scores = []
    for article in articles:
        text = (folder / article["file"]).read_text(encoding="utf-8")
        language = article.get("language")
        found = extract(text, language=language, published=published_day(article.get("published_at"))).claims
        mine = [c for c in reference if _belongs(c, article)]
        scores.append(_score(article["file"], found, mine, language, lexicon))
    return Report(scores)


def published_day(raw: str | None) -> date | None:
    return datetime.fromisoformat(raw).date() if raw else None


def _belongs(claim: dict[str, Any], article: dict[str, Any]) -> bool:
    if "file" in claim:
        return bool(claim["file"] == article["file"])
    return bool(claim["source"]["name"] == article["source"]["name"])


def _score(
    file: str, found: list[ExtractedClaim], reference: list[dict[str, Any]], language: str | None,
    lexicon: matching.Lexicon,
) -> ArticleScore:  # fmt: skip
    left = list(reference)
    matched = 0
    spurious = []
    for claim in found:
        hit = next((r for r in left if _same(claim, r, language, lexicon)), None)
        if hit is None:
            spurious.append(f"{claim.value!r} · {claim.subject}")
        else:
            left.remove(hit)
            matched += 1
    missed = [f"{r['value']!r} · {r['subject']}" for r in left]
    values = [_value(c.value, c.unit, language) for c in found]
    values_found = sum(
        any(v is not None and _same_value(v, _value(r["value"], r.get("unit"), language)) for v in values)
        for r in reference
    )
    return ArticleScore(file, len(found), len(reference), matched, values_found, missed, spurious)


def _same_value(a: Value, b: Value | None) -> bool:
    return b is not None and (a.low, a.high, a.unit) == (b.low, b.high, b.unit)


def _same(
    claim: ExtractedClaim, ref: dict[str, Any], language: str | None, lexicon: matching.Lexicon
) -> bool:
    ours = _value(claim.value, claim.unit, language)
    if ours is None or not _same_value(ours, _value(ref["value"], ref.get("unit"), language)):
        return False
    a = matching.normalise_subject(claim.subject, lexicon)
    b = matching.normalise_subject(ref["subject"], lexicon)
    return a.pins == b.pins and matching.similarity(a.form, b.form) >= matching.JOIN_THRESHOLD


def _value(text: str, unit: str | None, language: str | None) -> Value | None:
    """A value read the way the extractor reads one: "22.198 unit" counts units."""
    if unit is not None and unit.startswith(("per ", "/")):
        text, unit = f"{text} {unit}", None  # "Rp7.650" + "per liter": what a price is for
    if unit is None:
        found = quantities.find(text, language or "id")
        if len(found) == 1:
            return found[0].value
    try:
        return parse_value(text, unit=unit, language=language)
    except UnparseableValue:
        return None
