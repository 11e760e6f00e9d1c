"""One function per operation. Each owns its transaction; views only translate HTTP."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.domain import matching, verdicts
from service.domain.matching import Lexicon, Subject, fold
from service.domain.values import (
    UnparseableValue,
    Value,
    detect_language,
    parse_value,
    value_from_parts,
)
from service.errors import (
    AlreadyRetracted,
    InvalidClaim,
    UnknownClaim,
    UnknownGroup,
    UnknownTopic,
    invalid_value,
)
from service.storage import repository as repo
from service.storage.db import Database
from service.storage.models import Claim, Group, Topic, utcnow

# Groups offered as `related` in a POST response, and claims shown of each.
RELATED_GROUPS = 5
RELATED_CLAIMS_PER_GROUP = 3


@dataclass(frozen=True)
class Context:
    """What every use case needs: the database and the settings that shape verdicts."""

    db: Database
    lexicon: Lexicon
    conflict_window_days: int


@dataclass
class ClaimInput:
    subject: str
    value: str | dict[str, Any]
    source_name: str
    unit: str | None = None
    source_url: str | None = None
    published_at: datetime | None = None
    as_of: date | None = None
    event_date: date | None = None
    topic: str | None = None
    quote: str | None = None
    attributed_to: str | None = None
    origin: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Match:
    claim: Claim
    similarity: float
    relation: str


@dataclass(frozen=True)
class GroupView:
    group: Group
    claims: list[Claim] = field(default_factory=list)


@dataclass(frozen=True)
class PostedClaim:
    claim: Claim
    group: Group
    matches: list[Match]
    created: bool


# --- reading a claim ---------------------------------------------------------------------------


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:120]


def read_value(data: ClaimInput) -> Value:
    try:
        if isinstance(data.value, dict):
            parts = dict(data.value)
            if "unit" not in parts and data.unit:
                parts["unit"] = data.unit
            return value_from_parts(**parts)
        return parse_value(data.value, unit=data.unit, language=data.language)
    except UnparseableValue as exc:
        raise invalid_value(exc, prefix="value." if isinstance(data.value, dict) else "") from exc


def fingerprint(data: ClaimInput, as_of: date | None) -> str:
    value = data.value if isinstance(data.value, dict) else " ".join(fold(data.value).split())
    key = [
        " ".join(fold(data.source_name).split()),
        " ".join(fold(data.subject).split()),
        value,
        fold(data.unit or ""),
        as_of.isoformat() if as_of else None,
        data.event_date.isoformat() if data.event_date else None,
    ]
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def _origin_key(claim: Claim) -> str:
    return " ".join(fold(claim.origin or claim.source_name).split())


def _value_of(claim: Claim) -> Value:
    return Value(
        text=claim.value_text,
        low=claim.value_low,
        high=claim.value_high,
        unit=claim.value_unit,
        dimension=claim.value_dimension,
        hedge=claim.value_hedge,
        label=claim.value_label,
        display_label=claim.value_display_label,
    )


def claim_view(claim: Claim) -> verdicts.ClaimView:
    return verdicts.ClaimView(
        claim.id, _value_of(claim), claim.source_name, _origin_key(claim), claim.as_of,
        origin=claim.origin or claim.source_name,
    )  # fmt: skip


# --- writing -----------------------------------------------------------------------------------


def post_claim(ctx: Context, data: ClaimInput) -> PostedClaim:
    """Store a claim once, join it to the best matching group or start one, and say what it meets."""
    for attempt in range(2):
        try:
            with ctx.db.writing() as session:
                return _post(ctx, session, data)
        except IntegrityError:
            # Another writer stored the same claim between our read and our insert: read theirs.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _post(ctx: Context, session: Session, data: ClaimInput, *, with_matches: bool = True) -> PostedClaim:
    value = read_value(data)
    subject = matching.normalise_subject(data.subject, ctx.lexicon)
    as_of = data.as_of or (data.published_at.date() if data.published_at else None) or data.event_date
    print_ = fingerprint(data, as_of)
    existing = repo.claim_by_fingerprint(session, print_)
    if existing is not None:
        if not with_matches:
            return PostedClaim(existing, existing.group, [], created=False)
        return _posted(ctx, session, existing, None, created=False)
    claim, related = _store(ctx, session, data, value, subject, as_of, print_)
    if not with_matches:
        return PostedClaim(claim, claim.group, [], created=True)
    return _posted(ctx, session, claim, related, created=True)


@dataclass
class ImportReport:
    stored: int = 0
    already_stored: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def import_claims(
    ctx: Context, rows: Iterable[tuple[int, ClaimInput | str]], *, batch_size: int = 500
) -> ImportReport:
    """Bulk import: each batch is one transaction; a row that cannot be read is reported, not stored.

    `rows` yields (line number, claim) or (line number, reason) for lines that failed to load.
    """
    report = ImportReport()
    batch: list[tuple[int, ClaimInput | str]] = []

    def flush() -> None:
        with ctx.db.writing() as session:
            for line, item in batch:
                if isinstance(item, str):
                    report.rejected.append((line, item))
                    continue
                try:
                    with session.begin_nested():
                        posted = _post(ctx, session, item, with_matches=False)
                except InvalidClaim as exc:
                    report.rejected.append((line, exc.detail))
                    continue
                if posted.created:
                    report.stored += 1
                else:
                    report.already_stored += 1
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return report


def _store(
    ctx: Context,
    session: Session,
    data: ClaimInput,
    value: Value,
    subject: Subject,
    as_of: date | None,
    print_: str,
) -> tuple[Claim, list[matching.Scored]]:
    topic_slug = None
    if data.topic and (topic_slug := slugify(data.topic)):
        repo.ensure_topic(session, topic_slug, data.topic.strip())
    ranking = matching.rank(
        subject, value.unit, data.event_date, repo.candidates(session, subject, value.unit)
    )
    if ranking.join is not None:
        group = session.get_one(Group, ranking.join.group_id)
        if group.topic_slug is None and topic_slug:
            group.topic_slug = topic_slug
        similarity: float | None = ranking.join.similarity
    else:
        group = Group(
            label=data.subject.strip(),
            topic_slug=topic_slug or None,
            dimension=value.dimension,
            unit=value.unit,
            event_date=data.event_date,
        )
        session.add(group)
        session.flush()
        similarity = None
    claim = Claim(
        fingerprint=print_,
        subject=data.subject.strip(),
        subject_form=subject.form,
        value_text=data.value if isinstance(data.value, str) else None,
        value_low=value.low,
        value_high=value.high,
        value_unit=value.unit,
        value_dimension=value.dimension,
        value_hedge=value.hedge,
        value_label=value.label,
        value_display_label=value.display_label,
        unit_given=data.unit,
        source_name=data.source_name.strip(),
        source_key=data.source_name.strip().casefold(),
        source_url=data.source_url,
        published_at=data.published_at,
        as_of=as_of,
        event_date=data.event_date,
        topic_slug=topic_slug or None,
        quote=data.quote,
        attributed_to=data.attributed_to,
        origin=data.origin.strip() if data.origin else None,
        language=data.language or detect_language(" ".join(filter(None, [data.subject, data.quote]))),
        group_id=group.id,
        similarity=similarity,
    )
    session.add(claim)
    repo.add_form(session, group, subject)
    session.flush()
    _refresh(ctx, session, group)
    return claim, ranking.related


def _refresh(ctx: Context, session: Session, group: Group) -> list[Claim]:
    """Re-evaluate a group's verdict from its active claims and store it with the group."""
    claims = repo.active_claims(session, group.id)
    verdict = verdicts.evaluate([claim_view(c) for c in claims], ctx.conflict_window_days)
    group.size = len(claims)
    group.sources = len({c.source_key for c in claims})
    group.conflicts = [
        {"claims": [str(i) for i in c.claims], "explanation": c.explanation} for c in verdict.conflicts
    ]
    group.conflict = verdict.conflict
    group.consensus = _consensus_json(verdict.consensus)
    group.updated_at = utcnow()
    return claims


