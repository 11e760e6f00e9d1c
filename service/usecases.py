"""One function per operation. Each owns its transaction; views only translate HTTP."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import operator
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process
from sqlalchemy.exc import DataError, SQLAlchemyError
from sqlalchemy.orm import Session

from service import background, webhooks
from service.domain import copies, matching, truth, verdicts
from service.domain.matching import Lexicon, Subject, fold
from service.domain.values import (
    UnparseableValue,
    Value,
    detect_language,
    parse_value,
    resolve_unit,
    value_from_parts,
)
from service.errors import (
    AlreadyRetracted,
    DomainError,
    InvalidClaim,
    NotReady,
    RetractedClaim,
    UnknownClaim,
    UnknownDocument,
    UnknownGroup,
    UnknownSource,
    UnknownTopic,
    invalid_value,
)
from service.extract import ExtractedClaim, extract
from service.extract.html import is_html, main_text
from service.storage import repository as repo
from service.storage.db import Database
from service.storage.form_index import FormIndex
from service.storage.migrate import head_revision
from service.storage.models import Claim, Document, Group, Source, stored_value, utcnow

log = logging.getLogger("ceksilang")

# Groups offered as `related` in a POST response, and claims shown of each.
RELATED_GROUPS = 5
RELATED_CLAIMS_PER_GROUP = 3
# The longest counted noun a read article may give as a claim's unit (the claim schema's limit).
MAX_UNIT = 60
# Claims of the joined group shown in a POST response, most similar and most telling first.
MAX_GROUP_MATCHES = 20
# Conflicting pairs listed with a group; `conflict` stays true past the list's end.
MAX_CONFLICTS_LISTED = 100
# How close a search's normalised subject must come to a group's (0-100; 100: all words of one in the other).
FORM_SEARCH_CUTOFF = 80


@dataclass(frozen=True)
class Context:
    """What every use case needs: the database and the settings that shape verdicts; and, kept in
    memory by this process, the joinable subject forms (caught up from the database at the start
    of each transaction that matches a claim: `FormIndex`)."""

    db: Database
    lexicon: Lexicon
    conflict_window_days: int
    forms: FormIndex = field(default_factory=FormIndex, compare=False)


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
    claim: repo.ClaimRow  # a Claim, or a row of its columns
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


class Placement(NamedTuple):
    """Where a claim read from an article stands in it: the document and its value's offsets."""

    document_id: int
    start: int
    end: int


# --- reading a claim ---------------------------------------------------------------------------


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:120]


def read_value(data: ClaimInput) -> Value:
    try:
        if isinstance(data.value, str):
            return parse_value(data.value, unit=data.unit, language=data.language)
        parts = dict(data.value)
        if data.unit and "unit" in parts and resolve_unit(parts["unit"]) != resolve_unit(data.unit):
            raise UnparseableValue(data.unit, f"the value's own unit is {parts['unit']!r}", field="unit")
        parts.setdefault("unit", data.unit)
        return value_from_parts(**parts)
    except UnparseableValue as exc:
        prefix = "value." if isinstance(data.value, dict) and exc.field != "unit" else ""
        raise invalid_value(exc, prefix=prefix) from exc


def source_key(name: str) -> str:
    """Outlets compare without case, accents or extra spaces: "Kompas.com" is "KOMPAS.COM "."""
    return " ".join(fold(name).split())


def fingerprint(data: ClaimInput, value: Value, as_of: date | None) -> str:
    """The same source, subject, value and dates: the same claim, however it was written."""
    key = [
        source_key(data.source_name),
        " ".join(fold(data.subject).split()),
        [value.dimension, value.unit, value.low, value.high, value.hedge, value.label],
        as_of.isoformat() if as_of else None,
        data.event_date.isoformat() if data.event_date else None,
    ]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def origin_key(origin: str | None, source_name: str) -> str:
    return " ".join(fold(origin or source_name).split())


def claim_view(claim: Any) -> verdicts.ClaimView:
    """A claim, or a row of the same columns, as the verdicts see it."""
    return _view(claim.id, stored_value(claim), claim.source_name, claim.origin, claim.as_of)


def _view(
    claim_id: int, value: Value, source: str, origin: str | None, as_of: date | None
) -> verdicts.ClaimView:
    """A claim's view from its columns: its origin, as written and as compared, is its source's
    when it declares none."""
    key = origin_key(origin, source)
    return verdicts.ClaimView(claim_id, value, source, key, as_of, origin=origin or source)


# The columns a claim's view is made of, but for the value as written (which a query may leave out).
_VIEW_COLUMNS = ("id", "value_low", "value_high", "value_unit", "value_dimension", "value_hedge",
                 "value_label", "value_display_label", "source_name", "origin", "as_of")  # fmt: skip


def claim_views(rows: Sequence[Any]) -> list[verdicts.ClaimView]:
    """`claim_view` of each row of one query (or of each claim): for rows, their columns are found
    by name once and read by position, a small part of the time that reading each by name takes
    (the import makes a view of every earlier claim its new ones may conflict with). Rows of one
    query only: the first row's columns are taken for all."""
    if not rows or not hasattr(rows[0], "_fields"):
        return [claim_view(row) for row in rows]
    fields = rows[0]._fields
    assert getattr(rows[-1], "_fields", None) == fields, "rows of one query, their columns in one order"
    columns = operator.itemgetter(*(fields.index(name) for name in _VIEW_COLUMNS))
    text = fields.index("value_text") if "value_text" in fields else None
    views = []
    for row in rows:
        id_, low, high, unit, dimension, hedge, label, display_label, source, origin, as_of = columns(row)
        written = None if text is None else row[text]
        value = Value(written, low, high, unit, dimension, hedge, label, display_label)
        views.append(_view(id_, value, source, origin, as_of))
    return views


def claim_view_of_fields(fields: dict[str, Any]) -> verdicts.ClaimView:
    """`claim_view` of a claim given as the columns it is written with (the import's rows)."""
    value = Value(
        fields.get("value_text"), fields["value_low"], fields["value_high"], fields["value_unit"],
        fields["value_dimension"], fields["value_hedge"], fields["value_label"],
        fields["value_display_label"],
    )  # fmt: skip
    return _view(fields["id"], value, fields["source_name"], fields["origin"], fields["as_of"])


