"""Bulk import: many claims stored as if they had been posted one by one, thousands a second.

A batch is read (validated, parsed, normalised) before anything is locked, then matched and
stored in one write transaction: the joinable subject forms of every group are kept in memory by
the importer and brought up to date from the database at the start of each batch, under the write
lock, so a form stored by another writer in between is never missed. Within the batch, claims are
matched in order against the stored forms and the batch's own, exactly as POST would match them
one after the other; rows are then written a table at a time, and each touched group's tallies,
conflicts and consensus are brought up to date once.

`ceksilang import` writes each batch in a process of its own (`writing_process`) while this one
matches the next (`_Pipeline`): the next batch is then matched against the database as committed
with what the batch being written stores put over it (`_ReadsAhead`), and written only if nothing
else was written in between (`write_plan`); otherwise it is stored here as above, and once
another writer has come in between, so is every batch left. Planned ahead, a batch holds the
writers' turn for its writing alone, not its matching.

A batch the database refuses (a value one database accepts and another does not) is split in two
until the refused claims are found; they are reported with the database's reason, the rest stored.
"""

from __future__ import annotations

import atexit
import bisect
import gc
import itertools
import logging
import math
import multiprocessing
import resource
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from service import usecases, webhooks
from service.domain import copies, matching, verdicts
from service.domain.matching import Subject
from service.domain.values import Value
from service.errors import DomainError
from service.storage import repository as repo
from service.storage.db import Database
from service.storage.form_index import FormIndex
from service.storage.models import Claim, Group, SubjectForm, utcnow

log = logging.getLogger("ceksilang")

# Claims per transaction: large enough that per-batch work (catching up, reading the touched
# groups and the earlier claims their new ones may conflict with, the much-reported groups again in
# every batch) is small beside the claims, small enough that a batch holds the writers' turn for
# a few seconds (with a writing process, which holds it only to write) and its rows fit in memory.
BATCH_SIZE = 40_000


@dataclass
class ImportReport:
    stored: int = 0
    already_stored: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    groups: set[int] = field(default_factory=set)  # the groups claims were stored in


def import_claims(
    ctx: usecases.Context,
    rows: Iterable[tuple[int, usecases.ClaimInput | str]],
    *,
    batch_size: int = BATCH_SIZE,
    write_ahead: WriteAhead | None = None,
) -> ImportReport:
    """Store every readable claim once, matched as POST would match it; report the rest.

    `rows` yields (line number, claim) or (line number, reason) for lines that failed to load.
    """
    reader = Reader(ctx.lexicon)
    iterator = iter(rows)
    batches = iter(lambda: list(itertools.islice(iterator, batch_size)), [])
    return store_batches(ctx, (reader.read(batch) for batch in batches), write_ahead=write_ahead)


Read = list[tuple[int, "usecases.Prepared | str"]]


def store_batches(
    ctx: usecases.Context,
    batches: Iterable[Read],
    counters: Counters | None = None,
    write_ahead: WriteAhead | None = None,
) -> ImportReport:
    """Store batches already read (see `Reader`), one transaction each, in order; then count the
    consensus of the groups they went to, sharing the count with `counters` when given.

    With `write_ahead` (see `writing_process`), each batch is written by another process while this
    one plans the next (`_Pipeline`); without, planned and written here, in the same transaction.
    """
    report = ImportReport()
    statistics = _Statistics(ctx)
    storing = _Pipeline(ctx, report, write_ahead)
    with _collecting_garbage_less_often():
        for batch in batches:
            ready: list[tuple[int, usecases.Prepared]] = []
            for line, item in batch:
                if isinstance(item, str):
                    report.rejected.append((line, item))
                else:
                    ready.append((line, item))
            storing.store(ready)
            statistics.after(report.stored)
        storing.finish()
        statistics.refresh()
        refresh_verdicts(ctx, report.groups, counters)
    return report


@dataclass(frozen=True)
class Plan:
    """A batch's writes, for a writing process to make if the store is still as it was planned on."""

    expected: LastIds  # the store's highest ids when it was planned, the batches before it stored
    seen: list[tuple[int, datetime]]  # the stored groups it adds to, with when they last changed
    writes: repo.Writes


# Hands a plan to a writing process; the answer is `write_plan`'s.
WriteAhead = Callable[[Plan], "Future[str | None]"]

# Why a writing process wrote nothing, other than the database refusing the writes.
STORED_MEANWHILE = "another writer stored claims meanwhile"
CHANGED_MEANWHILE = "another writer changed a group meanwhile"
WEBHOOK_MEANWHILE = "a webhook was registered meanwhile"
_OTHERS_CAME_IN = (STORED_MEANWHILE, CHANGED_MEANWHILE, WEBHOOK_MEANWHILE)


