"""Exports: a topic's or a group's claims as CSV for spreadsheets, a group as schema.org ClaimReview.

CSV is UTF-8 with a byte order mark (spreadsheets then read Indonesian text right), one row per
active claim. A text cell that a spreadsheet would run as a formula (starting with = + - @, a tab
or a carriage return) is prefixed with a quote; numeric columns stay plain numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from service.domain.values import format_value
from service.errors import UnknownGroup, UnknownTopic
from service.storage import repository as repo
from service.storage.models import Claim, Group, stored_value
from service.usecases import Context, find_group

BOM = "\ufeff"
COLUMNS = (
    "group_id", "group_label", "topic", "claim_id", "source", "source_url", "value_as_written",
    "low", "high", "unit", "hedge", "as_of", "event_date", "published_at", "attributed_to", "origin",
    "copy_of", "rank", "quote", "claim_conflicts", "group_conflict", "consensus_low", "consensus_high",
    "consensus_label", "consensus_sources",
)  # fmt: skip
NUMERIC = frozenset({"group_id", "claim_id", "low", "high", "copy_of", "consensus_low", "consensus_high"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any, *, numeric: bool = False) -> str:
    """A cell as text: numbers as numbers, and no text a spreadsheet would run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if numeric and isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _in_conflict(group: Group) -> set[str]:
    return {claim_id for c in group.conflicts or [] for claim_id in c["claims"]}


def claim_row(group: Group, claim: Claim, conflicting: set[str]) -> dict[str, Any]:
    consensus = group.consensus or {}
    return {
        "group_id": group.id,
        "group_label": group.label,
        "topic": group.topic_slug,
        "claim_id": claim.id,
        "source": claim.source_name,
        "source_url": claim.source_url,
        "value_as_written": claim.value_text or format_value(stored_value(claim)),
        "low": claim.value_low,
        "high": claim.value_high,
        "unit": claim.value_unit,
        "hedge": claim.value_hedge,
        "as_of": claim.as_of,
        "event_date": claim.event_date,
        "published_at": claim.published_at,
        "attributed_to": claim.attributed_to,
        "origin": claim.origin,
        "copy_of": claim.copy_of,
        "rank": claim.rank,
        "quote": claim.quote,
        "claim_conflicts": str(claim.id) in conflicting,
        "group_conflict": bool(group.conflict),
        "consensus_low": consensus.get("low"),
        "consensus_high": consensus.get("high"),
        "consensus_label": consensus.get("label"),
        "consensus_sources": "; ".join(consensus.get("sources") or []) or None,
    }


def to_csv(groups: Iterable[tuple[Group, list[Claim]]]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for group, claims in groups:
        conflicting = _in_conflict(group)
        for claim in claims:
            row = claim_row(group, claim, conflicting)
            writer.writerow(safe_cell(row[name], numeric=name in NUMERIC) for name in COLUMNS)
    return out.getvalue()


@dataclass(frozen=True)
class Export:
    filename: str
    text: str


def topic_csv(ctx: Context, slug: str) -> Export:
    with ctx.db.reading() as session:
        if repo.topic_with_counts(session, slug) is None:
            raise UnknownTopic(slug)
        groups = repo.groups_of_topic(session, slug)
        claims = repo.active_claims_of_groups(session, [g.id for g in groups])
    return Export(f"ceksilang-topic-{slug}.csv", to_csv((g, claims[g.id]) for g in groups))


def group_csv(ctx: Context, group_id: str) -> Export:
    with ctx.db.reading() as session:
        group = find_group(session, group_id)
        claims = repo.active_claims(session, group.id)
    return Export(f"ceksilang-group-{group.id}.csv", to_csv([(group, claims)]))


# --- ClaimReview -------------------------------------------------------------------------------

PUBLISHER = "Cek Silang"
# The rating scale: 1 sources disagree, 3 one source only, 5 sources agree.
DISPUTED = (1, "Disputed: sources disagree")
SINGLE = (3, "Unconfirmed: one source only")
AGREED = (5, "Consistent: sources agree")


def _consensus_text(group: Group) -> str | None:
    consensus = group.consensus
    if not consensus:
        return None
    if consensus.get("label"):
        return str(consensus["label"])
    low, high = consensus.get("low"), consensus.get("high")
    shown = [_number(x) for x in (low, high) if x is not None]
    value = shown[0] if len(set(shown)) == 1 else " to ".join(shown)
    return f"{value} {consensus.get('unit') or ''}".strip()


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def _verdict(group: Group) -> tuple[int, str, str]:
    """Rating value, its name, and the explanation that backs it."""
    if group.conflict:
        reasons = [c["explanation"] for c in (group.conflicts or [])[:5]]
        return (*DISPUTED, f"{DISPUTED[1]}. " + "; ".join(reasons))
    consensus = group.consensus or {}
    rating = AGREED if group.sources > 1 else SINGLE
    explanation = consensus.get("explanation") or ""
    return (*rating, f"{rating[1]}. {explanation}".strip())


def _appearances(claims: list[Claim]) -> list[dict[str, Any]]:
    """One CreativeWork per source: its earliest claim in the group."""
    first: dict[str, Claim] = {}
    for claim in sorted(claims, key=lambda c: (c.published_at is None, c.published_at or c.created_at, c.id)):
        first.setdefault(claim.source_key, claim)
    works = []
    for claim in first.values():
        work: dict[str, Any] = {
            "@type": "CreativeWork",
            "author": {"@type": "Organization", "name": claim.source_name},
        }
        if claim.source_url:
            work["url"] = claim.source_url
        published = claim.published_at.date() if claim.published_at else claim.as_of
        if published:
            work["datePublished"] = published.isoformat()
        works.append(work)
    return works


def claim_review(ctx: Context, group_id: str, base_url: str) -> dict[str, Any]:
    """The group as schema.org ClaimReview JSON-LD: the claim, where it appeared, and the verdict."""
    with ctx.db.reading() as session:
        group = find_group(session, group_id)
        claims = repo.active_claims(session, group.id)
    if not claims:
        raise UnknownGroup(group_id)
    agreed = _consensus_text(group)
    values = sorted({format_value(stored_value(c)) for c in claims})
    reviewed = (
        f"{group.label}: {agreed}"
        if agreed and not group.conflict
        else (f"{group.label}: {' / '.join(values[:10])}")
    )
    value, name, explanation = _verdict(group)
    base = base_url.rstrip("/")
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{base}/groups/{group.id}",
        "claimReviewed": reviewed,
        "itemReviewed": {
            "@type": "Claim",
            "name": group.label,
            "appearance": _appearances(claims),
        },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": name,
            "ratingExplanation": explanation,
        },
        "author": {"@type": "Organization", "name": PUBLISHER, "url": base + "/"},
        "datePublished": (group.updated_at or group.created_at).date().isoformat(),
    }