# --- writing -----------------------------------------------------------------------------------


def warm(ctx: Context) -> None:
    """Read what this process keeps in memory (the joinable forms) before its first claim needs it.

    A database that does not answer is logged, not raised: a server process starts all the same
    (gunicorn stops the whole server when a worker fails to boot), and its first claim catches up.
    """
    try:
        with ctx.db.reading() as session:
            ctx.forms.catch_up(session)
    except SQLAlchemyError as exc:
        log.warning("the joinable forms were not read before the first request: %s", exc)


def post_claim(ctx: Context, data: ClaimInput) -> PostedClaim:
    """Store a claim once, join it to the best matching group or start one, and say what it meets.

    Writers are serialised (storage/db.py), so looking for the same claim and storing it is one
    step. Only that step takes the writers' turn: the claim is read and normalised before it, and
    the claims it meets are read once it is committed.
    """
    ready = prepare(ctx, data)
    with ctx.db.writing(pipelined=True) as session:
        ctx.forms.catch_up(session)  # before anything is written: see FormIndex
        existing = repo.claim_by_fingerprint(session, ready.fingerprint)
        if existing is None:
            stored = _store(ctx, session, ready)
    if existing is not None:
        with ctx.db.reading() as session:
            return _answer(ctx, session, existing)
    with ctx.db.answering() as session:  # one read: the latest claims of its group and the related
        return _posted(ctx, session, stored.claim, stored.related, stored.conflicting, created=True,
                       group=stored.group)  # fmt: skip


def _answer(ctx: Context, session: Session, existing: Claim) -> PostedClaim:
    """A claim POSTed again: what it meets now."""
    if existing.retracted_at is not None:
        raise RetractedClaim(existing.id, existing.retracted_at)
    return _posted(ctx, session, existing, None, None, created=False)


@dataclass(frozen=True)
class Prepared:
    """A claim read and normalised, before anything is looked up or stored."""

    data: ClaimInput
    value: Value
    subject: Subject
    as_of: date | None
    fingerprint: str


def prepare(ctx: Context, data: ClaimInput) -> Prepared:
    return prepared(data, read_value(data), matching.normalise_subject(data.subject, ctx.lexicon))


def prepared(data: ClaimInput, value: Value, subject: Subject) -> Prepared:
    """A claim whose value and subject were read: the day it speaks of, and its fingerprint."""
    as_of = data.as_of or (data.published_at.date() if data.published_at else None) or data.event_date
    return Prepared(data, value, subject, as_of, fingerprint(data, value, as_of))


class Stored(NamedTuple):
    """A claim as `_store` wrote it: its row, its group's (as the transaction leaves it), the related
    groups it was ranked beside, and the earlier claims it conflicts with."""

    claim: Any
    group: Any
    related: list[matching.Scored]
    conflicting: list[repo.ClaimRow]


def _store(ctx: Context, session: Session, ready: Prepared, placement: Placement | None = None) -> Stored:
    """Match the claim, store it in the group it joins or a new one, and count it in.

    Rows are written as they are, past the ORM's unit of work: the claim by one INSERT that returns
    its row, the group by one UPDATE of what its verdict changed (`repository.update_verdicts`).
    """
    data, value, subject = ready.data, ready.value, ready.subject
    topic_slug = slugify(data.topic) if data.topic else None
    measure = matching.measure_of(value.dimension, value.unit)
    found = repo.candidates(session, subject, measure, data.event_date, ctx.forms)
    ranking = matching.rank(subject, measure, data.event_date, found, related_limit=RELATED_GROUPS)
    fresh = ranking.join is None  # a new group: nothing in it to look up
    joined = None
    if ranking.join is not None:
        joined = SimpleNamespace(**repo.group_row(session, ranking.join.group_id)._asdict())
    # Topics are never deleted: a group of the topic shows it is stored.
    if data.topic and topic_slug and (joined is None or joined.topic_slug != topic_slug):
        repo.ensure_topic(session, topic_slug, data.topic)
    if joined is not None:
        group = joined
        if group.topic_slug is None and topic_slug:
            group.topic_slug = topic_slug
        similarity = ranking.join.similarity if ranking.join else None
    else:
        columns = {"label": data.subject, "topic_slug": topic_slug or None, "dimension": value.dimension,
                   "unit": value.unit, "event_date": data.event_date}  # fmt: skip
        group = SimpleNamespace(**repo.insert_group(session, columns)._asdict())
        similarity = None
    row = claim_fields(ready, topic_slug, similarity)
    row["group_id"] = group.id
    if placement is not None:
        row["document_id"], row["value_start"], row["value_end"] = placement
    if not fresh and data.origin is None:
        row["copy_of"], row["origin"] = _copied(session, group, row["source_key"], data.quote)
    claim = repo.insert_claim(session, row)
    # The candidates are stored forms: one of the joined group in the very same words is there already.
    if fresh or not any(c.group_id == group.id and c.form == subject.form for c in found):
        repo.add_form(session, group, subject)
    listed = len(group.conflicts or [])
    conflicting = _count_in(ctx, session, group, claim, new_group=fresh)
    # A claim only ever adds to the list: a list as long as it was is the same list, not written again
    # (a much-disputed group's is a hundred conflicts).
    same_list = len(group.conflicts or []) == listed
    repo.update_verdicts(session, [group], _ALL_BUT_THE_LIST if same_list else repo.VERDICT_COLUMNS)
    if conflicting:  # told to webhooks in this transaction: committed with the claim, or not at all
        webhooks.claim_conflicts(session, claim, group, conflicting)  # type: ignore[arg-type]
    return Stored(claim, group, ranking.related, conflicting)


_ALL_BUT_THE_LIST = tuple(name for name in repo.VERDICT_COLUMNS if name != "conflicts")