def write_plan(db: Database, plan: Plan) -> str | None:
    """In a writing process: a batch's writes in one transaction. None when they were made; else
    why nothing was written: the database refused them, or since the batch was planned another
    writer stored claims, changed a group the batch adds to (a claim retracted or ruled on), or
    registered a webhook (which wants the conflicts as POST finds them).

    On SQLite the write-ahead log is then copied whole into the database (`Database.checkpoint`):
    the importing process reads all along."""
    try:
        with db.writing() as session:
            if _last_ids(session) != plan.expected:
                return STORED_MEANWHILE
            if repo.updated_at_of(session, [i for i, _ in plan.seen]) != dict(plan.seen):
                return CHANGED_MEANWHILE
            if webhooks.any_registered(session):
                return WEBHOOK_MEANWHILE
            plan.writes.make(session)
    except DataError as exc:
        return f"the database refused it: {_first_line(exc.orig)}"
    db.checkpoint(whole=True)
    return None


_writing: Database | None = None  # a writing process's database


def _start_writing(database_url: str, busy_timeout_ms: int) -> None:
    global _writing
    gc.set_threshold(IMPORT_GC_THRESHOLD, *gc.get_threshold()[1:])
    _writing = Database(database_url, sqlite_busy_timeout_ms=busy_timeout_ms)
    _writing.cache_more_pages()
    atexit.register(_writing.dispose)  # its connection closed, not dropped, as the process ends


def _write_in_process(plan: Plan) -> str | None:
    assert _writing is not None, "a process started by `writing_process`"
    return write_plan(_writing, plan)


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """Processor time so far, user and system, of this process or (`resource.RUSAGE_CHILDREN`) of
    its children that have ended (an import's readers, once their pool is shut down)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class WritingProcess:
    """A process of its own that writes the batches planned in this one: called with a `Plan`, it
    hands it over (a `WriteAhead`)."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool

    def __call__(self, plan: Plan) -> Future[str | None]:
        return self.pool.submit(_write_in_process, plan)

    def cpu_seconds(self) -> float:
        """Its processor time so far, user and system."""
        return self.pool.submit(cpu_seconds).result()


