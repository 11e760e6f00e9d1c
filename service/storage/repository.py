"""Queries and writes, in the domain's words. Callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from service.domain.matching import Candidate, Subject, blocking_keys
from service.storage.models import Claim, FormKey, Group, SubjectForm, Topic

# How many candidate forms the index hands to the scorer, most shared keys first.
CANDIDATE_LIMIT = 400


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int


def claim_by_fingerprint(session: Session, fingerprint: str) -> Claim | None:
    return session.scalars(select(Claim).where(Claim.fingerprint == fingerprint)).one_or_none()


def candidates(session: Session, subject: Subject, unit: str) -> list[Candidate]:
    """Stored subject forms sharing a blocking key with the subject: the index, never a scan."""
    keys = blocking_keys(subject, unit)
    if not keys:
        return []
    shared = func.count(FormKey.key).label("shared")
    ranked = (
        select(FormKey.form_id, shared)
        .where(FormKey.key.in_(keys))
        .group_by(FormKey.form_id)
        .order_by(shared.desc(), FormKey.form_id)
        .limit(CANDIDATE_LIMIT)
        .subquery()
    )
    rows = session.execute(select(SubjectForm).join(ranked, ranked.c.form_id == SubjectForm.id)).scalars()
    return [Candidate(f.group_id, f.form, f.unit, f.event_date, f.pins, f.generic) for f in rows]


def add_form(session: Session, group: Group, subject: Subject) -> None:
    """Index a subject form of the group unless the group already has it."""
    exists = session.scalar(
        select(SubjectForm.id).where(SubjectForm.group_id == group.id, SubjectForm.form == subject.form)
    )
    if exists is not None:
        return
    form = SubjectForm(
        group_id=group.id,
        form=subject.form,
        unit=group.unit,
        event_date=group.event_date,
        pins=subject.pins,
        generic=subject.generic,
    )
    session.add(form)
    session.flush()
    session.add_all(FormKey(key=key, form_id=form.id) for key in set(blocking_keys(subject, group.unit)))


def ensure_topic(session: Session, slug: str, label: str) -> None:
    if session.get(Topic, slug) is None:
        session.add(Topic(slug=slug, label=label))
        session.flush()


def active_claims(session: Session, group_id: int) -> list[Claim]:
    return list(
        session.scalars(
            select(Claim).where(Claim.group_id == group_id, Claim.retracted_at.is_(None)).order_by(Claim.id)
        )
    )


def active_claims_of_groups(session: Session, group_ids: Sequence[int]) -> dict[int, list[Claim]]:
    found: dict[int, list[Claim]] = {gid: [] for gid in group_ids}
    if not group_ids:
        return found
    rows = session.scalars(
        select(Claim)
        .where(Claim.group_id.in_(group_ids), Claim.retracted_at.is_(None))
        .order_by(Claim.group_id, Claim.id)
    )
    for claim in rows:
        found[claim.group_id].append(claim)
    return found


def _paged(session: Session, query: Select[Any], page: int, per_page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def claims_page(
    session: Session,
    *,
    source: str | None,
    q: str | None,
    topic: str | None,
    group_id: int | None,
    include_retracted: bool,
    page: int,
    per_page: int,
) -> Page:
    query = select(Claim).order_by(Claim.id)
    if source:
        query = query.where(Claim.source_key == source.strip().casefold())
    if topic:
        query = query.where(Claim.topic_slug == topic)
    if group_id is not None:
        query = query.where(Claim.group_id == group_id)
    if not include_retracted:
        query = query.where(Claim.retracted_at.is_(None))
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(Claim.subject.ilike(pattern), Claim.quote.ilike(pattern)))
    return _paged(session, query, page, per_page)


def groups_query(*, topic: str | None, conflict: bool | None) -> Select[tuple[Group]]:
    query = select(Group).where(Group.size > 0)
    if topic:
        query = query.where(Group.topic_slug == topic)
    if conflict is not None:
        query = query.where(Group.conflict.is_(conflict))
    return query


def groups_page(
    session: Session, *, topic: str | None, conflict: bool | None, page: int, per_page: int
) -> Page:
    query = groups_query(topic=topic, conflict=conflict).order_by(Group.sources.desc(), Group.id)
    return _paged(session, query, page, per_page)


def groups_by_ids(session: Session, ids: Sequence[int]) -> list[Group]:
    if not ids:
        return []
    by_id = {g.id: g for g in session.scalars(select(Group).where(Group.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def group_forms(session: Session, *, topic: str | None, conflict: bool | None) -> list[tuple[int, str]]:
    """(group id, label) of every listed group, for fuzzy label search."""
    query = groups_query(topic=topic, conflict=conflict).with_only_columns(Group.id, Group.label)
    return [(gid, label) for gid, label in session.execute(query)]


def topics_with_counts(session: Session) -> list[tuple[Topic, int, int]]:
    listed = and_(Group.topic_slug == Topic.slug, Group.size > 0)
    groups = select(func.count(Group.id)).where(listed).scalar_subquery()
    conflicting = select(func.count(Group.id)).where(listed, Group.conflict.is_(True)).scalar_subquery()
    rows = session.execute(select(Topic, groups, conflicting).order_by(Topic.slug))
    return [(topic, n, c) for topic, n, c in rows]


def conflicting_groups(session: Session, slug: str) -> list[Group]:
    query = groups_query(topic=slug, conflict=True).order_by(
        Group.sources.desc(), Group.size.desc(), Group.id
    )
    return list(session.scalars(query))