def claim_fields(ready: Prepared, topic_slug: str | None, similarity: float | None) -> dict[str, Any]:
    """The stored columns of a new claim, but for its group."""
    data, value = ready.data, ready.value
    return {
        "fingerprint": ready.fingerprint,
        "subject": data.subject,
        "subject_form": ready.subject.form,
        "value_text": data.value if isinstance(data.value, str) else None,
        "value_low": value.low,
        "value_high": value.high,
        "value_unit": value.unit,
        "value_dimension": value.dimension,
        "value_hedge": value.hedge,
        "value_label": value.label,
        "value_display_label": value.display_label,
        "unit_given": data.unit,
        "source_name": data.source_name,
        "source_key": source_key(data.source_name),
        "source_url": data.source_url,
        "published_at": data.published_at.astimezone(UTC) if data.published_at else None,
        "as_of": ready.as_of,
        "event_date": data.event_date,
        "topic_slug": topic_slug or None,
        "quote": data.quote,
        "attributed_to": data.attributed_to,
        "origin": data.origin,
        "language": data.language or detect_language(" ".join(filter(None, [data.subject, data.quote]))),
        "similarity": similarity,
    }


# How many of a group's latest quoted claims a new claim's quote is compared with.
COPY_CANDIDATES = 50


def _copied(session: Session, group: Group, source: str, quote: str | None) -> tuple[int | None, str | None]:
    """A quote that nearly repeats another source's is that source's report printed again: the
    claim it copies, and the origin the new claim then relies on (None, None for no copy)."""
    if not copies.long_enough(quote):  # too short to tell a copy from a common phrase: no lookup
        return None, None
    with session.no_autoflush:  # the new claim is not in the session yet
        others = repo.quoted_claims_of_others(session, group.id, source, COPY_CANDIDATES)
    copied = copies.near_copy(quote, ((o.id, o.quote) for o in others))
    if copied is None:
        return None, None
    original = next(o for o in others if o.id == copied)
    return copied, original.origin or original.source_name


# A group's verdict is kept up to date claim by claim, with work bounded by the number of sources
# and of conflicts listed, never by the number of claims: a much-reported figure can have thousands.


def conflicts_of(
    ctx: Context, session: Session, claim: Claim, limit: int, *, before: int | None = None
) -> list[repo.ClaimRow]:
    """Claims of the same group that conflict with this one, as the domain judges them
    (only those stored before claim id `before`, when given)."""
    mine = claim_view(claim)
    window = ctx.conflict_window_days
    confirmed: list[repo.ClaimRow] = []
    after = 0
    while len(confirmed) < limit:
        page = repo.possibly_conflicting_rows(
            session, claim.group_id, low=claim.value_low, high=claim.value_high, label=claim.value_label,
            as_of=claim.as_of, window_days=window, exclude=claim.id, after=after, before=before, limit=limit,
        )  # fmt: skip
        confirmed += [o for o in page if verdicts.relation(claim_view(o), mine, window) == verdicts.CONFLICTS]
        if len(page) < limit:
            break
        after = page[-1].id
    return confirmed[:limit]


def _count_in(
    ctx: Context, session: Session, group: Group, claim: Claim, *, new_group: bool = False
) -> list[repo.ClaimRow]:
    """A claim joined the group: only its own pairs are new, so the stored list is extended.

    Returns the claims it conflicts with (as many as the response shows).
    """
    if new_group:  # its only claim: one tally, no pairs
        tally = repo.first_tally(session, claim, origin_key(claim.origin, claim.source_name))
        store_verdict(session, group, [], [tally])
        return []
    repo.tally(session, claim, origin_key(claim.origin, claim.source_name), +1)
    listed = list(group.conflicts or [])
    conflicting = conflicts_of(
        ctx, session, claim, max(MAX_CONFLICTS_LISTED - len(listed), MAX_GROUP_MATCHES)
    )
    mine = claim_view(claim)
    room = max(MAX_CONFLICTS_LISTED - len(listed), 0)
    listed += conflicts_json(
        verdicts.conflict_between(claim_view(other), mine) for other in conflicting[:room]
    )
    _store_verdict_in_time(session, group, listed, +1)
    return conflicting[:MAX_GROUP_MATCHES]


def _count_out(ctx: Context, session: Session, group: Group, claim: Claim) -> None:
    """A claim left the group: its pairs go; a list that was cut short is read again."""
    repo.tally(session, claim, origin_key(claim.origin, claim.source_name), -1)
    listed = list(group.conflicts or [])
    if len(listed) >= MAX_CONFLICTS_LISTED:
        views = [claim_view(r) for r in repo.active_claim_rows(session, group.id)]
        listed = conflicts_json(
            verdicts.find_conflicts(views, ctx.conflict_window_days, MAX_CONFLICTS_LISTED)
        )
    else:
        gone = str(claim.id)
        listed = [c for c in listed if gone not in c["claims"]]
    _store_verdict_in_time(session, group, listed, -1)


# A group of this many claims or more has its consensus, sources and origins counted from all of
# its tallies by a pass in the background (`count_behind`, every CEKSILANG_CONSENSUS_EVERY seconds
# in one server process per database, or `ceksilang verdicts --every`), not by each claim: a
# much-reported figure has thousands of tallies, and reading and sweeping them all would cost every
# POST to it tens of milliseconds. A claim changes its size and conflicts at once; `consensus_at`
# says when the rest was counted, `behind_since` since when a claim has waited for it. Should no
# pass run, a claim to a group whose oldest uncounted claim is older than CONSENSUS_LATEST counts
# it itself.
BIG_GROUP = 100
CONSENSUS_LATEST = timedelta(seconds=60)
# Groups whose tallies a pass reads at a time.
_COUNT_CHUNK = 25


def _store_verdict_in_time(
    session: Session, group: Group, conflicts: list[dict[str, Any]], delta: int
) -> None:
    now = utcnow()
    since = group.behind_since
    if group.size < BIG_GROUP or group.preferred or (since is not None and now - since > CONSENSUS_LATEST):
        store_verdict(session, group, conflicts)
        return
    was_conflict = bool(group.conflict)
    group.size += delta
    group.conflicts, group.conflict, group.updated_at = conflicts, bool(conflicts), now
    if since is None:
        group.behind_since = now
    if group.conflict and not was_conflict:
        webhooks.group_conflict(session, group)