@contextmanager
def writing_process(database_url: str, *, sqlite_busy_timeout_ms: int = 15_000) -> Iterator[WritingProcess]:
    """A `WritingProcess` on this database, for as long as the block lasts."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        1, mp_context=spawn, initializer=_start_writing, initargs=(database_url, sqlite_busy_timeout_ms)
    ) as pool:
        yield WritingProcess(pool)


class _Pipeline:
    """Stores an import's batches in order. With a writing process, each batch is planned here
    (matched, its groups counted in, its rows converted) while that process writes the one before,
    and planned on the database as committed with that batch's writes put over it (`_ReadsAhead`).

    A batch the writing process could not write (see `write_plan`) is stored here instead, and so
    is the one planned on it. Once another writer has come in between (or a webhook wants each
    conflict told as POST tells it), every batch left is stored here: with writers about, most
    batches planned ahead would be refused, each time after their matching. Stored here, a batch is
    matched and written under the writers' turn, `SERIAL_BATCH` claims a transaction.
    """

    def __init__(self, ctx: usecases.Context, report: ImportReport, write_ahead: WriteAhead | None) -> None:
        self.ctx = ctx
        self.report = report
        self.write_ahead = write_ahead
        self.index = FormIndex(lookups=True)
        self.sent: _Sent | None = None
        self.pending: tuple[_Planned, Future[str | None], list[tuple[int, usecases.Prepared]]] | None = None

    def store(self, ready: list[tuple[int, usecases.Prepared]]) -> None:
        if self.write_ahead is None:
            self._store_here(ready)
            return
        try:
            planned = self._plan(ready)
        except DataError:  # a value the database refuses even to compare: found as each is stored here
            planned = None
        if not self._settle():  # planned on a batch that was not written as planned
            self._store_here(ready)
            return
        if planned is None:  # (or a webhook registered: see `_plan`)
            self.index, self.sent = FormIndex(lookups=True), None  # it may hold forms never stored
            self._store_here(ready)
            return
        if planned.sent is None:  # nothing new to store
            planned.count_in(self.report)
            return
        self.sent = planned.sent
        self.pending = (planned, self.write_ahead(planned.plan), ready)

    def finish(self) -> None:
        self._settle()

    def _plan(self, ready: list[tuple[int, usecases.Prepared]]) -> _Planned | None:
        """The batch planned ahead; None with a webhook registered, and no batch planned ahead after."""
        with _planning(self.ctx.db) as session:
            if webhooks.any_registered(session):
                log.info("import: a webhook is registered; the batches left are stored as they are matched")
                self.write_ahead = None
                return None
            writes = repo.Writes(session.get_bind().dialect)
            return _plan(self.ctx, _ReadsAhead(session, self.sent), writes, self.index, [r for _, r in ready])

    def _settle(self) -> bool:
        """Wait for the batch being written; False if it was stored here instead (see the class)."""
        if self.pending is None:
            return True
        planned, written, ready = self.pending
        self.pending = None
        why = written.result()
        if why is None:
            planned.count_in(self.report)
            return True
        if why in _OTHERS_CAME_IN:
            log.info("import: %s; the batches left are stored as they are matched", why)
            self.write_ahead = None
        else:
            log.info("import: a batch of %d claims not written ahead: %s", len(ready), why)
        self.index, self.sent = FormIndex(lookups=True), None  # it holds forms never stored
        self._store_here(ready)
        return False

    def _store_here(self, ready: list[tuple[int, usecases.Prepared]]) -> None:
        for start in range(0, len(ready), SERIAL_BATCH):
            self.index = _store_split(self.ctx, self.index, ready[start : start + SERIAL_BATCH], self.report)


# Claims a transaction when a batch is matched and written in one (`_Pipeline`): the writers' turn
# is then held for both, so for a fraction of a larger batch planned ahead.
SERIAL_BATCH = 10_000


@contextmanager
def _planning(db: Database) -> Iterator[Session]:
    """A session for planning a batch beside the writing process: each statement reads the store as
    committed when it runs (for what that allows, see `_ReadsAhead`), in a transaction of its own.
    On SQLite no snapshot is then held across the planning, which would stop the writing process's
    checkpoints short of its last commit: the write-ahead log never started over and grew by all
    that was written (1.3 GB for 200,000 claims). It writes only a temporary table of its
    connection (a batch's bounds, `repo.possibly_conflicting_rows_of_groups`), which PostgreSQL
    lets no READ ONLY transaction (`Database.reading`) create. Takes no writer's turn."""
    autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    with Session(autocommit, expire_on_commit=False) as session:
        yield session


# Allocations between two of Python's youngest collections while an import stores its batches.
IMPORT_GC_THRESHOLD = 100_000


@contextmanager
def _collecting_garbage_less_often() -> Iterator[None]:
    """Python's cyclic collector runs after every 700 allocations of container objects not yet
    freed, by default, and walks the young objects each time: an import makes and keeps objects by
    the hundred thousand (rows, claims read, the form index), so at that pace the collector took a
    seventh of the storing process's time for almost nothing to collect (the rows are freed by
    their counts). For the import it runs some 140 times less often; the old setting is put back
    after."""
    before = gc.get_threshold()
    gc.set_threshold(IMPORT_GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _first_line(error: BaseException) -> str:
    """What the database said, without the lines it may add after (PostgreSQL's COPY adds where in
    its stream the row was, and the row's value): a rejected line is reported on one line."""
    primary = getattr(getattr(error, "diag", None), "message_primary", None)
    return primary or (str(error).splitlines() or [""])[0]


class _Statistics:
    """Keeps the database's planner statistics in step with an import (`repo.refresh_statistics`):
    whenever the claims table has doubled since the last refresh, and once at the end, so that the
    import's own lookups, and the requests served after it, are planned for the tables as they are.
    Into an empty store that is after the first batch (planned for the empty table, each of the
    second batch's fingerprint lookups read every claim), then as the claims stored double: a
    handful of refreshes for a million claims. Into a store of a million, a few thousand more
    change nothing the planner needs until the end."""

    def __init__(self, ctx: usecases.Context) -> None:
        self.ctx = ctx
        self.before = 0  # claims in the store when the import began
        if not ctx.db.is_sqlite:  # (SQLite keeps no statistics for an import to refresh)
            with ctx.db.reading() as session:  # claims are never deleted: the highest id is about the size
                self.before = repo.last_id(session, Claim)
        self.next_at = max(self.before, 1)  # claims stored by the import when the table has doubled

    def after(self, stored: int) -> None:
        if stored >= self.next_at:
            self.refresh()
            self.next_at = self.before + 2 * stored

    def refresh(self) -> None:
        if self.ctx.db.is_sqlite:
            return
        with self.ctx.db.engine.connect() as connection:
            repo.refresh_statistics(connection.execution_options(isolation_level="AUTOCOMMIT"))


class Reader:
    """`usecases.prepare` for many claims, with the subjects and values a newsroom repeats read once.

    Reading needs nothing but the lexicon, so it can run in another process than the storing.
    """

    def __init__(self, lexicon: matching.Lexicon) -> None:
        self.subject = lru_cache(maxsize=200_000)(lambda text: matching.normalise_subject(text, lexicon))
        self.value = lru_cache(maxsize=200_000)(self._value)

    def read(self, rows: Iterable[tuple[int, usecases.ClaimInput | str]]) -> Read:
        """(line, prepared claim), or (line, why it cannot be stored)."""
        read: Read = []
        for line, item in rows:
            if isinstance(item, str):
                read.append((line, item))
                continue
            try:
                read.append((line, self(item)))
            except DomainError as exc:
                read.append((line, exc.detail))
        return read

    def __call__(self, data: usecases.ClaimInput) -> usecases.Prepared:
        if isinstance(data.value, str):
            value = self.value(data.value, data.unit, data.language)
        else:
            value = usecases.read_value(data)
        return usecases.prepared(data, value, self.subject(data.subject))

    @staticmethod
    def _value(text: str, unit: str | None, language: str | None) -> Value:
        return usecases.read_value(usecases.ClaimInput(subject="", value=text, source_name="", unit=unit,
                                                       language=language))  # fmt: skip


def _store_split(
    ctx: usecases.Context, index: FormIndex, ready: list[tuple[int, usecases.Prepared]], report: ImportReport
) -> FormIndex:
    """Store a batch; if the database refuses it, store each half alone, down to the refused claims.

    Returns the form index to go on with (a new one after a refusal: the refused batch's forms
    were added to the old one and never stored).
    """
    if not ready:
        return index
    try:
        planned = _store_batch(ctx, index, [r for _, r in ready])
    except DataError as exc:
        index = FormIndex(lookups=True)
        if len(ready) == 1:
            report.rejected.append((ready[0][0], f"the database refused it: {_first_line(exc.orig)}"))
            return index
        half = len(ready) // 2
        index = _store_split(ctx, index, ready[:half], report)
        return _store_split(ctx, index, ready[half:], report)
    planned.count_in(report)
    return index


def _store_batch(ctx: usecases.Context, index: FormIndex, batch: list[usecases.Prepared]) -> _Planned:
    """One transaction: the batch planned and written as it is planned."""
    with ctx.db.writing() as session:
        writes = repo.Writes(session.get_bind().dialect, session)
        return _plan(ctx, _StoredReads(session), writes, index, batch)


LastIds = tuple[int, int, int]  # the highest ids of groups, subject forms and claims


def _last_ids(session: Session) -> LastIds:
    return repo.last_id(session, Group), repo.last_id(session, SubjectForm), repo.last_id(session, Claim)


@dataclass
class _Sent:
    """What a batch handed to the writing process stores, which the database may not show yet:
    what planning the next batch reads over the database's own (`_ReadsAhead`)."""

    fingerprints: set[str]
    first_claim: int  # the id of its first claim
    last_ids: LastIds  # after it
    groups: dict[int, SimpleNamespace]  # every group it stored claims in, as it leaves them
    claims: dict[int, list[verdicts.ClaimView]]  # its claims, by group, in order
    quoted: dict[int, list[tuple[Any, ...]]]  # its quoted claims by group, in order: (id, quote, origin,
    # source name, source key)


@dataclass
class _Planned:
    """A batch matched and counted in: what it stores, and the writes that store it."""

    stored: int
    repeated: int
    groups: set[int]  # the groups its claims go to
    plan: Plan
    sent: _Sent | None  # None when it stores nothing

    def count_in(self, report: ImportReport) -> None:
        report.stored += self.stored
        report.already_stored += self.repeated
        report.groups |= self.groups


def _plan(
    ctx: usecases.Context, reads: _StoredReads, writes: repo.Writes, index: FormIndex,
    batch: list[usecases.Prepared],
) -> _Planned:  # fmt: skip
    """Match the batch's claims in order and count them into their groups, as POST would one after
    the other, handing what to write to `writes`.

    The store's highest ids are read first: whatever another writer commits after them changes
    them, and a batch planned ahead is then not written (`write_plan`)."""
    last = reads.last_ids()
    index.catch_up(reads.session)
    present = reads.fingerprints_present([r.fingerprint for r in batch])
    fresh: list[usecases.Prepared] = []
    for ready in batch:
        if ready.fingerprint not in present:
            present.add(ready.fingerprint)
            fresh.append(ready)
    if not fresh:
        return _Planned(0, len(batch), set(), Plan(last, [], writes), None)
    topics = {slug: r.data.topic for r in fresh if r.data.topic and (slug := usecases.slugify(r.data.topic))}
    writes.topics(topics)  # type: ignore[arg-type]

    writer = _BatchWriter(reads, index, last)
    for ready in fresh:
        writer.place(ready)
    writer.write(writes)
    seen, groups, claims = _bring_groups_up_to_date(ctx, reads, writes, writer)
    quoted = {
        gid: [(r["id"], r["quote"], r["origin"], r["source_name"], r["source_key"]) for r in rows]
        for gid, rows in writer.quoted.items()
    }
    fingerprints = {r.fingerprint for r in fresh}
    sent = _Sent(fingerprints, writer.first_new_claim, writer.last_ids(), groups, claims, quoted)
    return _Planned(len(fresh), len(batch) - len(fresh), set(groups), Plan(last, seen, writes), sent)


class _StoredReads:
    """What planning a batch reads of the store: here straight from the database, in the
    transaction that writes the batch (`_ReadsAhead` for a batch planned ahead)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # When groups last changed, read before anything else of them (see `_ReadsAhead`).
        self.seen: dict[int, datetime] = {}

    def fingerprints_present(self, fingerprints: list[str]) -> set[str]:
        return repo.fingerprints_present(self.session, fingerprints)

    def last_ids(self) -> LastIds:
        return _last_ids(self.session)

    def quoted_of_others(self, group_id: int, source_key: str, limit: int) -> list[tuple[Any, ...]]:
        """(id, quote, origin, source name) of the group's latest quoted claims by other sources."""
        return [tuple(row) for row in repo.quoted_claims_of_others(self.session, group_id, source_key, limit)]

    def groups(self, ids: list[int]) -> dict[int, SimpleNamespace]:
        """Stored groups as plain objects with their attributes, but for the conflicts they list:
        how many (`listed`), not the list (see `repo.group_rows`)."""
        rows = repo.group_rows(self.session, ids, conflicts=False)
        return {gid: SimpleNamespace(**row._mapping) for gid, row in rows.items()}

    def conflict_lists(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        return repo.conflict_lists(self.session, ids)

    def earlier(
        self, bounds: list[tuple[int, float | None, float | None, bool]], before: int
    ) -> dict[int, list[verdicts.ClaimView]]:
        """The counted claims before id `before` of each group whose values may not overlap its new
        ones' (`bounds`: see `repo.possibly_conflicting_rows_of_groups`), in id order."""
        rows = repo.possibly_conflicting_rows_of_groups(self.session, bounds, before)
        return {gid: usecases.claim_views(found) for gid, found in rows.items()}

    def alerts(self) -> bool:
        """Whether webhooks want each conflicting claim (then as POST looks for them)."""
        return webhooks.any_registered(self.session)


class _ReadsAhead(_StoredReads):
    """What planning a batch reads while the writing process may still be storing the batch before
    (`sent`): the database as committed, with what that batch stores put over it. Claims are read
    from the database only up to that batch's first, so a read finds each claim once whether or not
    the batch is committed when it runs; the groups it touched are taken as it leaves them.

    What another writer stores meanwhile may be read in part: the writing process stores a batch
    only if the store's highest ids are still the ones read before anything else (`_plan`), and the
    groups it adds to have not changed since they were first read (`seen`: a group whose quoted
    claims a new one is compared with is read before the others are, `_BatchWriter._copied`).

    Its `alerts` are never: the caller looks for webhooks before planning (`_Pipeline`), and the
    writing process under the writers' turn."""

    def __init__(self, session: Session, sent: _Sent | None) -> None:
        super().__init__(session)
        self.sent = sent

    def fingerprints_present(self, fingerprints: list[str]) -> set[str]:
        present = super().fingerprints_present(fingerprints)
        if self.sent is not None:
            present.update(f for f in fingerprints if f in self.sent.fingerprints)
        return present

    def last_ids(self) -> LastIds:
        return super().last_ids() if self.sent is None else self.sent.last_ids

    def quoted_of_others(self, group_id: int, source_key: str, limit: int) -> list[tuple[Any, ...]]:
        touched = {} if self.sent is None else self.sent.groups
        if group_id not in touched and group_id not in self.seen:  # when it changed, before its claims
            self.seen.update(repo.updated_at_of(self.session, [group_id]))
        if self.sent is None:
            return super().quoted_of_others(group_id, source_key, limit)
        sent = self.sent.quoted.get(group_id, [])
        found = [q[:4] for q in reversed(sent) if q[4] != source_key][:limit]
        if len(found) < limit:  # (the sent batch's own, if committed, come first: read past them)
            stored = super().quoted_of_others(group_id, source_key, limit - len(found) + len(sent))
            found += [q for q in stored if q[0] < self.sent.first_claim][: limit - len(found)]
        return found

    def groups(self, ids: list[int]) -> dict[int, SimpleNamespace]:
        touched = {} if self.sent is None else self.sent.groups
        found = super().groups([i for i in ids if i not in touched])
        found.update((i, SimpleNamespace(**vars(touched[i]))) for i in ids if i in touched)
        return found

    def conflict_lists(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        touched = {} if self.sent is None else self.sent.groups
        changed = {i for i in ids if i in touched and hasattr(touched[i], "conflicts")}
        found = super().conflict_lists([i for i in ids if i not in changed])
        found.update((i, list(touched[i].conflicts)) for i in changed)
        return found

    def earlier(
        self, bounds: list[tuple[int, float | None, float | None, bool]], before: int
    ) -> dict[int, list[verdicts.ClaimView]]:
        if self.sent is None:
            return super().earlier(bounds, before)
        found = super().earlier(bounds, self.sent.first_claim)
        for group_id, views in found.items():
            views += self.sent.claims.get(group_id, [])
        return found

    def alerts(self) -> bool:
        return False  # (see the class)


@dataclass
class _New:
    """A claim of the batch, as it will be stored."""

    row: dict[str, Any]
    ready: usecases.Prepared
    opened_group: bool  # the first claim of a new group


class _BatchWriter:
    """Matches a batch's claims in order and collects the rows to write, with their ids."""

    def __init__(self, reads: _StoredReads, index: FormIndex, last: LastIds) -> None:
        self.reads = reads
        self.index = index
        self.next_group, self.next_form, self.next_claim = (i + 1 for i in last)
        self.first_new_group = self.next_group
        self.first_new_claim = self.next_claim
        self.groups: list[dict[str, Any]] = []
        self.forms: list[dict[str, Any]] = []
        self.keys: list[tuple[str, int]] = []
        self.claims: list[_New] = []
        self.topic_of_joined: dict[int, str] = {}  # a group without a topic takes its first one
        self.quoted: dict[int, list[Any]] = defaultdict(list)  # this batch's quoted claims by group

    def last_ids(self) -> LastIds:
        return self.next_group - 1, self.next_form - 1, self.next_claim - 1

    def place(self, ready: usecases.Prepared) -> None:
        data, value, subject = ready.data, ready.value, ready.subject
        measure = matching.measure_of(value.dimension, value.unit)
        topic_slug = usecases.slugify(data.topic) if data.topic else None
        best = self.index.best(subject, measure, data.event_date)
        if best is None:
            group_id, similarity = self.next_group, None
            self.next_group += 1
            self.groups.append({"id": group_id, "label": data.subject, "topic_slug": topic_slug or None,
                                "dimension": value.dimension, "unit": value.unit,
                                "event_date": data.event_date, "conflicts": []})  # fmt: skip
        else:
            group_id, similarity = best
            if topic_slug and group_id < self.first_new_group:
                self.topic_of_joined.setdefault(group_id, topic_slug)
        opened = best is None
        key = (measure, subject.pins, data.event_date)
        if opened or not self.index.has(key, group_id, subject.form):
            self._add_form(group_id, subject, measure, data.event_date)
        row = usecases.claim_fields(ready, topic_slug, similarity)
        row.update(id=self.next_claim, group_id=group_id, copy_of=None)
        self.next_claim += 1
        if not opened and data.origin is None:
            row["copy_of"], row["origin"] = self._copied(group_id, row)
        if row["quote"] is not None:
            self.quoted[group_id].append(row)
        self.claims.append(_New(row, ready, opened))

    def _add_form(self, group_id: int, subject: Subject, measure: str, event_date: date | None) -> None:
        form_id = self.next_form
        self.next_form += 1
        self.forms.append(
            {"id": form_id, "group_id": group_id, "form": subject.form, "measure": measure,
             "event_date": event_date, "pins": subject.pins, "generic": subject.generic}
        )  # fmt: skip
        self.keys += [(k, form_id) for k in sorted(set(matching.blocking_keys(subject, measure)))]
        if not subject.generic:
            self.index.add((measure, subject.pins, event_date), group_id, subject.form)

    def _copied(self, group_id: int, row: dict[str, Any]) -> tuple[int | None, str | None]:
        """As POST's copy check: the latest quoted claims of other sources, this batch's first."""
        quote = row["quote"]
        if not copies.long_enough(quote):
            return None, None
        mine = row["source_key"]
        others = [
            (o["id"], o["quote"], o["origin"], o["source_name"])
            for o in reversed(self.quoted.get(group_id, []))
            if o["source_key"] != mine
        ][: usecases.COPY_CANDIDATES]
        if len(others) < usecases.COPY_CANDIDATES and group_id < self.first_new_group:
            others += self.reads.quoted_of_others(group_id, mine, usecases.COPY_CANDIDATES - len(others))
        copied = copies.near_copy(quote, ((o[0], o[1]) for o in others))
        if copied is None:
            return None, None
        original = next(o for o in others if o[0] == copied)
        return copied, original[2] or original[3]

    def write(self, writes: repo.Writes) -> None:
        writes.insert(Group, self.groups)
        writes.insert(SubjectForm, self.forms)
        writes.form_keys(self.keys)
        writes.insert(Claim, [new.row for new in self.claims])
        writes.id_sequences(Group, SubjectForm, Claim)
        self.index.last_seen = self.next_form - 1  # the batch's own forms are in the index already


# A new group's attributes before its first claim: each column's plain default, or None.
_NEW_GROUP = {
    column.key: column.default.arg if column.default is not None and column.default.is_scalar else None
    for column in Group.__table__.c
}


def _bring_groups_up_to_date(
    ctx: usecases.Context, reads: _StoredReads, writes: repo.Writes, writer: _BatchWriter
) -> tuple[list[tuple[int, datetime]], dict[int, SimpleNamespace], dict[int, list[verdicts.ClaimView]]]:
    """Each touched group's size, tallies and conflicts, as after posting its claims in order.

    The conflicts a claim adds are looked for among the group's earlier claims in memory (only
    those whose values may not overlap, read once per batch for groups whose listed conflicts have
    room), unless webhooks want each conflicting claim: then as POST looks for them. Tallies are
    added to without being read. Sources and consensus, which depend on all of a group's tallies,
    are brought up to date once at the end of the import (`refresh_verdicts`).

    Returns the stored groups it adds to with when they last changed (their `updated_at` as
    read), the touched groups as they are left, and the batch's claims by group.
    """
    by_group: dict[int, list[_New]] = defaultdict(list)
    for new in writer.claims:
        by_group[new.row["group_id"]].append(new)
    ids = sorted(by_group)
    stored = [i for i in ids if i < writer.first_new_group]
    # Plain objects with a group's attributes, but for the conflicts it lists: how many (`listed`),
    # and the list itself only for the groups it may grow in; one statement writes them all.
    groups = reads.groups(stored)
    seen = [(i, reads.seen.get(i, groups[i].updated_at)) for i in stored]
    groups.update((row["id"], SimpleNamespace(**{**_NEW_GROUP, **row}, listed=0)) for row in writer.groups)
    alerts = reads.alerts()
    with_room = [i for i in stored if groups[i].listed < usecases.MAX_CONFLICTS_LISTED]
    # Webhooks are told of a group as it stands, its full list too: read before. Otherwise only
    # the lists that grow are read, once their new conflicts are known.
    lists = reads.conflict_lists([i for i in stored if groups[i].listed > 0]) if alerts else {}
    earlier: dict[int, list[verdicts.ClaimView]] = {}
    if not alerts:
        earlier = reads.earlier([_bounds(i, by_group[i]) for i in with_room], writer.first_new_claim)
    window = ctx.conflict_window_days
    tallies: dict[tuple[int, str, str, str], dict[str, Any]] = {}
    grown: dict[int, list[dict[str, Any]]] = {}  # the conflicts added to each group's list
    unchanged: list[Any] = []
    claims: dict[int, list[verdicts.ClaimView]] = {}
    session = reads.session
    now = utcnow()
    for group_id in ids:
        group = groups[group_id]
        if group_id in writer.topic_of_joined and group.topic_slug is None:
            group.topic_slug = writer.topic_of_joined[group_id]
        was_conflict = bool(group.conflict)
        added: list[dict[str, Any]] = []
        pool = _EarlierClaims(earlier.get(group_id, []))
        mine_all = claims[group_id] = []
        group.size = group.size or 0
        for new in by_group[group_id]:
            claim = SimpleNamespace(**new.row)
            _count(tallies, claim)
            group.size += 1  # as POST tells webhooks: the claim counted in
            mine = usecases.claim_view_of_fields(new.row)
            mine_all.append(mine)
            room = usecases.MAX_CONFLICTS_LISTED - group.listed - len(added)
            if new.opened_group or (room <= 0 and not alerts):
                pool.add(mine)
                continue
            if alerts:
                found = _conflicts_in_database(ctx, session, claim.id, room)
                views = usecases.claim_views(found)
            else:
                views = pool.conflicting(mine, room, window)
            added += usecases.conflicts_json(
                verdicts.conflict_between(other, mine) for other in views[: max(room, 0)]
            )
            if alerts and found:  # as POST: told with the group's list as it now stands
                group.conflicts, group.conflict = lists.get(group_id, []) + added, True
                if not was_conflict:
                    webhooks.group_conflict(session, group)  # type: ignore[arg-type]
                    was_conflict = True
                _tell_webhooks(session, group, claim.id, found)
            pool.add(mine)
        group.updated_at = now
        group.behind_since = group.behind_since or now  # counted at the end (`refresh_verdicts`)
        if added:
            grown[group_id] = added
        else:
            unchanged.append(group)
    if not alerts:
        lists = reads.conflict_lists([i for i in grown if groups[i].listed > 0])
    with_new_conflicts = []
    for group_id, added in grown.items():  # only a list with room grows
        group = groups[group_id]
        group.conflicts, group.conflict = lists.get(group_id, []) + added, True
        group.listed = len(group.conflicts)
        with_new_conflicts.append(group)
    writes.tallies(list(tallies.values()))
    writes.verdicts(
        with_new_conflicts, ("topic_slug", "size", "conflict", "conflicts", "updated_at", "behind_since")
    )
    writes.verdicts(unchanged, ("topic_slug", "size", "updated_at", "behind_since"))
    return seen, groups, claims


# Groups counted a read, and a transaction, at the end of an import.
COUNT_CHUNK = 500

# A chunk of groups counted from their tallies (`count_groups`): when the reading began, and for
# each group its id, sources, origins and consensus, with the `updated_at` it had when read.
Counted = tuple[datetime, list[tuple[int, int, int, Any, datetime]]]


@dataclass(frozen=True)
class Counters:
    """Other processes that count chunks of groups (`count_groups`) for an import's final count:
    its reading processes, idle once the last line is read."""

    count: Callable[[list[int]], Future[Counted]]
    processes: int


def count_groups(db: Database, ids: list[int]) -> Counted:
    """These groups' sources, origins and consensus from their tallies, in one reading transaction:
    what `repo.set_counted` writes. Reads only, so it runs in any process that opens the database."""
    started = utcnow()
    with db.reading() as session:
        counted = usecases.count_groups(session, ids, repo.estimates(session), chunk=len(ids))
    return started, [(g.id, g.sources, g.origins, g.consensus, seen) for g, seen in counted]


def refresh_verdicts(
    ctx: usecases.Context,
    group_ids: Iterable[int],
    counters: Counters | None = None,
    per_chunk: int = COUNT_CHUNK,
) -> None:
    """Sources, origins and consensus of these groups from their tallies (their size and conflicts
    are kept up to date as claims are stored), a few hundred groups a chunk.

    Counting reads; only writing the counts takes the writers' turn, one short transaction a chunk.
    Each chunk is counted by this process or, when `counters` are given, by one of them while this
    one counts the others: counting is most of the work, and an import's last batch leaves its
    reading processes idle. A count is written as `count_behind` writes one (`repo.set_counted`),
    so a claim another writer stores between the reading and the writing is never undone: its
    group keeps the count that writer made, or stays behind for the background count.
    """
    ids = sorted(group_ids)
    chunks = deque(ids[start : start + per_chunk] for start in range(0, len(ids), per_chunk))
    elsewhere: deque[Future[Counted]] = deque()
    while chunks or elsewhere:
        while counters is not None and chunks and len(elsewhere) <= counters.processes:
            elsewhere.append(counters.count(chunks.popleft()))
        if elsewhere and (elsewhere[0].done() or not chunks):
            counted = elsewhere.popleft().result()
        else:  # this process counts from the other end meanwhile
            counted = count_groups(ctx.db, chunks.pop())
        _write_counted(ctx, counted)


def _write_counted(ctx: usecases.Context, counted: Counted) -> None:
    started, rows = counted
    groups = [
        (SimpleNamespace(id=group_id, sources=sources, origins=origins, consensus=consensus), seen)
        for group_id, sources, origins, consensus, seen in rows
    ]
    with ctx.db.writing() as session:
        repo.set_counted(session, groups, started)


def _conflicts_in_database(
    ctx: usecases.Context, session: Session, claim_id: int, room: int
) -> list[repo.ClaimRow]:
    """As POST: the claim's conflicts with the earlier claims of its group, looked up in the database."""
    claim = session.get_one(Claim, claim_id)
    return usecases.conflicts_of(ctx, session, claim, max(room, usecases.MAX_GROUP_MATCHES), before=claim_id)


def _tell_webhooks(session: Session, group: Any, claim_id: int, conflicting: list[repo.ClaimRow]) -> None:
    claim = session.get_one(Claim, claim_id)
    webhooks.claim_conflicts(session, claim, group, conflicting[: usecases.MAX_GROUP_MATCHES])


def _bounds(group_id: int, news: list[_New]) -> tuple[int, float | None, float | None, bool]:
    """What earlier claims of the group any of the new ones may conflict with (see the repository)."""
    slack = repo.PREFILTER_SLACK
    lows = [low - abs(low) * slack for n in news if (low := n.row["value_low"]) is not None]
    highs = [high + abs(high) * slack for n in news if (high := n.row["value_high"]) is not None]
    labels = any(n.row["value_label"] is not None for n in news)
    return group_id, max(lows, default=None), min(highs, default=None), labels


class _EarlierClaims:
    """A group's earlier claims, kept so that those whose values may not overlap a new one are
    found without a scan: the same prefilter as `repository.possibly_conflicting_rows`, in memory."""

    def __init__(self, views: Iterable[verdicts.ClaimView] = ()) -> None:
        self.by_id: dict[int, verdicts.ClaimView] = {}
        self.highs: list[tuple[float, int]] = []  # widened high, id: ascending
        self.lows: list[tuple[float, int]] = []  # widened low, id: ascending
        for view in views:
            self.add(view)

    def add(self, view: verdicts.ClaimView) -> None:
        self.by_id[view.id] = view
        low, high = view.value.low, view.value.high
        if high is not None:
            bisect.insort(self.highs, (high + abs(high) * repo.PREFILTER_SLACK, view.id))
        if low is not None:
            bisect.insort(self.lows, (low - abs(low) * repo.PREFILTER_SLACK, view.id))

    def conflicting(self, mine: verdicts.ClaimView, limit: int, window_days: int) -> list[verdicts.ClaimView]:
        """The earlier claims `mine` conflicts with, oldest first, at most `limit` of them."""
        value = mine.value
        if value.label is not None:
            ids = [i for i, other in self.by_id.items() if other.value.label != value.label]
        else:
            ids = []
            if value.low is not None:
                below = value.low - abs(value.low) * repo.PREFILTER_SLACK
                ids += [i for _, i in self.highs[: bisect.bisect_left(self.highs, (below, -1))]]
            if value.high is not None:
                above = value.high + abs(value.high) * repo.PREFILTER_SLACK
                ids += [i for _, i in self.lows[bisect.bisect_right(self.lows, (above, math.inf)) :]]
        found: list[verdicts.ClaimView] = []
        for i in sorted(set(ids)):
            other = self.by_id[i]
            if verdicts.relation(other, mine, window_days) == verdicts.CONFLICTS:
                found.append(other)
                if len(found) >= limit:
                    break
        return found


def _count(tallies: dict[tuple[int, str, str, str], dict[str, Any]], claim: Any) -> None:
    """Count the claim into the batch's additions to its group's tallies."""
    origin = usecases.origin_key(claim.origin, claim.source_name)
    value_key = repo.value_key(claim.value_low, claim.value_high, claim.value_label)
    key = (claim.group_id, claim.source_key, origin, value_key)
    added = tallies.get(key)
    if added is None:
        added = tallies[key] = repo.tally_fields(claim, origin, value_key)
    added["claims"] += 1
