"""Queries and writes, in the domain's words. Callers own the transaction."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from service.domain import tolerance
from service.domain.matching import Candidate, Subject, blocking_keys, measure_of, within_reach
from service.storage.db import send_ahead
from service.storage.driver import Query
from service.storage.models import (
    Base,
    Claim,
    Document,
    FormKey,
    Group,
    GroupTally,
    Ruling,
    Source,
    SubjectForm,
    Topic,
    utcnow,
)

if TYPE_CHECKING:
    from service.storage.form_index import FormIndex

# A subject is compared with every form its hard rules allow when there are at most this many
# (one index range, a few milliseconds); a larger range is searched through the blocking keys.
RULES_SCAN_LIMIT = 5000
# How many candidate forms the blocking keys hand to the scorer, most shared keys first.
CANDIDATE_LIMIT = 400
# How many groups with the very same words under other rules are offered as related.
SAME_WORDS_LIMIT = 50


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int


def claim_by_fingerprint(session: Session, fingerprint: str) -> Claim | None:
    """The claim stored with this fingerprint: looked up by its id first, past the ORM's session
    (no flush, no ORM statement), for nearly every claim posted is new and needs no ORM object built.
    Claims are written past the session too (`insert_claim`): what it holds pending is never one."""
    found = _CLAIM_ID_BY_FINGERPRINT.scalar(session.connection(), {"fingerprint": fingerprint})
    return None if found is None else session.get(Claim, found)


# A POST's statements, run every time, are run by the driver (`driver.Query`): built once.
_CLAIM_ID_BY_FINGERPRINT = Query(select(Claim.id).where(Claim.fingerprint == bindparam("fingerprint")))


def fingerprints_present(session: Session, fingerprints: list[str]) -> set[str]:
    """Which of these claim fingerprints are stored already (retracted claims included)."""
    present: set[str] = set()
    for start in range(0, len(fingerprints), 500):  # bounded IN lists
        chunk = fingerprints[start : start + 500]
        present.update(session.scalars(select(Claim.fingerprint).where(Claim.fingerprint.in_(chunk))))
    return present


def document_by_fingerprint(session: Session, fingerprint: str) -> Document | None:
    return session.scalars(select(Document).where(Document.fingerprint == fingerprint)).one_or_none()


def claims_of_document(session: Session, document_id: int) -> list[Claim]:
    return list(
        session.scalars(select(Claim).where(Claim.document_id == document_id).order_by(Claim.value_start))
    )


def candidates(
    session: Session,
    subject: Subject,
    measure: str,
    event_date: date | None,
    index: FormIndex | None = None,
) -> list[Candidate]:
    """The stored forms worth scoring for a subject: every form it may join, and related ones.

    What the hard rules allow (same measure, pins and event date, neither side generic) is one range
    of an index, read whole and cut by rapidfuzz in one batched pass, so no joinable form is missed
    however common its words. The range is read from `index` (a FormIndex kept in memory) when
    given, with the forms stored since it last caught up from the database; otherwise from the
    database's own index. A range too large to read whole (more than RULES_SCAN_LIMIT forms) is
    searched through the blocking keys instead. The same words under other rules (another period,
    another day) come from a second range: the related groups a newsroom wants to see beside the
    claim. Work is bounded by those ranges, never by the size of the store.
    """
    found: list[Candidate] = []
    if not subject.generic:
        key = (measure, subject.pins, event_date)
        if index is None:
            in_rules = _forms_under_rules(session, *key)
        else:
            in_rules = _indexed_forms_under_rules(session, index, key)
        if in_rules is None:
            found += _keyed_candidates(
                session, subject, measure, _under_rules(subject.pins, measure, event_date)
            )
        else:
            group_ids, forms = in_rules
            found += [
                Candidate(group_ids[i], forms[i], measure, event_date, subject.pins, False)
                for i in within_reach(subject.form, forms)
            ]
    same_words = _SAME_WORDS.all(session.connection(), {"measure": measure, "form": subject.form})
    found += [Candidate(*row) for row in same_words]
    return found


_CANDIDATE_COLUMNS = (SubjectForm.group_id, SubjectForm.form, SubjectForm.measure, SubjectForm.event_date,
                      SubjectForm.pins, SubjectForm.generic)  # fmt: skip
# Run for every claim: built once.
_SAME_WORDS = Query(
    select(*_CANDIDATE_COLUMNS)
    .where(SubjectForm.measure == bindparam("measure"), SubjectForm.form == bindparam("form"))
    .order_by(SubjectForm.id.desc())
    .limit(SAME_WORDS_LIMIT)
)

# The group ids and the forms of one range of the hard rules, position by position.
RuleRange = tuple[Sequence[int], Sequence[str]]


def _under_rules(pins: str, measure: str, event_date: date | None) -> ColumnElement[bool]:
    same_day = (
        SubjectForm.event_date.is_(None) if event_date is None else SubjectForm.event_date == event_date
    )
    return and_(
        SubjectForm.measure == measure, SubjectForm.pins == pins, same_day, SubjectForm.generic.is_(False)
    )


def _forms_under_rules(
    session: Session, measure: str, pins: str, event_date: date | None
) -> RuleRange | None:
    """Every form in the range, or None when there are more than RULES_SCAN_LIMIT."""
    query = select(SubjectForm.group_id, SubjectForm.form).where(_under_rules(pins, measure, event_date))
    rows = session.execute(query.limit(RULES_SCAN_LIMIT + 1)).all()
    if len(rows) > RULES_SCAN_LIMIT:
        return None
    return [group_id for group_id, _ in rows], [form for _, form in rows]


def _indexed_forms_under_rules(
    session: Session, index: FormIndex, key: tuple[str, str, date | None]
) -> RuleRange | None:
    """The range as `_forms_under_rules` reads it, from the index and the forms stored after it."""
    seen = index.last_seen  # read first: a form added to the index meanwhile is then read twice, never missed
    complete = index.complete_for(session)
    known = index.under(key)
    group_ids: list[int] = []
    forms: list[str] = []
    if known is not None:
        count = len(known.group_ids)  # a form's group id is added after the form
        group_ids, forms = known.group_ids[:count], known.forms[:count]
    for row in () if complete else joinable_forms_after(session, seen, stream=False):
        if (row.measure, row.pins, row.event_date) == key:
            group_ids.append(row.group_id)
            forms.append(row.form)
    if len(forms) > RULES_SCAN_LIMIT:
        return None
    return group_ids, forms


def _keyed_candidates(
    session: Session, subject: Subject, measure: str, where: ColumnElement[bool]
) -> list[Candidate]:
    """Forms sharing blocking keys with the subject, most shared keys first (CANDIDATE_LIMIT of them)."""
    keys = blocking_keys(subject, measure)
    if not keys:
        return []
    shared = func.count(FormKey.key).label("shared")
    ranked = (
        select(FormKey.form_id)
        .join(SubjectForm, SubjectForm.id == FormKey.form_id)
        .where(FormKey.key.in_(keys), where)
        .group_by(FormKey.form_id)
        .order_by(shared.desc(), FormKey.form_id)
        .limit(CANDIDATE_LIMIT)
        .subquery()
    )
    rows = session.execute(select(*_CANDIDATE_COLUMNS).join(ranked, ranked.c.form_id == SubjectForm.id))
    return [Candidate(*row) for row in rows]


def insert_group(session: Session, columns: dict[str, Any]) -> Any:
    """A new group's row, as stored (its defaults filled in)."""
    return insert_returning(session, Group, columns)