def count_behind(
    ctx: Context, limit: int = 500, *, counted_before: datetime | None = None, budget_s: float | None = None
) -> int:
    """Count again the consensus of up to `limit` groups changed since theirs was counted, the longest
    behind first: only those last counted before `counted_before` (when given), and no more once
    `budget_s` seconds are spent (at least one group is counted, so that every call moves on).

    The tallies are read outside the write lock; only the counted columns are written, with
    `consensus_at` the moment the reading began, so a claim stored meanwhile (or stored before
    and committed after the reading) leaves the group behind for the next pass instead of being
    passed over (`repo.set_counted`). Returns how many groups were counted.
    """
    started = utcnow()
    deadline = time.monotonic() + (budget_s if budget_s is not None else float("inf"))
    with ctx.db.reading() as session:
        ids = repo.groups_counted_behind(session, limit, counted_before=counted_before)
        if not ids:
            return 0
        counted = count_groups(session, ids, repo.estimates(session), deadline)
    with ctx.db.writing() as session:
        repo.set_counted(session, counted, started)
    return len(counted)


def count_groups(
    session: Session,
    ids: list[int],
    estimates: dict[str, tuple[str, float]],
    deadline: float = math.inf,
    *,
    chunk: int = _COUNT_CHUNK,
) -> list[tuple[SimpleNamespace, datetime]]:
    """These groups counted from their tallies, `chunk` groups a read, until `deadline`
    (time.monotonic) passes: each as a plain object with the `updated_at` it had when read, for
    `repo.set_counted`. Nothing is written."""
    counted = []
    for at in range(0, len(ids), chunk):
        part = ids[at : at + chunk]
        rows = repo.group_rows(session, part, conflicts=False)
        tallies: dict[int, list[Any]] = {group_id: [] for group_id in part}
        for row in repo.tally_rows_of_groups(session, part):
            if row.claims > 0:
                tallies[row.group_id].append(row)
        for group_id in part:
            group = SimpleNamespace(**rows[group_id]._mapping)
            seen = group.updated_at
            count_verdict(session, group, tallies[group_id], estimates)
            counted.append((group, seen))
            if time.monotonic() > deadline:
                return counted
    return counted


# The role of the one process per database that counts large groups' consensus in the background.
COUNTER_ROLE = "counter"


def start_counting(
    ctx: Context,
    every_s: float,
    *,
    settle: timedelta,
    budget_s: float,
    stop: threading.Event | None = None,
) -> threading.Thread:
    """`count_behind` every `every_s` seconds in a daemon thread, while this process holds the counter role.

    Every server process starts one; each round, each bids for the role (`Database.sole_role`), and
    only the holder counts: the same large groups are not counted side by side by every worker,
    beside their requests. The others bid again next round, so one of them takes over within a round
    of the holder's process ending.

    A round counts again only the groups whose count is older than `settle` (CEKSILANG_CONSENSUS_SETTLE),
    not each at every change: a much-reported group changes every second under load, and one more
    claim among hundreds barely moves its consensus. It stops once it has spent `budget_s` seconds
    (CEKSILANG_CONSENSUS_BUDGET), the rest left for the next round, the longest behind first: the
    pass keeps at most budget / (budget + every) of one core, whatever the store's size, and does
    not take the CPU from requests. The thread ends when `stop` is set.
    """
    role = ctx.db.sole_role(COUNTER_ROLE)

    def count_if_held() -> None:
        if role.take():
            count_behind(ctx, counted_before=utcnow() - settle, budget_s=budget_s)

    return background.every("consensus", every_s, count_if_held, stop=stop)


def store_verdict(
    session: Session,
    group: Group,
    conflicts: list[dict[str, Any]],
    tallies: Sequence[Any] | None = None,
    estimates: dict[str, tuple[str, float]] | None = None,
    *,
    alerts: bool = True,
) -> None:
    """The group's size, sources, conflicts and consensus, from its tallies (read unless given).

    A group that turns into a conflict is told to webhooks, in the caller's transaction (unless
    the caller knows that no webhook is registered: `alerts=False`).
    """
    was_conflict = bool(group.conflict)
    if tallies is None:
        session.flush()
        tallies = repo.tallies(session, group.id)
    count_verdict(session, group, tallies, estimates)
    group.conflicts = conflicts
    group.conflict = bool(conflicts)
    if group.conflict and not was_conflict and alerts:
        webhooks.group_conflict(session, group)


def count_verdict(
    session: Session,
    group: Any,
    tallies: Sequence[Any],
    estimates: dict[str, tuple[str, float]] | None = None,
) -> None:
    """The group's size, sources, origins and consensus from its tallies (its conflicts untouched)."""
    sources = {t.source_key for t in tallies}
    if group.preferred:  # an editor's ruling binds the consensus
        rows = repo.preferred_claim_rows(session, group.id)
        preferred = verdicts.backings([claim_view(r) for r in rows])
        consensus = verdicts.ruled_consensus(preferred, [r.rank_reason or "" for r in rows])
    else:
        # Weighed by the sources' estimated reliability once it has been estimated (a batch job):
        # from the caller, who read every estimate once (`repo.estimates`), or with the tallies
        # read from the database (a new group's first tally has one source, nothing to weigh).
        if len(sources) < 2:
            weights: dict[str, float] = {}
        elif estimates is not None:
            weights = dict(estimates[k] for k in sources if k in estimates)
        else:
            weights = {t.estimated_name: t.reliability for t in tallies if t.reliability is not None}
        consensus = verdicts.consensus([_backing(t) for t in tallies], weights or None)
    # Set together, after the queries above: one UPDATE of the group.
    group.size = sum(t.claims for t in tallies)
    group.sources = len(sources)
    group.origins = len({t.origin_key for t in tallies})
    group.consensus = _consensus_json(consensus)
    group.updated_at = group.consensus_at = utcnow()
    group.behind_since = None