def _consensus_json(consensus: verdicts.Consensus | None) -> dict[str, Any] | None:
    if consensus is None:
        return None
    return {
        "low": consensus.low,
        "high": consensus.high,
        "unit": consensus.unit,
        "label": consensus.label,
        "support": consensus.support,
        "sources": list(consensus.sources),
        "independent_origins": consensus.independent_origins,
        "confidence": consensus.confidence,
        "claims": [str(i) for i in consensus.claims],
        "explanation": consensus.explanation,
    }


def _posted(
    ctx: Context, session: Session, claim: Claim, related: list[matching.Scored] | None, *, created: bool
) -> PostedClaim:
    group = session.get_one(Group, claim.group_id)
    mine = claim_view(claim)
    matches = [
        Match(other, 1.0 if other.subject_form == claim.subject_form else _sim(claim, other),
              verdicts.relation(mine, claim_view(other), ctx.conflict_window_days))
        for other in repo.active_claims(session, group.id)
        if other.id != claim.id
    ]  # fmt: skip
    matches.sort(key=lambda m: (-m.similarity, m.claim.id))
    if related is None:  # a repeated POST: look again
        subject = matching.normalise_subject(claim.subject, ctx.lexicon)
        candidates = repo.candidates(session, subject, claim.value_unit)
        related = [r for r in matching.rank(subject, claim.value_unit, claim.event_date, candidates).related
                   if r.group_id != group.id]  # fmt: skip
    related = related[:RELATED_GROUPS]
    by_group = repo.active_claims_of_groups(session, [r.group_id for r in related])
    for scored in related:
        for other in by_group.get(scored.group_id, [])[-RELATED_CLAIMS_PER_GROUP:]:
            matches.append(Match(other, scored.similarity, verdicts.RELATED))
    return PostedClaim(claim, group, matches, created)