def insert_claim(session: Session, columns: dict[str, Any]) -> Any:
    """A new claim's row, as stored (its defaults filled in): what an answer shows of it."""
    return insert_returning(session, Claim, columns)


def group_row(session: Session, group_id: int) -> Any:
    """One group as a plain row."""
    return _GROUP_BY_ID.one(session.connection(), {"group_id": group_id})


_GROUP_BY_ID = Query(select(Group.__table__).where(Group.__table__.c.id == bindparam("group_id")))


def insert_returning(session: Session, model: type[Any], columns: dict[str, Any]) -> Any:
    """One new row of a table, past the ORM's unit of work, as stored: every column, its defaults
    filled in as SQLAlchemy's INSERT fills them (see `insert_rows`) or by the database."""
    query, defaulted = _insert_returning(model.__table__, tuple(columns))
    filled = {column.key: _default_value(column.default) for column in defaulted}
    return query.one(session.connection(), {**filled, **columns})


@lru_cache(maxsize=16)
def _insert_returning(table: Any, keys: tuple[str, ...]) -> tuple[Query, tuple[Any, ...]]:
    """The INSERT of a row with these columns and every other one SQLAlchemy would give a default,
    returning the row; and the columns defaulted."""
    defaulted = _defaulted(table, keys)
    given = (*keys, *(column.key for column in defaulted))
    statement = insert(table).values({key: bindparam(key, type_=table.c[key].type) for key in given})
    return Query(statement.returning(*table.c)), defaulted


# Marks a session whose transaction wrote a subject form (`add_form`): a form index then no longer
# holds every form the transaction sees (`FormIndex.complete_for`).
FORMS_WRITTEN = "ceksilang.wrote"


def add_form(session: Session, group: Any, subject: Subject) -> None:
    """Index a subject form of the group unless the group already has it.

    Past the ORM's unit of work: the form by one INSERT that returns its id (or nothing, when the
    group has the form), its blocking keys sent ahead in a pipelined writer (`send_ahead`)."""
    connection = session.connection()
    measure = measure_of(group.dimension, group.unit)
    columns = {"group_id": group.id, "form": subject.form, "measure": measure, "event_date": group.event_date,
               "pins": subject.pins, "generic": subject.generic}  # fmt: skip
    session.info[FORMS_WRITTEN] = True
    form_id = _ADD_FORM.scalar(connection, columns)
    keys = sorted(set(blocking_keys(subject, measure)))
    if form_id is not None and keys:
        send_ahead(connection, _insert_form_keys(connection.dialect), [(key, form_id) for key in keys])


def _add_form() -> Query:
    """INSERT INTO subject_forms ... SELECT the parameters WHERE the group has no such form
    RETURNING its id: the lookup and the write in one statement."""
    table = SubjectForm.__table__
    names = ("group_id", "form", "measure", "event_date", "pins", "generic")
    had = select(table.c.id).where(
        table.c.group_id == bindparam("group_id"), table.c.form == bindparam("form")
    )
    given = select(*(bindparam(name, type_=table.c[name].type) for name in names)).where(~had.exists())
    return Query(insert(table).from_select(names, given).returning(table.c.id))


_ADD_FORM = _add_form()


@lru_cache(maxsize=4)
def _insert_form_keys(dialect: Any) -> str:
    """The driver's INSERT of one blocking key of a form: (key, form id)."""
    table = FormKey.__table__
    return _insert_sql(table, (table.c.key.name, table.c.form_id.name), dialect)


def ensure_topic(session: Session, slug: str, label: str) -> None:
    """The topic exists: a new one takes this label, a stored one keeps its own. One statement
    that reads nothing, past the ORM: sent ahead in a pipelined writer (`send_ahead`), and run
    before what follows it either way (a group of the topic)."""
    connection = session.connection()
    send_ahead(connection, _insert_topic(connection.dialect), [(slug, label)])


@lru_cache(maxsize=4)
def _insert_topic(dialect: Any) -> str:
    """The driver's INSERT of a topic (slug, label) that leaves a stored one as it is (SQLite and
    PostgreSQL spell it alike)."""
    table = Topic.__table__
    slug = table.c.slug.name
    insert_topic = _insert_sql(table, (slug, table.c.label.name), dialect)
    return f"{insert_topic} ON CONFLICT ({dialect.identifier_preparer.quote(slug)}) DO NOTHING"


def active_claims(session: Session, group_id: int) -> list[Claim]:
    return list(
        session.scalars(
            select(Claim).where(Claim.group_id == group_id, Claim.retracted_at.is_(None)).order_by(Claim.id)
        )
    )


# Every column of a claim, read as a row: what a Claim's attributes say, without building one (and
# without the session keeping it), for claims read only to be shown or compared. Such reads go
# straight to the session's connection, past the ORM: the session's pending changes are not
# flushed first, so a caller that changed claims flushes before.
CLAIM_COLUMNS = tuple(Claim.__table__.c)
ClaimRow = Any  # a row of CLAIM_COLUMNS, its columns read as a Claim's attributes

_CLAIM_ROW = (
    Claim.id, Claim.value_text, Claim.value_low, Claim.value_high, Claim.value_unit,
    Claim.value_dimension, Claim.value_hedge, Claim.value_label, Claim.value_display_label,
    Claim.source_name, Claim.origin, Claim.as_of, Claim.subject_form,
)  # fmt: skip
# The SQL prefilter widens a little less than the domain does: narrower intervals are disjoint
# more often, so float rounding in the database never hides a conflict. The domain then decides
# on the rows it returns.
PREFILTER_SLACK = tolerance.EXACT_RELATIVE * 0.999


def _listed_in(group_id: int | ColumnElement[int], *, end: bool = False) -> ColumnElement[bool]:
    """The claims a group shows: all but the retracted. `end=True` for a query that reads a few of
    them from one end of the group, in `_GROUP_ORDER` (or its reverse)."""
    in_group = Claim.group_id.between(group_id, group_id) if end else Claim.group_id == group_id
    return and_(in_group, Claim.retracted_at.is_(None))


def _counted_in(group_id: int | ColumnElement[int], *, end: bool = False) -> ColumnElement[bool]:
    """The claims a group's verdicts count: listed, and not ruled deprecated by an editor."""
    return and_(_listed_in(group_id, end=end), Claim.rank != "deprecated")