def _backing(row: Any) -> verdicts.Backing:
    value = stored_value(row, written=False)  # a tally of a value, not of how it was written
    return verdicts.Backing(value, row.source_name, row.origin_key, row.origin_name, row.claims)


def conflicts_json(conflicts: Iterable[verdicts.Conflict]) -> list[dict[str, Any]]:
    return [{"claims": [str(i) for i in c.claims], "explanation": c.explanation} for c in conflicts]


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
        "explanation": consensus.explanation,
        "ruled": consensus.ruled,
    }


def _posted(
    ctx: Context,
    session: Session,
    claim: Claim,
    related: list[matching.Scored] | None,
    conflicting: list[repo.ClaimRow] | None,
    *,
    created: bool,
    group: Group | None = None,
) -> PostedClaim:
    """The claim, its group (read unless given: as the claim's transaction committed it), and the
    claims it meets: conflicts first, then the latest of the group."""
    if group is None:
        group = session.get_one(Group, claim.group_id)
    mine = claim_view(claim)
    window = ctx.conflict_window_days
    if conflicting is None:
        conflicting = conflicts_of(ctx, session, claim, MAX_GROUP_MATCHES)
    if related is None:  # a repeated POST: look again
        subject = matching.normalise_subject(claim.subject, ctx.lexicon)
        measure = matching.measure_of(claim.value_dimension, claim.value_unit)
        ctx.forms.catch_up(session)  # a reading session writes nothing
        candidates = repo.candidates(session, subject, measure, claim.event_date, ctx.forms)
        # One more than shown: the claim's own group may be among them.
        ranking = matching.rank(
            subject, measure, claim.event_date, candidates, related_limit=RELATED_GROUPS + 1
        )
        related = [r for r in ranking.related if r.group_id != group.id]
    related = related[:RELATED_GROUPS]
    # The group's latest claims and each related group's few, in one statement.
    limits = {r.group_id: RELATED_CLAIMS_PER_GROUP for r in related} | {group.id: MAX_GROUP_MATCHES}
    latest = repo.latest_claims_of_groups(session, limits, exclude=claim.id)
    shown: dict[int, tuple[repo.ClaimRow, str]] = {
        other.id: (other, verdicts.CONFLICTS) for other in conflicting
    }
    for other in latest[group.id]:
        shown.setdefault(other.id, (other, verdicts.relation(mine, claim_view(other), window)))
    scores: dict[str, float] = {}  # a group's claims share a few forms between them
    for other, _ in shown.values():
        if other.subject_form not in scores:
            scores[other.subject_form] = _sim(claim.subject_form, other.subject_form)
    ordered = sorted(
        ((_RELATION_ORDER[rel], -scores[other.subject_form], -other.id, other, rel)
         for other, rel in shown.values()),
        key=lambda item: item[:3],
    )[:MAX_GROUP_MATCHES]  # fmt: skip
    matches = [Match(other, -neg_sim, rel) for _, neg_sim, _, other, rel in ordered]
    for other_group in related:
        for other in latest[other_group.group_id]:
            matches.append(Match(other, other_group.similarity, verdicts.RELATED))
    return PostedClaim(claim, group, matches, created)


_RELATION_ORDER = {verdicts.CONFLICTS: 0, verdicts.AGREES: 1, verdicts.OTHER_TIME: 2}


def _sim(a: str, b: str) -> float:
    return 1.0 if a == b else round(matching.similarity(a, b), 4)


def retract_claim(ctx: Context, claim_id: str) -> GroupView:
    """Take a claim out of its group (kept for audit) and re-evaluate the group."""
    with ctx.db.writing() as session:
        claim = _claim(session, claim_id)
        if claim.retracted_at is not None:
            raise AlreadyRetracted(f"claim {claim_id} was retracted at {claim.retracted_at.isoformat()}")
        claim.retracted_at = utcnow()
        group = session.get_one(Group, claim.group_id)
        if claim.rank == "preferred":
            group.preferred -= 1
        if claim.rank == "deprecated":  # out of the verdicts already
            store_verdict(session, group, list(group.conflicts or []))
        else:
            _count_out(ctx, session, group, claim)
        return GroupView(group, repo.active_claims(session, group.id))


RANKS = ("preferred", "normal", "deprecated")


def rule_claim(ctx: Context, claim_id: str, rank: str, reason: str, by: str) -> GroupView:
    """An editor's ruling on a claim, with a reason; the group is re-evaluated under it.

    `deprecated` takes the claim out of the verdicts (it stays listed in its group); `preferred`
    makes the claim set the group's consensus; `normal` gives it back to the machine. Every
    ruling is kept with who and when.
    """
    if rank not in RANKS:  # the schema checks this too; the use case does not rely on it
        raise InvalidClaim(
            f"rank: must be one of {', '.join(RANKS)}", {"rank": [f"one of {', '.join(RANKS)}"]}
        )
    with ctx.db.writing() as session:
        claim = _claim(session, claim_id)
        if claim.retracted_at is not None:
            raise AlreadyRetracted(f"claim {claim_id} is retracted; a retracted claim is not ruled on")
        group = session.get_one(Group, claim.group_id)
        before = claim.rank
        repo.add_ruling(session, claim, rank, reason, by)
        group.preferred += (rank == "preferred") - (before == "preferred")
        if before != "deprecated" and rank == "deprecated":
            _count_out(ctx, session, group, claim)
        elif before == "deprecated" and rank != "deprecated":
            session.flush()
            _count_in(ctx, session, group, claim)
        else:
            store_verdict(session, group, list(group.conflicts or []))
        return GroupView(group, repo.active_claims(session, group.id))


# --- documents ---------------------------------------------------------------------------------


@dataclass
class DocumentInput:
    text: str
    source_name: str
    source_url: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class PostedDocument:
    document: Document
    claims: list[Claim]
    groups: list[Group]
    created: bool