def _sim(a: Claim, b: Claim) -> float:
    return round(matching.similarity(a.subject_form, b.subject_form), 4)


def retract_claim(ctx: Context, claim_id: str) -> GroupView:
    """Take a claim out of its group (kept for audit) and re-evaluate the group."""
    with ctx.db.writing() as session:
        claim = _claim(session, claim_id)
        if claim.retracted_at is not None:
            raise AlreadyRetracted(f"claim {claim_id} was retracted at {claim.retracted_at.isoformat()}")
        claim.retracted_at = utcnow()
        session.flush()
        group = session.get_one(Group, claim.group_id)
        claims = _refresh(ctx, session, group)
        return GroupView(group, claims)


# --- reading -----------------------------------------------------------------------------------


def _int_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 18 else None


def _claim(session: Session, claim_id: str) -> Claim:
    key = _int_id(claim_id)
    claim = session.get(Claim, key) if key is not None else None
    if claim is None:
        raise UnknownClaim(claim_id)
    return claim


def get_claim(ctx: Context, claim_id: str) -> Claim:
    with ctx.db.reading() as session:
        return _claim(session, claim_id)


def list_claims(ctx: Context, **filters: Any) -> repo.Page:
    with ctx.db.reading() as session:
        return repo.claims_page(session, **filters)


def get_group(ctx: Context, group_id: str) -> GroupView:
    key = _int_id(group_id)
    with ctx.db.reading() as session:
        group = session.get(Group, key) if key is not None else None
        if group is None:
            raise UnknownGroup(group_id)
        return GroupView(group, repo.active_claims(session, group.id))


def list_groups(
    ctx: Context, *, q: str | None, topic: str | None, conflict: bool | None, page: int, per_page: int
) -> repo.Page:
    with ctx.db.reading() as session:
        if not q:
            return repo.groups_page(session, topic=topic, conflict=conflict, page=page, per_page=per_page)
        # Labels are few next to claims: fuzzy-rank them, then page through the ranking.
        choices = dict(repo.group_forms(session, topic=topic, conflict=conflict))
        query = fold(q)
        ranked = process.extract(
            query, {gid: fold(label) for gid, label in choices.items()},
            scorer=fuzz.WRatio, processor=None, score_cutoff=60, limit=None,
        )  # fmt: skip
        ids = [gid for _label, _score, gid in ranked]
        start = (page - 1) * per_page
        items = repo.groups_by_ids(session, ids[start : start + per_page])
        return repo.Page(items, len(ids), page, per_page)


@dataclass(frozen=True)
class TopicSummary:
    slug: str
    label: str
    groups: int
    conflicting_groups: int


def list_topics(ctx: Context) -> list[TopicSummary]:
    with ctx.db.reading() as session:
        return _topic_summaries(session)


@dataclass(frozen=True)
class TopicConflicts:
    topic: TopicSummary
    groups: list[GroupView]


def topic_conflicts(ctx: Context, slug: str) -> TopicConflicts:
    with ctx.db.reading() as session:
        topic = session.get(Topic, slug)
        if topic is None:
            raise UnknownTopic(slug)
        groups = repo.conflicting_groups(session, slug)
        claims = repo.active_claims_of_groups(session, [g.id for g in groups])
        summary = next(s for s in _topic_summaries(session) if s.slug == slug)
        return TopicConflicts(summary, [GroupView(g, claims[g.id]) for g in groups])


def _topic_summaries(session: Session) -> list[TopicSummary]:
    return [TopicSummary(t.slug, t.label, n, c) for t, n, c in repo.topics_with_counts(session)]


def check_health(ctx: Context) -> None:
    ctx.db.ping()