# A group's claims in the order of the index on (group, id, ...), for queries that read a few of them
# from one end. The group is then asked for as a range of one value (`_listed_in(..., end=True)`):
# given `group_id = :g`, PostgreSQL takes the order for one of ids alone, which the primary key
# gives too, and may walk the primary key through every newer claim of other groups in the hope of
# meeting the group's soon, a walk as long as the store is new. SQLite reads the same range either way.
_GROUP_ORDER = (Claim.group_id, Claim.id)
_GROUP_ORDER_LATEST_FIRST = (Claim.group_id.desc(), Claim.id.desc())


def active_claim_rows(session: Session, group_id: int) -> list[Any]:
    """The columns verdicts need of every counted claim of a group, without building ORM objects."""
    return list(session.execute(select(*_CLAIM_ROW).where(_counted_in(group_id)).order_by(Claim.id)))


def preferred_claim_rows(session: Session, group_id: int) -> list[Any]:
    """The group's claims an editor ruled preferred, with the reason of the latest ruling."""
    return list(
        session.execute(
            select(*_CLAIM_ROW, Claim.rank_reason)
            .where(_listed_in(group_id), Claim.rank == "preferred")
            .order_by(Claim.id)
        )
    )


def add_ruling(session: Session, claim: Claim, rank: str, reason: str, by: str) -> Ruling:
    """Rank the claim and keep the ruling: on the claim for reading, in `rulings` for audit."""
    now = utcnow()
    ruling = Ruling(claim_id=claim.id, rank=rank, reason=reason, ruled_by=by, ruled_at=now)
    session.add(ruling)
    claim.rank, claim.rank_reason, claim.ranked_by, claim.ranked_at = rank, reason, by, now
    return ruling


def rulings_of(session: Session, claim_id: int) -> list[Ruling]:
    return list(session.scalars(select(Ruling).where(Ruling.claim_id == claim_id).order_by(Ruling.id)))


def rulings_of_group(session: Session, group_id: int) -> list[tuple[Ruling, Claim]]:
    """Every ruling on a group's claims (retracted ones too), oldest first, with its claim."""
    query = select(Ruling, Claim).join(Claim, Claim.id == Ruling.claim_id).where(Claim.group_id == group_id)
    return [(ruling, claim) for ruling, claim in session.execute(query.order_by(Ruling.id))]


def document_texts(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Document.id, Document.text).where(Document.id.in_(ids)))
    return {document_id: text for document_id, text in rows}


def possibly_conflicting_rows(
    session: Session,
    group_id: int,
    *,
    low: float | None,
    high: float | None,
    label: str | None,
    as_of: date | None,
    window_days: int,
    exclude: int,
    after: int = 0,
    before: int | None = None,
    limit: int,
) -> list[ClaimRow]:
    """Active claims of a group at the same time whose values may not overlap the given one.

    A superset of the conflicts (the domain decides), in id order after `after` (and before
    `before`, when given), for paging.
    """
    params: dict[str, Any] = {"group_id": group_id, "after": after, "exclude": exclude, "limit": limit}
    if label is not None:
        params["label"] = label
    else:
        if low is None and high is None:
            return []
        if low is not None:
            params["widened_low"] = low - abs(low) * PREFILTER_SLACK
        if high is not None:
            params["widened_high"] = high + abs(high) * PREFILTER_SLACK
    if as_of is not None:
        window = timedelta(days=window_days)
        params["since"], params["until"] = as_of - window, as_of + window
    if before is not None:
        params["before"] = before
    query = _possibly_conflicting(*(key in params for key in _CONFLICT_SHAPE))
    return query.all(session.connection(), params)


# The parameters whose presence makes a shape of `_possibly_conflicting`, in its arguments' order.
_CONFLICT_SHAPE = ("label", "widened_low", "widened_high", "since", "before")


@lru_cache(maxsize=64)
def _possibly_conflicting(by_label: bool, below: bool, above: bool, dated: bool, bounded: bool) -> Query:
    """The statement of `possibly_conflicting_rows` for one shape of value (a label, or which
    bounds; a date; an upper id), its values left as parameters. Built once for each shape: a
    POST runs it every time, and building it took longer than running it."""
    if by_label:
        disjoint: ColumnElement[bool] = or_(
            Claim.value_label.is_(None), Claim.value_label != bindparam("label")
        )
    else:
        sides = []
        if below:
            sides.append(
                Claim.value_high + func.abs(Claim.value_high) * PREFILTER_SLACK < bindparam("widened_low")
            )
        if above:
            sides.append(
                Claim.value_low - func.abs(Claim.value_low) * PREFILTER_SLACK > bindparam("widened_high")
            )
        disjoint = or_(*sides)
    # Undated, or dated within the window: one test of the column rather than an OR (`since` is
    # never after `until`).
    same_time = (
        func.coalesce(Claim.as_of, bindparam("since")).between(bindparam("since"), bindparam("until"))
        if dated
        else true()
    )
    # The ids first, then their rows. Every column tested is in the index on the group's claims, so
    # PostgreSQL reads the group's entries of that index in order, tests each there and stops at
    # the limit, reading the rows of only those returned. Given an OR over dates it took a bitmap of
    # the group's whole range instead, and read every row of it: in a much-reported group of 20,000
    # claims at 1M, 80 ms for a claim that conflicts with none.
    ids = (
        select(Claim.id)
        .where(
            _counted_in(bindparam("group_id"), end=True),
            Claim.id > bindparam("after"),
            Claim.id != bindparam("exclude"),
            same_time,
        )
        .where(disjoint, Claim.id < bindparam("before") if bounded else true())
        .order_by(*_GROUP_ORDER)
        .limit(bindparam("limit"))
    )
    return Query(select(*CLAIM_COLUMNS).where(Claim.id.in_(ids)).order_by(*_GROUP_ORDER))


def latest_claims_of_groups(
    session: Session, limits: dict[int, int], *, exclude: int
) -> dict[int, list[ClaimRow]]:
    """The latest listed claims of each group (but `exclude`), as many as `limits` gives for it,
    oldest first: a new claim's own group and its related groups, in one statement."""
    found: dict[int, list[ClaimRow]] = {gid: [] for gid in limits}
    if not limits:
        return found
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        params = {"groups": list(limits), "limits": list(limits.values()), "exclude": exclude}
        rows = _LATEST_OF_GROUPS_PG.all(connection, params)
    else:
        params = {f"group_{i}": gid for i, gid in enumerate(limits)} | {"exclude": exclude}
        rows = _latest_of_groups(tuple(limits.values())).all(connection, params)
    for claim in rows:
        found[claim.group_id].append(claim)
    return found


def value_key(low: float | None, high: float | None, label: str | None) -> str:
    return (
        f"{'' if low is None else repr(float(low))}|{'' if high is None else repr(float(high))}|{label or ''}"
    )