def post_document(ctx: Context, data: DocumentInput) -> PostedDocument:
    """Read an article's claims and store each as if it had been posted; the same article once."""
    text = main_text(data.text) if is_html(data.text) else data.text
    published = data.published_at.date() if data.published_at else None
    # Reading takes a while for a long article: done before the write lock is taken.
    extraction = extract(text, language=data.language, published=published)
    if not extraction.has_body:
        message = "no article body found: no line of prose, only headlines, links or page furniture"
        raise InvalidClaim(f"text: {message}", {"text": [message]})
    readings = _read_found(ctx, data, extraction.claims, extraction.language)
    print_ = hashlib.sha256(
        json.dumps([source_key(data.source_name), " ".join(text.split())]).encode()
    ).hexdigest()
    with ctx.db.writing() as session:  # not pipelined: a claim refused is rolled back to its savepoint
        ctx.forms.catch_up(session)  # before anything is written: see FormIndex
        existing = repo.document_by_fingerprint(session, print_)
        if existing is not None:
            return _posted_document(session, existing, created=False)
        topic_slug = slugify(data.topic) if data.topic else None
        if data.topic and topic_slug:
            repo.ensure_topic(session, topic_slug, data.topic)
        document = Document(
            fingerprint=print_, source_name=data.source_name, source_url=data.source_url,
            published_at=data.published_at.astimezone(UTC) if data.published_at else None,
            language=extraction.language, topic_slug=topic_slug or None, origin=extraction.origin, text=text,
        )  # fmt: skip
        session.add(document)
        session.flush()
        _store_readings(ctx, session, document, readings)
        return _posted_document(session, document, created=True)


def _read_found(
    ctx: Context, data: DocumentInput, found: list[ExtractedClaim], language: str
) -> list[tuple[Prepared, ExtractedClaim]]:
    """The article's claims as if posted one by one, read before the write lock; unreadable ones skipped."""
    readings = []
    for claim in found:
        if claim.unit is not None and len(claim.unit) > MAX_UNIT:
            continue  # a run of letters after a number, not a word for what is counted
        claim_input = ClaimInput(
            subject=claim.subject[:300], value=claim.value, unit=claim.unit, source_name=data.source_name,
            source_url=data.source_url, published_at=data.published_at, as_of=claim.as_of,
            event_date=claim.event_date, topic=data.topic, quote=claim.quote[:5000],
            attributed_to=claim.attributed_to[:300] if claim.attributed_to else None,
            origin=claim.origin, language=language,
        )  # fmt: skip
        try:
            readings.append((prepare(ctx, claim_input), claim))
        except DomainError as exc:
            log.warning("%s: skipped %r: %s", data.source_name, claim.value, exc.detail)
    return readings


def _store_readings(
    ctx: Context, session: Session, document: Document, readings: list[tuple[Prepared, ExtractedClaim]]
) -> None:
    """Store an article's new claims in one pass.

    A claim the source made before (in another article, or earlier in this one) is not stored
    again and stays placed where it was first read; a retracted one stays retracted. Should the
    database refuse one claim, the pass is redone claim by claim and only that one is left out.
    """
    known = repo.fingerprints_present(session, [ready.fingerprint for ready, _ in readings])
    fresh = []
    for ready, found in readings:
        if ready.fingerprint not in known:
            known.add(ready.fingerprint)
            fresh.append((ready, Placement(document.id, found.start, found.end)))
    try:
        with session.begin_nested():
            for ready, placement in fresh:
                _store(ctx, session, ready, placement)
    except DataError:
        for ready, placement in fresh:
            try:
                with session.begin_nested():
                    _store(ctx, session, ready, placement)
            except DataError as exc:
                log.warning(
                    "document %s: the database refused %r: %s", document.id, ready.data.value, exc.orig
                )


def _posted_document(session: Session, document: Document, *, created: bool) -> PostedDocument:
    claims = repo.claims_of_document(session, document.id)
    groups = repo.groups_by_ids(session, list(dict.fromkeys(c.group_id for c in claims)))
    return PostedDocument(document, claims, groups, created)


def get_document(ctx: Context, document_id: str) -> PostedDocument:
    key = _int_id(document_id)
    with ctx.db.reading() as session:
        document = session.get(Document, key) if key is not None else None
        if document is None:
            raise UnknownDocument(document_id)
        return _posted_document(session, document, created=False)


# --- reading -----------------------------------------------------------------------------------


_ID = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1  # ids are 32-bit in PostgreSQL


def _int_id(raw: str) -> int | None:
    if not _ID.fullmatch(raw):
        return None
    number = int(raw)
    return number if 0 < number <= MAX_ID else None


def _claim(session: Session, claim_id: str) -> Claim:
    key = _int_id(claim_id)
    claim = session.get(Claim, key) if key is not None else None
    if claim is None:
        raise UnknownClaim(claim_id)
    return claim


def get_claim(ctx: Context, claim_id: str) -> Claim:
    with ctx.db.reading() as session:
        return _claim(session, claim_id)


def list_claims(ctx: Context, *, source: str | None = None, **filters: Any) -> repo.Page:
    with ctx.db.reading() as session:
        return repo.claims_page(session, source=source_key(source) if source else None, **filters)


def get_group(ctx: Context, group_id: str, as_of: date | None = None) -> GroupView:
    """A group with its claims; with `as_of`, as it stood that day."""
    with ctx.db.reading() as session:
        group = find_group(session, group_id)
        claims = repo.active_claims(session, group.id)
    return GroupView(group, claims) if as_of is None else _as_it_stood(ctx, group, claims, as_of)


def find_group(session: Session, group_id: str) -> Group:
    """The group with this id (as the URL gives it), or UnknownGroup."""
    key = _int_id(group_id)
    group = session.get(Group, key) if key is not None else None
    if group is None:
        raise UnknownGroup(group_id)
    return group


@dataclass(frozen=True)
class GroupSnapshot:
    """A group as it stood on a past day: what GroupOut shows, computed rather than stored."""

    id: int
    label: str
    topic_slug: str | None
    unit: str
    dimension: str
    event_date: date | None
    size: int
    sources: int
    origins: int
    conflict: bool
    conflicts: list[dict[str, Any]]
    consensus: dict[str, Any] | None


def _as_it_stood(ctx: Context, group: Group, claims: list[Claim], day: date) -> GroupView:
    """The claims dated on or before `day`, judged as the group's latest moment then."""
    said = [c for c in claims if c.as_of is not None and c.as_of <= day]
    moment = verdicts.picture_at(_counted_views(said), day, ctx.conflict_window_days)
    conflicts = conflicts_json(moment.conflicts) if moment else []
    snapshot = GroupSnapshot(
        id=group.id, label=group.label, topic_slug=group.topic_slug, unit=group.unit,
        dimension=group.dimension, event_date=group.event_date, size=len(said),
        sources=len({c.source_key for c in said}),
        origins=len({origin_key(c.origin, c.source_name) for c in said if c.rank != "deprecated"}),
        conflict=bool(conflicts), conflicts=conflicts,
        consensus=_moment_consensus(moment, said) if moment else None,
    )  # fmt: skip
    return GroupView(snapshot, said)  # type: ignore[arg-type]


def _counted_views(claims: Sequence[Claim]) -> list[verdicts.ClaimView]:
    return [claim_view(c) for c in claims if c.rank != "deprecated"]


def _moment_consensus(moment: verdicts.Moment, claims: Sequence[Claim]) -> dict[str, Any] | None:
    """A moment's consensus: its preferred claims' when an editor ruled any, else the count."""
    ids = {v.id for v in moment.claims}
    preferred = [c for c in claims if c.id in ids and c.rank == "preferred"]
    if preferred:
        backed = verdicts.backings([claim_view(c) for c in preferred])
        return _consensus_json(verdicts.ruled_consensus(backed, [c.rank_reason or "" for c in preferred]))
    return _consensus_json(moment.consensus)


@dataclass(frozen=True)
class MomentView:
    start: date
    end: date
    claims: list[Claim]
    conflicts: list[dict[str, Any]]
    consensus: dict[str, Any] | None


@dataclass(frozen=True)
class GroupTimeline:
    group: Group
    moments: list[MomentView]


def group_timeline(ctx: Context, group_id: str) -> GroupTimeline:
    """A group's figures through time, moment by moment, each with its conflicts and consensus."""
    with ctx.db.reading() as session:
        group = find_group(session, group_id)
        claims = repo.active_claims(session, group.id)
    by_id = {c.id: c for c in claims}
    moments = []
    for m in verdicts.timeline(_counted_views(claims), ctx.conflict_window_days):
        shown = [by_id[v.id] for v in m.claims]
        moments.append(
            MomentView(m.start, m.end, shown, conflicts_json(m.conflicts), _moment_consensus(m, claims))
        )
    return GroupTimeline(group, moments)


def list_groups(
    ctx: Context, *, q: str | None, topic: str | None, conflict: bool | None, page: int, per_page: int
) -> repo.Page:
    with ctx.db.reading() as session:
        if not q:
            return repo.groups_page(session, topic=topic, conflict=conflict, page=page, per_page=per_page)
        # Labels are few next to claims: fuzzy-rank them, then page through the ranking. The
        # normalised subjects are ranked too, so "Russian troops" finds "tentara Rusia".
        labels = dict(repo.group_forms(session, topic=topic, conflict=conflict))
        best: dict[int, float] = {}
        for _label, score, gid in process.extract(
            fold(q), {gid: fold(label) for gid, label in labels.items()},
            scorer=fuzz.WRatio, processor=None, score_cutoff=60, limit=None,
        ):  # fmt: skip
            best[gid] = max(best.get(gid, 0.0), score)
        form = matching.normalise_subject(q, ctx.lexicon).form
        forms = repo.group_subject_forms(session, topic=topic, conflict=conflict) if form else []
        for gid, other in forms:
            score = fuzz.token_set_ratio(form, other)
            if score >= FORM_SEARCH_CUTOFF:
                best[gid] = max(best.get(gid, 0.0), score)
        ids = sorted(best, key=lambda gid: (-best[gid], gid))
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
        return [TopicSummary(t.slug, t.label, n, c) for t, n, c in repo.topics_with_counts(session)]


@dataclass(frozen=True)
class TopicConflicts:
    topic: TopicSummary
    groups: list[GroupView]


def topic_conflicts(ctx: Context, slug: str, as_of: date | None = None) -> TopicConflicts:
    """The conflicting groups of a topic; with `as_of`, those in conflict as things stood that day."""
    with ctx.db.reading() as session:
        found = repo.topic_with_counts(session, slug)
        if found is None:
            raise UnknownTopic(slug)
        topic, n, conflicting = found
        if as_of is None:
            groups = repo.conflicting_groups(session, slug)
            claims = repo.active_claims_of_groups(session, [g.id for g in groups])
            summary = TopicSummary(topic.slug, topic.label, n, conflicting)
            return TopicConflicts(summary, [GroupView(g, claims[g.id]) for g in groups])
        groups = repo.groups_of_topic(session, slug)
        claims = repo.active_claims_of_groups(session, [g.id for g in groups])
    then = [_as_it_stood(ctx, g, claims[g.id], as_of) for g in groups]
    then = [view for view in then if view.claims]
    disputed = sorted(
        (view for view in then if view.group.conflict),
        key=lambda v: (-v.group.sources, -v.group.size, v.group.id),
    )
    return TopicConflicts(TopicSummary(topic.slug, topic.label, len(then), len(disputed)), disputed)


def topic_groups(ctx: Context, slug: str) -> TopicConflicts:
    """Every group of a topic with its claims: those in conflict first, then most sources first."""
    with ctx.db.reading() as session:
        found = repo.topic_with_counts(session, slug)
        if found is None:
            raise UnknownTopic(slug)
        topic, n, conflicting = found
        groups = sorted(
            repo.groups_of_topic(session, slug), key=lambda g: (not g.conflict, -g.sources, -g.size, g.id)
        )
        claims = repo.active_claims_of_groups(session, [g.id for g in groups])
    summary = TopicSummary(topic.slug, topic.label, n, conflicting)
    return TopicConflicts(summary, [GroupView(g, claims[g.id]) for g in groups])