def tally(session: Session, claim: Claim, origin_key: str, delta: int) -> None:
    """Count a claim in (delta=1) or out of (delta=-1) its group's tallies."""
    key = value_key(claim.value_low, claim.value_high, claim.value_label)
    if delta > 0:  # one statement that adds to the tally or starts it, without reading it first
        add_to_tallies(session, [{**tally_fields(claim, origin_key, key), "claims": delta}])
        return
    row = session.scalars(
        select(GroupTally).where(
            GroupTally.group_id == claim.group_id,
            GroupTally.source_key == claim.source_key,
            GroupTally.origin_key == origin_key,
            GroupTally.value_key == key,
        )
    ).one_or_none()
    if row is None:  # nothing counted to count out
        return
    row.claims += delta
    if row.claims <= 0:
        session.delete(row)


def first_tally(session: Session, claim: Any, origin_key: str) -> TallyRow:
    """The tally of a new group's first claim, written (sent ahead in a pipelined writer) with
    nothing to look up, as the group's verdict reads it."""
    key = value_key(claim.value_low, claim.value_high, claim.value_label)
    fields = {**tally_fields(claim, origin_key, key), "claims": 1}
    add_to_tallies(session, [fields])
    return TallyRow(**{name: fields[name] for name in _TALLY_FIELDS}, estimated_name=None, reliability=None)


def tally_fields(claim: Any, origin_key: str, key: str) -> dict[str, Any]:
    """The columns of a new tally (at zero claims) for the claim's source, origin and value."""
    return {
        "group_id": claim.group_id, "source_key": claim.source_key, "source_name": claim.source_name,
        "origin_key": origin_key, "origin_name": claim.origin or claim.source_name, "value_key": key,
        "value_low": claim.value_low, "value_high": claim.value_high, "value_unit": claim.value_unit,
        "value_dimension": claim.value_dimension, "value_hedge": claim.value_hedge,
        "value_label": claim.value_label, "value_display_label": claim.value_display_label, "claims": 0,
    }  # fmt: skip


class TallyRow(NamedTuple):
    """A tally as a group's verdict reads it, with its source's estimate (`estimated_name`,
    `reliability`; None before the source was estimated). A plain tuple: a much-reported figure has
    a tally for each source, origin and value, and each is read field by field."""

    source_key: str
    source_name: str
    origin_key: str
    origin_name: str
    claims: int
    value_low: float | None
    value_high: float | None
    value_unit: str
    value_dimension: str
    value_hedge: str
    value_label: str | None
    value_display_label: str | None
    estimated_name: str | None
    reliability: float | None


_TALLY_FIELDS = TallyRow._fields[:-2]  # a tally's own columns, then its source's estimate
_TALLY_ROW = tuple(getattr(GroupTally, name) for name in _TALLY_FIELDS)


def tallies(session: Session, group_id: int) -> list[TallyRow]:
    """Every tally of a group, with its source's estimate, so that weighing the consensus takes no
    query of its own. Read past the ORM's session: tallies are written past it (`add_to_tallies`),
    and a tally the ORM may hold pending is flushed before (`usecases.store_verdict`)."""
    return [TallyRow._make(row) for row in _TALLIES.all(session.connection(), {"group_id": group_id})]


# Run for most claims (a small group's consensus is counted anew by each): built once.
_TALLIES = Query(
    select(*_TALLY_ROW, Source.name.label("estimated_name"), Source.reliability)
    .outerjoin(Source, Source.key == GroupTally.source_key)
    .where(GroupTally.group_id == bindparam("group_id"))
    .order_by(GroupTally.id)
)


def active_claims_of_groups(session: Session, group_ids: Sequence[int]) -> dict[int, list[Claim]]:
    """Active claims of each group, oldest first."""
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


@lru_cache(maxsize=64)
def _latest_of_groups(limits: tuple[int, ...]) -> Query:
    """The latest `limits[i]` listed claims of group `group_i` but claim `exclude` (parameters), on
    SQLite (PostgreSQL's is `_LATEST_OF_GROUPS_PG`).

    Each group's from the end of its range of the index on (group, id, ...): the work is as many rows
    as are shown, however many claims a group has. Built once for each list of limits: a POST
    runs it every time, and building it took longer than running it.
    """
    latest = [
        select(Claim.id)
        .where(_listed_in(bindparam(f"group_{i}"), end=True), Claim.id != bindparam("exclude"))
        .order_by(*_GROUP_ORDER_LATEST_FIRST)
        .limit(limit)
        .subquery()
        for i, limit in enumerate(limits)
    ]
    ids = union_all(*(select(ranked.c.id) for ranked in latest))
    return Query(select(*CLAIM_COLUMNS).where(Claim.id.in_(ids)).order_by(Claim.group_id, Claim.id))


def _latest_of_groups_pg() -> Query:
    """`_latest_of_groups` for PostgreSQL, for any number of groups: the groups and their limits are
    two arrays (parameters `groups`, `limits`), each group's latest read by a lateral subquery from
    the end of its range of the index, as above. One statement whatever the groups, so psycopg
    prepares it once, where the union's text changed with their number. The server still plans it
    at each run (its generic plan guesses ten groups, dearer than a POST's six at most), but in less
    time than the union of one subquery a group took it to plan and to run."""
    groups = (
        func.unnest(bindparam("groups", type_=ARRAY(Integer)), bindparam("limits", type_=ARRAY(Integer)))
        .table_valued("id", "shown")
        .render_derived(name="listed_group")
    )
    latest = (
        select(*CLAIM_COLUMNS)
        .where(_listed_in(groups.c.id, end=True), Claim.id != bindparam("exclude"))
        .order_by(*_GROUP_ORDER_LATEST_FIRST)
        .limit(groups.c.shown)
        .lateral("latest")
    )
    return Query(
        select(latest).select_from(groups).join(latest, true()).order_by(latest.c.group_id, latest.c.id)
    )


# Run for every POST: built once.
_LATEST_OF_GROUPS_PG = _latest_of_groups_pg()