@dataclass(frozen=True)
class RulingView:
    claim_id: int
    source_name: str
    rank: str
    reason: str
    ruled_by: str
    ruled_at: datetime


def group_rulings(ctx: Context, group_id: str) -> list[RulingView]:
    """Every editor's ruling on a group's claims, oldest first."""
    with ctx.db.reading() as session:
        group = find_group(session, group_id)
        rows = repo.rulings_of_group(session, group.id)
        return [
            RulingView(claim.id, claim.source_name, r.rank, r.reason, r.ruled_by, r.ruled_at)
            for r, claim in rows
        ]


def quote_figures(ctx: Context, claims: Sequence[Claim]) -> dict[int, tuple[int, int]]:
    """Where each claim's figure stands in its quote, for claims read from an article whose
    offsets place the figure inside the quote: claim id -> (start, end) within the quote."""
    placed = [c for c in claims if c.document_id and c.quote and c.value_start is not None]
    with ctx.db.reading() as session:
        texts = repo.document_texts(session, sorted({c.document_id for c in placed if c.document_id}))
    found: dict[int, tuple[int, int]] = {}
    for claim in placed:
        text, quote = texts.get(claim.document_id or 0), claim.quote or ""
        start, end = claim.value_start or 0, claim.value_end or 0
        if text is None or end <= start:
            continue
        at = text.rfind(quote, max(0, end - len(quote)), start + len(quote))
        if at >= 0 and at <= start and end <= at + len(quote):
            found[claim.id] = (start - at, end - at)
    return found


# --- sources -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    claims: int
    sources: int
    iterations: int
    converged: bool
    groups_refreshed: int


# Groups re-evaluated per write transaction after an estimate: short enough that POSTs never wait long.
REFRESH_BATCH = 200


def estimate_reliability(ctx: Context, settings: truth.Settings = truth.DEFAULT) -> Estimate:
    """Estimate every source's reliability from all counted claims (truth discovery over the
    groups), store it, and re-weigh the consensus of every group with more than one source.

    A batch job (`ceksilang reliability`), never part of a POST: reading and estimating hold no
    lock, and the groups are re-evaluated a few hundred per transaction. The same data gives the
    same result.
    """
    with ctx.db.reading() as session:
        rows = list(repo.counted_claim_rows(session))
    claims = [
        truth.Claim(
            item=r.group_id,
            source=r.source_key,
            low=r.value_low,
            high=r.value_high,
            label=r.value_label,
            hedge=r.value_hedge,
            origin=origin_key(r.origin, r.source_name) if r.origin else None,
        )
        for r in rows
    ]
    found = truth.discover(claims, settings)
    names = {r.source_key: r.source_name for r in rows}
    now = utcnow()
    scores = [
        Source(
            key=key,
            name=names[key],
            reliability=round(score.reliability, 4),
            claims=score.claims,
            agreements=score.agreements,
            conflicts=score.conflicts,
            estimated_at=now,
        )
        for key, score in sorted(found.sources.items())
    ]
    with ctx.db.writing() as session:
        repo.replace_sources(session, scores)
    with ctx.db.reading() as session:
        group_ids = repo.groups_with_several_sources(session)
    refreshed = 0
    for start in range(0, len(group_ids), REFRESH_BATCH):
        with ctx.db.writing() as session:
            for group in repo.groups_by_ids(session, group_ids[start : start + REFRESH_BATCH]):
                before = group.consensus
                store_verdict(session, group, list(group.conflicts or []))
                refreshed += group.consensus != before
    return Estimate(len(claims), len(scores), found.iterations, found.converged, refreshed)


@dataclass(frozen=True)
class SourceView:
    name: str
    claims: int
    groups: int
    reliability: float | None
    agreements: int | None
    conflicts: int | None
    estimated_at: datetime | None
    latest_claims: list[Claim] = field(default_factory=list)


def _source_view(row: Any, latest: list[Claim] | None = None) -> SourceView:
    estimate = row.Source
    return SourceView(
        name=row.name, claims=row.claim_count, groups=row.group_count,
        reliability=estimate.reliability if estimate else None,
        agreements=estimate.agreements if estimate else None,
        conflicts=estimate.conflicts if estimate else None,
        estimated_at=estimate.estimated_at if estimate else None, latest_claims=latest or [],
    )  # fmt: skip


def list_sources(ctx: Context, *, q: str | None, page: int, per_page: int) -> repo.Page:
    with ctx.db.reading() as session:
        found = repo.sources_page(session, q=source_key(q) if q else None, page=page, per_page=per_page)
    return repo.Page([_source_view(r) for r in found.items], found.total, found.page, found.per_page)


# Claims shown with a source.
SOURCE_LATEST_CLAIMS = 20


def get_source(ctx: Context, name: str) -> SourceView:
    key = source_key(name)
    with ctx.db.reading() as session:
        row = repo.source_row(session, key) if key else None
        if row is None:
            raise UnknownSource(name)
        latest = repo.claims_page(
            session, source=key, q=None, topic=None, group_id=None, include_retracted=False,
            page=1, per_page=SOURCE_LATEST_CLAIMS,
        ).items  # fmt: skip
    return _source_view(row, latest)


def check_health(ctx: Context) -> None:
    """Alive: the process answers, and the database has answered it at least once since it started.

    Later database outages do not make the process unhealthy (restarting it would not help);
    they make it not ready.
    """
    if not ctx.db.has_answered:
        ctx.db.ping()


@dataclass(frozen=True)
class Readiness:
    database: str
    revision: str | None
    expected_revision: str


def check_ready(ctx: Context) -> Readiness:
    """Ready for traffic: the database answers and its schema is at the code's migration head."""
    expected = head_revision()
    with ctx.db.reading() as session:
        revision = repo.migration_revision(session)
    if revision != expected:
        raise NotReady(
            f"the database schema is at revision {revision or 'none'}, the code expects {expected}: "
            "run `ceksilang db upgrade`"
        )
    return Readiness("ok", revision, expected)