def _paged(session: Session, query: Select[Any], page: int, per_page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def claims_page(
    session: Session,
    *,
    source: str | None,  # a source key
    q: str | None,
    topic: str | None,
    group_id: int | None,
    include_retracted: bool,
    page: int,
    per_page: int,
) -> Page:
    query = select(Claim).order_by(Claim.id)
    if source:
        query = query.where(Claim.source_key == source)
    if topic:
        query = query.where(Claim.topic_slug == topic)
    if group_id is not None:
        query = query.where(Claim.group_id == group_id)
    if not include_retracted:
        query = query.where(Claim.retracted_at.is_(None))
    if q:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", q) + "%"  # the words as typed, not as wildcards
        query = query.where(
            or_(Claim.subject.ilike(pattern, escape="\\"), Claim.quote.ilike(pattern, escape="\\"))
        )
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


def group_subject_forms(
    session: Session, *, topic: str | None, conflict: bool | None
) -> list[tuple[int, str]]:
    """(group id, normalised subject) of every listed group's forms: what a search in any language meets."""
    listed = groups_query(topic=topic, conflict=conflict).with_only_columns(Group.id).scalar_subquery()
    query = select(SubjectForm.group_id, SubjectForm.form).where(SubjectForm.group_id.in_(listed))
    return [(gid, form) for gid, form in session.execute(query.order_by(SubjectForm.id))]


def topics_with_counts(session: Session, slug: str | None = None) -> list[tuple[Topic, int, int]]:
    listed = and_(Group.topic_slug == Topic.slug, Group.size > 0)
    groups = select(func.count(Group.id)).where(listed).scalar_subquery()
    conflicting = select(func.count(Group.id)).where(listed, Group.conflict.is_(True)).scalar_subquery()
    query = select(Topic, groups, conflicting).order_by(Topic.slug)
    rows = session.execute(query.where(Topic.slug == slug) if slug else query)
    return [(topic, n, c) for topic, n, c in rows]


def topic_with_counts(session: Session, slug: str) -> tuple[Topic, int, int] | None:
    for topic, n, c in topics_with_counts(session, slug):
        return topic, n, c
    return None


def groups_of_topic(session: Session, slug: str) -> list[Group]:
    return list(session.scalars(groups_query(topic=slug, conflict=None).order_by(Group.id)))


def conflicting_groups(session: Session, slug: str) -> list[Group]:
    query = groups_query(topic=slug, conflict=True).order_by(
        Group.sources.desc(), Group.size.desc(), Group.id
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class StoreFigures:
    claims: int
    groups: int
    conflicting_groups: int
    documents: int


def store_figures(session: Session) -> StoreFigures:
    """What the store holds now: active claims, groups with any, groups in conflict, articles."""
    claims = select(func.count(Claim.id)).where(Claim.retracted_at.is_(None)).scalar_subquery()
    groups = select(func.count(Group.id)).where(Group.size > 0).scalar_subquery()
    conflicting = (
        select(func.count(Group.id)).where(Group.size > 0, Group.conflict.is_(True)).scalar_subquery()
    )
    documents = select(func.count(Document.id)).scalar_subquery()
    row = session.execute(select(claims, groups, conflicting, documents)).one()
    return StoreFigures(*(int(x or 0) for x in row))


def migration_revision(session: Session) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    try:
        with session.begin_nested():
            return session.scalar(text("SELECT version_num FROM alembic_version"))
    except ProgrammingError:
        return None
    except OperationalError as exc:  # SQLite says "no such table" as an operational error
        if "no such table" in str(exc.orig):
            return None
        raise


# --- sources -----------------------------------------------------------------------------------


def quoted_claims_of_others(session: Session, group_id: int, source_key: str, limit: int) -> list[Any]:
    """The latest quoted claims of a group by other sources: where a near-copy would come from."""
    params = {"group_id": group_id, "source_key": source_key, "limit": limit}
    return list(session.execute(_QUOTED_CLAIMS_OF_OTHERS, params))


# Built once: a POST with a quote to an existing group runs it every time.
_QUOTED_CLAIMS_OF_OTHERS = (
    select(Claim.id, Claim.quote, Claim.origin, Claim.source_name)
    .where(
        _listed_in(bindparam("group_id"), end=True),
        Claim.source_key != bindparam("source_key"),
        Claim.quote.is_not(None),
    )
    .order_by(*_GROUP_ORDER_LATEST_FIRST)
    .limit(bindparam("limit"))
)


def estimates(session: Session) -> dict[str, tuple[str, float]]:
    """Every estimated source: its key -> (name, reliability). A writer of many groups reads it once."""
    return {key: (name, reliability) for key, name, reliability in session.execute(
        select(Source.key, Source.name, Source.reliability))}  # fmt: skip


def any_source_estimated(session: Session) -> bool:
    return session.scalar(select(Source.key).limit(1)) is not None


def counted_claim_rows(session: Session) -> Iterator[Any]:
    """Every claim the verdicts count, as plain rows in group order: what reliability is estimated from."""
    query = (
        select(
            Claim.id,
            Claim.group_id,
            Claim.source_key,
            Claim.source_name,
            Claim.origin,
            Claim.value_low,
            Claim.value_high,
            Claim.value_label,
            Claim.value_hedge,
        )
        .where(Claim.retracted_at.is_(None), Claim.rank != "deprecated")
        .order_by(Claim.group_id, Claim.id)
    )
    yield from session.execute(query.execution_options(yield_per=5000))


def groups_with_several_sources(session: Session) -> list[int]:
    return list(session.scalars(select(Group.id).where(Group.sources > 1).order_by(Group.id)))


def replace_sources(session: Session, sources: Sequence[Source]) -> None:
    """The new estimate replaces the old one whole."""
    session.execute(delete(Source))
    session.add_all(sources)


def _outlets(*where: ColumnElement[bool]) -> Select[Any]:
    """Outlets with their active claims counted, and their estimate when there is one."""
    counted = (
        select(
            Claim.source_key.label("key"),
            func.min(Claim.source_name).label("name"),
            func.count(Claim.id).label("claim_count"),
            func.count(func.distinct(Claim.group_id)).label("group_count"),
        )
        .where(Claim.retracted_at.is_(None), *where)
        .group_by(Claim.source_key)
        .subquery()
    )
    return select(counted, Source).outerjoin(Source, Source.key == counted.c.key)


def sources_page(session: Session, *, q: str | None, page: int, per_page: int) -> Page:
    """Every outlet with claims, with its estimate when there is one: most claims first."""
    query = _outlets(Claim.source_key.contains(q, autoescape=True)) if q else _outlets()
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    counted = query.selected_columns
    ordered = query.order_by(counted.claim_count.desc(), counted.key)
    rows = list(session.execute(ordered.limit(per_page).offset((page - 1) * per_page)))
    return Page(rows, total, page, per_page)


def source_row(session: Session, key: str) -> Any | None:
    return session.execute(_outlets(Claim.source_key == key)).first()


# --- bulk writing ------------------------------------------------------------------------------


def joinable_forms_after(session: Session, last_id: int, *, stream: bool = True) -> Iterator[Any]:
    """Every form a subject could join (not generic) stored after form id `last_id`, in id order.

    `stream`, for a reader that may be far behind (a worker's form index, after another process
    imported a million claims): the forms are read FORMS_READ_AT_ONCE at a time, each read by one
    plain query from the last id the one before read, so that no more than that is held at once.
    A request that finds one new form or none reads once. (Not by a server-side cursor: on
    PostgreSQL its declare, fetch and close are three round trips of their own.)
    """
    connection = session.connection()  # past the ORM: forms are written past it (`add_form`)
    if not stream:
        yield from _JOINABLE_FORMS_AFTER.all(connection, {"last_id": last_id})
        return
    while True:
        next_forms = {"last_id": last_id, "limit": FORMS_READ_AT_ONCE}
        read = _JOINABLE_FORMS_NEXT.all(connection, next_forms)
        yield from read
        if len(read) < FORMS_READ_AT_ONCE:
            return
        last_id = read[-1].id


# Run for every claim: built once.
_JOINABLE_FORMS = (
    select(SubjectForm.id, SubjectForm.group_id, SubjectForm.form, SubjectForm.measure, SubjectForm.pins,
           SubjectForm.event_date)
    .where(SubjectForm.id > bindparam("last_id"), SubjectForm.generic.is_(False))
    .order_by(SubjectForm.id)
)  # fmt: skip
FORMS_READ_AT_ONCE = 1000
_JOINABLE_FORMS_AFTER = Query(_JOINABLE_FORMS)
_JOINABLE_FORMS_NEXT = Query(_JOINABLE_FORMS.limit(bindparam("limit")))


def last_id(session: Session, model: type[Any]) -> int:
    """The highest id of a table (0 when empty). Ids a writer hands out from here on are its own:
    writers are serialised (storage/db.py)."""
    return int(session.scalar(select(func.max(model.id))) or 0)


def catch_up_id_sequence(session: Session, model: type[Any]) -> None:
    """After rows were inserted with ids of their own, PostgreSQL's sequence moves past them."""
    _catch_up_id_sequence(session, model.__tablename__)


def _catch_up_id_sequence(session: Session, table: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    )


# The tables an import grows, whose row counts PostgreSQL's planner must know: estimated empty, a
# lookup of 500 fingerprints scans every claim instead of reading the unique index.
_GROWN_BY_IMPORTS = ("claims", "groups", "subject_forms", "form_keys", "group_tallies")


def refresh_statistics(connection: Connection) -> None:
    """PostgreSQL: read the grown tables' statistics again (ANALYZE samples a few thousand rows
    each, whatever their size). Autovacuum does it too, but later than an import needs it. ANALYZE
    blocks no reader or writer: run it on a connection of its own, outside the writers' turn.
    SQLite plans from its indexes alone here: nothing to do."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(text(f"ANALYZE {', '.join(_GROWN_BY_IMPORTS)}"))


def ensure_topics(session: Session, labels: dict[str, str]) -> None:
    """The topics of these slugs exist (a new one takes the label given with it)."""
    slugs = sorted(labels)
    present: set[str] = set()
    for start in range(0, len(slugs), 500):
        present.update(session.scalars(select(Topic.slug).where(Topic.slug.in_(slugs[start : start + 500]))))
    missing = [{"slug": slug, "label": labels[slug]} for slug in slugs if slug not in present]
    if missing:
        session.execute(insert(Topic), missing)


def insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Many rows of one table (each with the same keys), straight to the driver.

    Each value goes through its column type's own conversion for the database (dates to text on
    SQLite, JSON to text) and a column a row leaves out gets its default (a plain value, or a
    callable taking no argument: every default of these tables), as SQLAlchemy's INSERT would do.
    What is left out is SQLAlchemy building, for each row, a dictionary of every parameter of the
    statement, a good part of the import's inserting.
    """
    if not rows:
        return
    connection = session.connection()
    names, make = _row_maker(model.__table__, tuple(rows[0]), connection.dialect)
    _send_rows(connection, model.__table__, names, [make(row) for row in rows])


@lru_cache(maxsize=32)
def _row_maker(table: Any, keys: tuple[str, ...], dialect: Any) -> tuple[tuple[str, ...], Any]:
    """The columns written for rows with these keys, and what makes a row of them their values."""
    columns = [table.c[key] for key in keys]
    defaulted = _defaulted(table, keys)
    given = [(c.key, _bind_processor(c, dialect)) for c in columns]
    filled = [(_bind_processor(c, dialect), c.default) for c in defaulted]

    def make(row: dict[str, Any]) -> tuple[Any, ...]:
        values = [row[key] if process is None else process(row[key]) for key, process in given]
        for process, default in filled:
            value = _default_value(default)
            values.append(value if process is None else process(value))
        return tuple(values)

    return tuple(c.name for c in (*columns, *defaulted)), make


def _defaulted(table: Any, keys: tuple[str, ...]) -> tuple[Any, ...]:
    """The table's columns left out of `keys` that SQLAlchemy's INSERT would give a default: each a
    plain value or a callable taking no argument (every default of these tables)."""
    defaulted = tuple(c for c in table.c if c.key not in keys and c.default is not None)
    for column in defaulted:
        if not (column.default.is_scalar or column.default.is_callable):
            raise TypeError(f"{table.name}.{column.key}: only plain defaults are filled in here")
    return defaulted


def _default_value(default: Any) -> Any:
    return default.arg if default.is_scalar else default.arg(None)


def _insert_sql(table: Any, names: Sequence[str], dialect: Any) -> str:
    """The driver's INSERT of one row of these columns (their names in the database)."""
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    markers = ", ".join([_marker(dialect)] * len(names))
    return f"INSERT INTO {preparer.format_table(table)} ({columns}) VALUES ({markers})"


def _bind_processor(column: Any, dialect: Any) -> Any:
    """What converts a value of the column for the driver, as SQLAlchemy would (None: as it is)."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _send_rows(
    connection: Connection, table: Any, names: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Rows of values, in the order of `names`, into `table`: by COPY on PostgreSQL (one stream,
    parsed once, where INSERT is bound and run once a row), by the driver's executemany elsewhere.

    A row PostgreSQL refuses fails the whole COPY as SQLAlchemy's own error (a `DataError` for a
    value it cannot take), as an INSERT would. COPY reads each value as text of its column's type,
    more strictly than INSERT converts a parameter (2.0 is no integer to it): the rows are given
    in their columns' own Python types, as `insert_rows` and the import's rows are.
    """
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    target = f"{preparer.format_table(table)} ({', '.join(preparer.quote(n) for n in names)})"
    if dialect.driver != "psycopg":
        sql = _insert_sql(table, names, dialect)
        for start in range(0, len(rows), 5000):
            connection.exec_driver_sql(sql, rows[start : start + 5000])
        return
    statement = f"COPY {target} FROM STDIN"
    driver = connection.connection.dbapi_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc


def _marker(dialect: Any) -> str:
    """A positional parameter in the driver's own SQL: SQLite's `?`, psycopg's `%s`."""
    if dialect.paramstyle == "qmark":
        return "?"
    if dialect.paramstyle in ("format", "pyformat"):
        return "%s"
    raise NotImplementedError(f"no positional parameters known for paramstyle {dialect.paramstyle!r}")


def tally_rows_of_groups(session: Session, group_ids: Sequence[int]) -> list[Any]:
    """Every tally of these groups, as plain rows."""
    ids = sorted(group_ids)
    found: list[Any] = []
    for start in range(0, len(ids), 500):
        query = select(GroupTally.__table__).where(GroupTally.group_id.in_(ids[start : start + 500]))
        found += session.execute(query.order_by(GroupTally.id))
    return found


def set_tally_counts(session: Session, counts: list[tuple[int, int]]) -> None:
    """(tally id, claims) for tallies whose count changed; a tally at zero claims goes."""
    table = GroupTally.__table__
    kept = [{"tally_id": i, "count": n} for i, n in counts if n > 0]
    gone = [i for i, n in counts if n <= 0]
    connection = session.connection()
    if kept:
        connection.execute(
            update(table).where(table.c.id == bindparam("tally_id")).values(claims=bindparam("count")), kept
        )
    if gone:
        connection.execute(delete(table).where(table.c.id.in_(gone)))


# A batch's value bounds per group, for one join instead of a query per group: a temporary table
# of the writer's connection (not part of the schema), emptied after each use.
_batch_bounds = Table(
    "ceksilang_batch_bounds",
    MetaData(),
    Column("group_id", Integer, primary_key=True),
    Column("below", Float),  # an earlier claim entirely below this may conflict
    Column("above", Float),  # an earlier claim entirely above this may conflict
    Column("labels", Boolean, nullable=False),  # a labelled value: every earlier claim may conflict
    prefixes=["TEMPORARY"],
)


def possibly_conflicting_rows_of_groups(
    session: Session, bounds: Sequence[tuple[int, float | None, float | None, bool]], before: int
) -> dict[int, list[Any]]:
    """The counted claims (before id `before`) of many groups whose values may not overlap new ones.

    `bounds` is (group id, below, above, labels) per group: the loosest of its new claims' bounds
    (widened as `possibly_conflicting_rows` widens them), so that the rows are a superset of what
    that function returns for each new claim. Rows by group, in id order.
    """
    found: dict[int, list[Any]] = {gid: [] for gid, *_ in bounds}
    if not bounds:
        return found
    connection = session.connection()
    table = _batch_bounds
    table.create(connection, checkfirst=True)
    connection.execute(table.insert(), [{"group_id": g, "below": lo, "above": hi, "labels": lab}
                                        for g, lo, hi, lab in bounds])  # fmt: skip
    disjoint = or_(
        table.c.labels.is_(True),
        Claim.value_high + func.abs(Claim.value_high) * PREFILTER_SLACK < table.c.below,
        Claim.value_low - func.abs(Claim.value_low) * PREFILTER_SLACK > table.c.above,
    )
    query = (
        select(*_CLAIM_ROW, Claim.group_id)
        .join(table, table.c.group_id == Claim.group_id)
        .where(Claim.id < before, Claim.retracted_at.is_(None), Claim.rank != "deprecated", disjoint)
        .order_by(Claim.group_id, Claim.id)
    )
    for row in session.execute(query):
        found[row.group_id].append(row)
    connection.execute(table.delete())
    return found


def group_rows(session: Session, group_ids: Sequence[int], *, conflicts: bool = True) -> dict[int, Any]:
    """These groups as plain rows, by id.

    Without `conflicts`, a row has `listed`, how many conflicts the group lists, in place of the
    list: up to a hundred conflicts in JSON, the costliest column to read by far, and one a caller
    that leaves the list as it is need not read (`conflict_lists` reads it for the few that do).
    """
    table = Group.__table__
    if conflicts:
        columns: list[Any] = [table]
    else:
        listed = func.coalesce(func.json_array_length(table.c.conflicts), 0).label("listed")
        columns = [c for c in table.c if c.name != "conflicts"] + [listed]
    ids = sorted(group_ids)
    found: dict[int, Any] = {}
    for start in range(0, len(ids), 500):
        query = select(*columns).where(table.c.id.in_(ids[start : start + 500]))
        found.update((row.id, row) for row in session.execute(query))
    return found


def updated_at_of(session: Session, group_ids: Sequence[int]) -> dict[int, datetime]:
    """When each of these groups last changed, by id (counting its consensus is no change)."""
    ids = sorted(group_ids)
    found: dict[int, datetime] = {}
    for start in range(0, len(ids), 500):
        query = select(Group.id, Group.updated_at).where(Group.id.in_(ids[start : start + 500]))
        found.update((row.id, row.updated_at) for row in session.execute(query))
    return found


def conflict_lists(session: Session, group_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The conflicts these groups list, by id."""
    ids = sorted(group_ids)
    found: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(ids), 500):
        query = select(Group.id, Group.conflicts).where(Group.id.in_(ids[start : start + 500]))
        found.update((row.id, list(row.conflicts or [])) for row in session.execute(query))
    return found


# What a group's verdict changes, written for many groups in one statement.
VERDICT_COLUMNS = (
    "topic_slug",
    "size",
    "sources",
    "origins",
    "conflict",
    "conflicts",
    "consensus",
    "updated_at",
    "consensus_at",
    "behind_since",
)


def update_verdicts(
    session: Session, groups: Sequence[Any], columns: Sequence[str] = VERDICT_COLUMNS
) -> None:
    """Write these verdict columns of groups held as plain objects (see `group_rows`): one UPDATE
    by id, run by the driver for all of them, each value converted by its column's type as
    SQLAlchemy's own UPDATE would (see `insert_rows`); sent ahead in a pipelined writer
    (`send_ahead`)."""
    if not groups:
        return
    connection = session.connection()
    sql, make = _verdict_update(tuple(columns), connection.dialect)
    _send_ahead_in_chunks(connection, sql, [make(group) for group in groups])


def _send_ahead_in_chunks(connection: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), 5000):
        send_ahead(connection, sql, rows[start : start + 5000])


@lru_cache(maxsize=16)
def _verdict_update(columns: tuple[str, ...], dialect: Any) -> tuple[str, Any]:
    """The driver's UPDATE of these columns of a group by its id, and what makes its parameters
    of a group (the columns' values, each converted by its type, then the id). A column left out
    that changes on every update (`onupdate`: `updated_at`) is set as SQLAlchemy's UPDATE sets it."""
    table = Group.__table__
    refreshed = [c for c in table.c if c.key not in columns and c.onupdate is not None]
    for column in refreshed:
        if not (column.onupdate.is_scalar or column.onupdate.is_callable):
            raise TypeError(f"{table.name}.{column.key}: only plain updates are filled in here")
    preparer = dialect.identifier_preparer
    marker = _marker(dialect)
    names = [table.c[name].name for name in columns] + [c.name for c in refreshed]
    assignments = ", ".join(f"{preparer.quote(name)} = {marker}" for name in names)
    where = f"{preparer.quote(table.c.id.name)} = {marker}"
    sql = f"UPDATE {preparer.format_table(table)} SET {assignments} WHERE {where}"
    converters = [(name, _bind_processor(table.c[name], dialect)) for name in columns]
    filled = [(_bind_processor(c, dialect), c.onupdate) for c in refreshed]

    def make(group: Any) -> tuple[Any, ...]:
        values = [
            getattr(group, name) if convert is None else convert(getattr(group, name))
            for name, convert in converters
        ]
        for convert, change in filled:
            value = change.arg if change.is_scalar else change.arg(None)
            values.append(value if convert is None else convert(value))
        values.append(group.id)
        return tuple(values)

    return sql, make


def set_counted(session: Session, counted: Sequence[tuple[Any, datetime]], counted_at: datetime) -> None:
    """Write the consensus, sources and origins of groups counted from their tallies as read from
    `counted_at` on, each given with the `updated_at` it had when read.

    Under the write lock, every claim written before is committed: a group whose `updated_at` is
    still the one read took no claim the count missed, and is counted up to date; one that took a
    claim stays behind (since `counted_at`). A group counted whole by a writer since `counted_at`
    keeps that count. Nothing a claim writes is overwritten.
    """
    if not counted:
        return
    table = Group.__table__
    at = bindparam("counted_at")
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("group_id"),
            or_(table.c.consensus_at.is_(None), table.c.consensus_at <= at),
        )
        .values(
            sources=bindparam("new_sources"),
            origins=bindparam("new_origins"),
            consensus=bindparam("new_consensus"),
            consensus_at=at,
            behind_since=case((table.c.updated_at == bindparam("seen_updated_at"), None), else_=at),
            updated_at=table.c.updated_at,  # counting changes no claim
        )
    )
    rows = [
        {"group_id": g.id, "new_sources": g.sources, "new_origins": g.origins,
         "new_consensus": g.consensus, "counted_at": counted_at, "seen_updated_at": seen}
        for g, seen in counted
    ]  # fmt: skip
    session.connection().execute(statement, rows)


def insert_form_keys(session: Session, keys: list[tuple[str, int]]) -> None:
    """(key, form id) rows of the candidate index, straight to the driver: plain text and integers,
    the bulk of what an import writes."""
    if keys:
        _send_rows(session.connection(), FormKey.__table__, ("key", "form_id"), keys)


# What a tally counts claims by: its unique key.
TALLY_KEY = ("group_id", "source_key", "origin_key", "value_key")


@lru_cache(maxsize=8)
def _tally_upsert(names: tuple[str, ...], dialect: Any) -> str:
    """The driver's statement of `add_to_tallies` for these columns: an INSERT that, for a key
    already tallied, adds its claims instead (SQLite and PostgreSQL spell it alike)."""
    table = GroupTally.__table__
    preparer = dialect.identifier_preparer
    target = preparer.format_table(table)
    key = ", ".join(preparer.quote(table.c[name].name) for name in TALLY_KEY)
    claims = preparer.quote(table.c.claims.name)
    return (
        f"{_insert_sql(table, names, dialect)}"
        f" ON CONFLICT ({key}) DO UPDATE SET {claims} = {target}.{claims} + excluded.{claims}"
    )


def add_to_tallies(session: Session, rows: list[dict[str, Any]]) -> None:
    """Count claims into their tallies without reading them: a new (group, source, origin, value)
    gets a row, a known one adds its `claims`. One row per key (the caller adds up its claims).

    Run by the driver, as `insert_rows` runs an INSERT: every POST that joins a group runs it, and
    an import for each tally its batch adds to; sent ahead in a pipelined writer (`send_ahead`)."""
    if not rows:
        return
    connection = session.connection()
    names, make = _row_maker(GroupTally.__table__, tuple(rows[0]), connection.dialect)
    _send_ahead_in_chunks(connection, _tally_upsert(names, connection.dialect), [make(row) for row in rows])


class Writes:
    """What a bulk import writes in one transaction, made at once on `session` or, without one,
    kept to be made later (`make`), perhaps by another process: kept, each row is already
    converted for the driver of `dialect` (a tuple of plain values, as `insert_rows` converts it),
    so a process that makes them only sends them, and they pickle as plain data."""

    def __init__(self, dialect: Any, session: Session | None = None) -> None:
        self.dialect = dialect
        self.session = session
        self.kept: list[tuple[str, Any, Any, Any]] = []  # (what, table or statement, names, rows)

    def __getstate__(self) -> dict[str, Any]:  # (a dialect and a session stay where they are)
        return {"kept": self.kept}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.dialect, self.session, self.kept = None, None, state["kept"]

    def topics(self, labels: dict[str, str]) -> None:
        """`ensure_topics`: which exist is read by whoever makes the writes."""
        if self.session is not None:
            ensure_topics(self.session, labels)
        elif labels:
            self.kept.append(("topics", None, None, labels))

    def insert(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        """`insert_rows`."""
        if self.session is not None:
            insert_rows(self.session, model, rows)
        elif rows:
            names, make = _row_maker(model.__table__, tuple(rows[0]), self.dialect)
            self.kept.append(("rows", model.__tablename__, names, [make(row) for row in rows]))

    def form_keys(self, keys: list[tuple[str, int]]) -> None:
        """`insert_form_keys`."""
        if self.session is not None:
            insert_form_keys(self.session, keys)
        elif keys:
            self.kept.append(("rows", FormKey.__tablename__, ("key", "form_id"), keys))

    def id_sequences(self, *models: type[Any]) -> None:
        """`catch_up_id_sequence` of each table, after its rows."""
        for model in models:
            if self.session is not None:
                catch_up_id_sequence(self.session, model)
            else:
                self.kept.append(("sequence", model.__tablename__, None, None))

    def tallies(self, rows: list[dict[str, Any]]) -> None:
        """`add_to_tallies`."""
        if self.session is not None:
            add_to_tallies(self.session, rows)
        elif rows:
            names, make = _row_maker(GroupTally.__table__, tuple(rows[0]), self.dialect)
            self.kept.append(("sent", _tally_upsert(names, self.dialect), None, [make(row) for row in rows]))

    def verdicts(self, groups: Sequence[Any], columns: Sequence[str]) -> None:
        """`update_verdicts`."""
        if self.session is not None:
            update_verdicts(self.session, groups, columns)
        elif groups:
            sql, make = _verdict_update(tuple(columns), self.dialect)
            self.kept.append(("sent", sql, None, [make(group) for group in groups]))

    def make(self, session: Session) -> None:
        """The kept writes, in the order they were kept, in the session's transaction."""
        for what, target, names, rows in self.kept:
            if what == "topics":
                ensure_topics(session, rows)
            elif what == "rows":
                _send_rows(session.connection(), Base.metadata.tables[target], names, rows)
            elif what == "sequence":
                _catch_up_id_sequence(session, target)
            else:
                _send_ahead_in_chunks(session.connection(), target, rows)


def groups_counted_behind(
    session: Session, limit: int | None = None, *, counted_before: datetime | None = None
) -> list[int]:
    """Groups with claims their consensus has not counted (see `usecases.BIG_GROUP`), the longest
    behind first; with `counted_before`, only those last counted before then."""
    behind = Group.behind_since.is_not(None)
    if counted_before is not None:
        behind = and_(behind, or_(Group.consensus_at.is_(None), Group.consensus_at <= counted_before))
    query = select(Group.id).where(Group.size > 0, behind).order_by(Group.behind_since, Group.id)
    return list(session.scalars(query.limit(limit)))
