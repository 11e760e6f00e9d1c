"""Bulk import stores what posting the same claims one by one would store.

The claims come from the benchmark's generator (near-duplicate subjects in both languages, typos,
other periods, conflicting values), with repeats, quotes copied between outlets, declared
origins, generic subjects and values given as parts mixed in. The store after posting them one by
one is compared with the store after importing them in small batches, without ids: groups as sets
of claims, their verdicts, tallies, each claim's similarity and the claim it copies.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import multiprocessing
import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError

from bench.generator import Corpus
from schemas import ClaimIn
from service import bulk, usecases, webhooks
from service.storage import repository as repo
from service.storage.models import Base, Claim, Group, GroupTally, OutboxEvent, SubjectForm, utcnow

LONG_QUOTES = [
    "Menurut data terakhir yang kami terima dari posko, jumlah korban terus bertambah sejak pagi tadi",
    "The agency said late on Tuesday that the figure would be revised once the teams reach the villages",
]


def _bodies(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    bodies = [claim.body() for claim in Corpus(seed, count, subjects=60, sources=12).claims()]
    for body in bodies:
        roll = rng.random()
        if roll < 0.08:  # a wire story printed again: the same long quote from another outlet
            body["quote"] = rng.choice(LONG_QUOTES)
        elif roll < 0.12:
            body["origin"] = rng.choice(["Antara", "Reuters"])
        elif roll < 0.14:
            body["subject"] = "jumlah korban"  # too generic to join anything
        elif roll < 0.16 and body["value"][0].isdigit() and body["value"].split()[0].isdigit():
            body["value"] = {"amount": float(body["value"].split()[0])}
    bodies += [dict(rng.choice(bodies)) for _ in range(count // 10)]  # repeats: stored once
    rng.shuffle(bodies)
    return bodies


def _snapshot(ctx) -> dict[str, Any]:
    """The store without its ids: claims by fingerprint, groups by the fingerprints of their claims."""
    with ctx.db.reading() as session:
        claims = list(session.scalars(select(Claim).order_by(Claim.id)))
        fp = {c.id: c.fingerprint for c in claims}
        members: dict[int, list[str]] = {}
        for c in claims:
            members.setdefault(c.group_id, []).append(c.fingerprint)
        key = {gid: frozenset(fps) for gid, fps in members.items()}
        groups = {}
        for g in session.scalars(select(Group)):
            pairs = Counter(frozenset(fp[int(i)] for i in c["claims"]) for c in g.conflicts)
            groups[key[g.id]] = (g.label, g.topic_slug, g.size, g.sources, g.origins, g.conflict,
                                 g.consensus, pairs)  # fmt: skip
        tallies = Counter(
            (key[t.group_id], t.source_key, t.origin_key, t.value_key, t.claims)
            for t in session.scalars(select(GroupTally))
        )
        forms = Counter(
            (key[f.group_id], f.form, f.pins, f.generic) for f in session.scalars(select(SubjectForm))
        )
        per_claim = {
            c.fingerprint: (c.similarity, c.origin, fp.get(c.copy_of), c.topic_slug, c.subject_form)
            for c in claims
        }
    return {"groups": groups, "tallies": tallies, "forms": forms, "claims": per_claim}


def _empty(ctx) -> None:
    with ctx.db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def _loaded(bodies: list[dict[str, Any]]) -> list[tuple[int, usecases.ClaimInput]]:
    schema = ClaimIn()
    return [(line, schema.load(body)) for line, body in enumerate(bodies, start=1)]


def _events(ctx) -> Counter:
    """The webhook events written: their kind, for a claim's conflicts which claims, and the group as
    told (its size and how many conflicts it listed then)."""
    with ctx.db.reading() as session:
        fp = dict(session.execute(select(Claim.id, Claim.fingerprint)).all())
        events = session.scalars(select(OutboxEvent)).all()
        return Counter(
            (e.type, fp[int(e.payload["claim"]["id"])] if "claim" in e.payload else None,
             frozenset(fp[int(c["id"])] for c in e.payload.get("conflicts_with", [])),
             e.payload["group"]["conflict"], len(e.payload["group"]["conflicts"]), e.payload["group"]["size"])
            for e in events
        )  # fmt: skip


class _Watched:
    """A `bulk.WriteAhead` that keeps what it was handed, and each answer: a writing process of its
    own (as `ceksilang import` starts one), or a thread of this one (where a test can change what
    the database does)."""

    def __init__(self, write: Any) -> None:
        self.write = write
        self.plans: list[bulk.Plan] = []
        self.answers: list[Future[str | None]] = []

    def __call__(self, plan: bulk.Plan) -> Future[str | None]:
        self.plans.append(plan)
        self.answers.append(self.write(plan))
        return self.answers[-1]

    def refusals(self) -> list[str | None]:
        return [answer.result() for answer in self.answers if answer.result() is not None]


@pytest.fixture(scope="module")
def writing_process(database_url: str) -> Iterator[bulk.WritingProcess]:
    with bulk.writing_process(database_url) as process:
        yield process


@pytest.fixture
def ahead(writing_process) -> _Watched:
    return _Watched(writing_process)


@pytest.fixture
def ahead_in_a_thread(ctx) -> Iterator[_Watched]:
    with ThreadPoolExecutor(1) as pool:
        yield _Watched(partial(pool.submit, bulk.write_plan, ctx.db))


@pytest.mark.parametrize(
    ("seed", "hooked", "write_ahead"),
    [
        (3, False, False),
        (11, False, False),
        (7, True, False),
        (3, False, True),
        (13, False, True),
        (7, True, True),
    ],
)
def test_bulk_import_stores_what_posting_one_by_one_stores(
    ctx, request, seed: int, hooked: bool, write_ahead: bool
) -> None:
    rows = _loaded(_bodies(seed, 700))
    if hooked:  # every conflict is then an event too
        webhooks.register(ctx.db, "https://example.org/hook", None, None)
    for _, data in rows:
        usecases.post_claim(ctx, data)
    while usecases.count_behind(ctx):  # large groups' consensus, as the background pass counts it
        pass
    one_by_one = _snapshot(ctx)
    posted_events = _events(ctx)
    _empty(ctx)
    if hooked:
        webhooks.register(ctx.db, "https://example.org/hook", None, None)
    watched = request.getfixturevalue("ahead") if write_ahead else None
    report = bulk.import_claims(ctx, rows, batch_size=97, write_ahead=watched)
    imported = _snapshot(ctx)
    assert _events(ctx) == posted_events
    assert bool(posted_events) is hooked
    if watched is not None:  # each batch written by the writing process, but with webhooks: none
        assert len(watched.plans) == (0 if hooked else (len(rows) + 96) // 97)
        assert not watched.refusals()

    assert report.stored == len(one_by_one["claims"]) and not report.rejected
    assert report.already_stored == len(rows) - report.stored
    assert len(one_by_one["groups"]) < report.stored / 2  # the claims did group
    assert any(v[5] for v in one_by_one["groups"].values())  # and some groups conflict
    assert any(c[2] for c in one_by_one["claims"].values())  # and some quotes were copies
    assert imported["claims"] == one_by_one["claims"]
    assert imported["groups"] == one_by_one["groups"]
    assert imported["tallies"] == one_by_one["tallies"]
    assert imported["forms"] == one_by_one["forms"]


def test_importing_again_stores_nothing_new(ctx) -> None:
    rows = _loaded(_bodies(5, 300))
    first = bulk.import_claims(ctx, rows, batch_size=64)
    before = _snapshot(ctx)
    second = bulk.import_claims(ctx, rows, batch_size=64)
    assert second.stored == 0 and second.already_stored == len(rows)
    assert first.stored > 0 and _snapshot(ctx) == before


def test_a_claim_posted_between_batches_is_matched_by_the_next(ctx) -> None:
    schema = ClaimIn()
    between = schema.load({"subject": "korban tewas gempa Sumedang 2024", "value": "12 orang",
                           "source": {"name": "Kompas"}})  # fmt: skip
    later = {"subject": "korban tewas gempa Sumedng 2024", "value": "14 orang", "source": {"name": "Tempo"}}

    def rows():
        yield from _loaded(_bodies(2, 100))
        posted.append(usecases.post_claim(ctx, between))  # another writer, while the import runs
        yield 101, schema.load(later)

    posted: list[usecases.PostedClaim] = []
    report = bulk.import_claims(ctx, rows(), batch_size=100)
    assert report.stored >= 1 and posted
    with ctx.db.reading() as session:
        late = repo.claim_by_fingerprint(session, _fingerprint(ctx, later))
        assert late is not None and late.group_id == posted[0].group.id


def test_a_claim_posted_while_a_batch_is_written_ahead_is_matched_by_the_next(ctx, ahead) -> None:
    schema = ClaimIn()
    between = schema.load({"subject": "korban tewas gempa Sumedang 2024", "value": "12 orang",
                           "source": {"name": "Kompas"}})  # fmt: skip
    later = {"subject": "korban tewas gempa Sumedng 2024", "value": "14 orang", "source": {"name": "Tempo"}}
    bodies = _bodies(5, 300)

    def rows():
        yield from _loaded(bodies)
        ahead.answers[-1].result()  # the last batch is written (or refused) before the claim is posted
        posted.append(usecases.post_claim(ctx, between))  # another writer, while the import runs
        yield len(bodies) + 1, schema.load(later)

    posted: list[usecases.PostedClaim] = []
    report = bulk.import_claims(ctx, rows(), batch_size=100, write_ahead=ahead)
    # The last batch, planned after the claim was posted but on the ids the batch before it left,
    # was refused by the writing process, and stored by the importing one instead: matched against
    # the claim.
    assert ahead.refusals() == [bulk.STORED_MEANWHILE]
    assert report.stored >= 1 and not report.rejected
    with ctx.db.reading() as session:
        late = repo.claim_by_fingerprint(session, _fingerprint(ctx, later))
        assert late is not None and late.group_id == posted[0].group.id
        assert session.scalar(select(func.count()).select_from(Claim)) == report.stored + 1


def test_a_group_changed_while_a_batch_is_written_ahead_keeps_the_change(ctx) -> None:
    bodies = _bodies(29, 400)
    first = bulk.import_claims(ctx, _loaded(bodies[:200]), batch_size=100)
    retracted: list[int] = []

    def retract_then_write(plan: bulk.Plan) -> Future[str | None]:
        if not retracted:  # an editor retracts a claim of a group the batch adds to, meanwhile
            with ctx.db.reading() as session:
                group_id = max(plan.seen)[0]
                claim = session.scalars(select(Claim).where(Claim.group_id == group_id)).first()
            usecases.retract_claim(ctx, str(claim.id))
            retracted.append(group_id)
        done: Future[str | None] = Future()
        done.set_result(bulk.write_plan(ctx.db, plan))
        return done

    watched = _Watched(retract_then_write)
    report = bulk.import_claims(ctx, _loaded(bodies[200:]), batch_size=100, write_ahead=watched)
    # Refused, the batch was stored by the importing process, and so was the one after it: with
    # another writer about, every batch left is.
    assert watched.refusals() == [bulk.CHANGED_MEANWHILE] and len(watched.plans) == 1
    assert report.stored > 150 and not report.rejected
    with ctx.db.reading() as session:
        listed = dict(
            session.execute(
                select(Claim.group_id, func.count())
                .where(Claim.retracted_at.is_(None))
                .group_by(Claim.group_id)
            ).all()
        )
        sizes = dict(session.execute(select(Group.id, Group.size)).all())
        assert session.scalar(select(func.count()).select_from(Claim)) == first.stored + report.stored
    assert sizes == {gid: listed.get(gid, 0) for gid in sizes}  # the retraction counted out, not undone


def test_a_webhook_registered_while_a_batch_is_written_ahead_is_told_of_the_conflicts_after(ctx) -> None:
    def register_then_write(plan: bulk.Plan) -> Future[str | None]:
        if len(watched.plans) == 2:  # as the second batch is handed over, the first written
            with ctx.db.reading() as session:
                written_before.append(session.scalar(select(func.max(Claim.id))))
            webhooks.register(ctx.db, "https://example.org/hook", None, None)
        done: Future[str | None] = Future()
        done.set_result(bulk.write_plan(ctx.db, plan))
        return done

    written_before: list[int] = []
    watched = _Watched(register_then_write)
    report = bulk.import_claims(ctx, _loaded(_bodies(31, 500)), batch_size=100, write_ahead=watched)
    assert watched.refusals() == [bulk.WEBHOOK_MEANWHILE] and len(watched.plans) == 2
    assert report.stored > 400 and not report.rejected
    with ctx.db.reading() as session:
        told = {
            int(e.payload["claim"]["id"])
            for e in session.scalars(select(OutboxEvent))
            if "claim" in e.payload
        }
    # The conflicting claims of the batches stored after the registration were told, as POST tells
    # them; none of the batch written before it.
    assert told and min(told) > written_before[0]


def _fingerprint(ctx, body: dict[str, Any]) -> str:
    return usecases.prepare(ctx, ClaimIn().load(body)).fingerprint


def test_a_batch_the_database_refuses_is_split_down_to_the_refused_claim(ctx, monkeypatch) -> None:
    # SQLite refuses nothing these claims hold, so the refusal is injected where rows are written.
    insert_rows = repo.insert_rows

    def refusing(session, model, rows):
        if model is Claim and any(r["subject"].endswith("Sumedang 2021") for r in rows):
            raise DataError("INSERT", {}, Exception("value out of range"))
        return insert_rows(session, model, rows)

    monkeypatch.setattr(repo, "insert_rows", refusing)
    places = ["Cianjur", "Garut", "Sumedang", "Tasikmalaya", "Cianjur", "Bogor"]
    bodies = [
        {"subject": f"korban tewas gempa {place} 2021", "value": f"{n} orang", "source": {"name": "Antara"}}
        for n, place in enumerate(places, start=1)
    ]
    report = bulk.import_claims(ctx, [*_loaded(bodies), (7, "not JSON: bad")], batch_size=10)
    assert report.stored == 5
    assert report.rejected == [(7, "not JSON: bad"), (3, "the database refused it: value out of range")]
    with ctx.db.reading() as session:
        sizes = sorted(g.size for g in session.scalars(select(Group)))
    assert sizes == [1, 1, 1, 2]  # the two Cianjur claims still grouped


def test_a_batch_the_database_refuses_in_the_writing_process_is_split_here(
    ctx, ahead_in_a_thread, monkeypatch
):
    # As above, the refusal injected where rows are written: by the writer (a thread here, so that
    # the injection reaches it), then again as this process stores the batch after it.
    send = repo._send_rows

    def refusing(connection, table, names, rows):
        subject = names.index("subject") if table.name == "claims" else None
        if subject is not None and any(r[subject].endswith("Sumedang 2021") for r in rows):
            raise DataError("INSERT", {}, Exception("value out of range"))
        return send(connection, table, names, rows)

    monkeypatch.setattr(repo, "_send_rows", refusing)
    places = ["Cianjur", "Garut", "Cianjur", "Bogor", "Sumedang", "Garut", "Cianjur", "Bogor", "Depok"]
    bodies = [
        {"subject": f"korban tewas gempa {place} 2021", "value": f"{n} orang", "source": {"name": "Antara"}}
        for n, place in enumerate(places, start=1)
    ]
    report = bulk.import_claims(ctx, _loaded(bodies), batch_size=3, write_ahead=ahead_in_a_thread)
    assert ahead_in_a_thread.refusals() == ["the database refused it: value out of range"]
    assert len(ahead_in_a_thread.plans) == 2  # the third batch was planned on the second: stored here
    assert report.stored == 8
    assert report.rejected == [(5, "the database refused it: value out of range")]
    with ctx.db.reading() as session:
        sizes = sorted(g.size for g in session.scalars(select(Group)))
        stored = sorted(session.scalars(select(Claim.value_low)))
    assert sizes == [1, 2, 2, 3] and stored == [1, 2, 3, 4, 6, 7, 8, 9]


@pytest.mark.parametrize("write_ahead", [False, True])
@pytest.mark.parametrize(
    ("field", "refused"),
    [("quote", "korban\x00tewas"), ("source_name", "Kompas" * 40)],  # refused by the driver; by the server
)
def test_a_claim_postgresql_refuses_is_rejected_and_the_rest_of_its_batch_stored(
    ctx, request, field, refused, write_ahead
) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite stores a NUL character, and text past a column's length; PostgreSQL refuses both")
    _empty(ctx)
    places = ["Cianjur", "Garut", "Sumedang", "Tasikmalaya", "Cianjur", "Bogor"]
    bodies = [
        {"subject": f"korban tewas gempa {place} 2021", "value": f"{n} orang", "source": {"name": "Antara"}}
        for n, place in enumerate(places, start=1)
    ]
    loaded = _loaded(bodies)  # the schema refuses both values: this one is put past it, as a bug might
    loaded[2] = (loaded[2][0], dataclasses.replace(loaded[2][1], **{field: refused}))
    watched = request.getfixturevalue("ahead") if write_ahead else None
    report = bulk.import_claims(ctx, loaded, batch_size=10, write_ahead=watched)
    if watched is not None:
        [why] = watched.refusals()
        assert why.startswith("the database refused it: ")
    assert report.stored == 5
    [(line, why)] = report.rejected
    assert line == 3 and why.startswith("the database refused it: ") and "\n" not in why, why
    with ctx.db.reading() as session:
        assert sorted(session.scalars(select(Claim.value_low))) == [1, 2, 4, 5, 6]


def _claims_at_each_refresh(monkeypatch) -> list[int]:
    """The claims in the store each time the import refreshes the planner's statistics."""
    seen: list[int] = []
    real = repo.refresh_statistics

    def refresh(connection) -> None:
        seen.append(connection.scalar(text("SELECT count(*) FROM claims")))
        real(connection)

    monkeypatch.setattr(repo, "refresh_statistics", refresh)
    return seen


def test_an_import_leaves_the_planner_knowing_how_many_claims_there_are(ctx, monkeypatch) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite plans from its indexes alone: the import keeps no statistics for it")
    _empty(ctx)
    seen = _claims_at_each_refresh(monkeypatch)
    report = bulk.import_claims(ctx, _loaded(_bodies(11, 500)), batch_size=100)
    assert report.stored > 400
    # Into an empty store: after the first batch, then as the claims double, and at the end.
    first = seen[0]
    assert 90 < first <= 100
    assert all(later >= 2 * earlier for earlier, later in itertools.pairwise(seen[:-1]))
    assert seen[-1] == report.stored and len(seen) >= 3  # at least once more on the way (~100 → 500)
    with ctx.db.reading() as session:
        estimated = session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'claims'"))
    assert estimated == report.stored  # a sample of every row at this size: exact


def test_an_import_into_a_full_store_refreshes_the_statistics_once_it_has_doubled(ctx, monkeypatch) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite plans from its indexes alone: the import keeps no statistics for it")
    _empty(ctx)
    before = bulk.import_claims(ctx, _loaded(_bodies(12, 300)), batch_size=100).stored
    seen = _claims_at_each_refresh(monkeypatch)
    report = bulk.import_claims(ctx, _loaded(_bodies(13, 500)), batch_size=100)
    assert report.stored > 400 and before > 250
    assert seen[0] >= 2 * before  # not before the table has doubled
    assert seen[-1] == before + report.stored and len(seen) == 2  # and at the end


def test_the_collector_runs_less_often_while_an_import_stores_and_as_before_after(ctx) -> None:
    _empty(ctx)
    seen: list[tuple[int, ...]] = []

    def batches():
        for body in _bodies(5, 30):
            seen.append(gc.get_threshold())
            yield bulk.Reader(ctx.lexicon).read(_loaded([body]))

    before = gc.get_threshold()
    report = bulk.store_batches(ctx, batches())
    assert report.stored > 0
    assert seen and all(t[0] == bulk.IMPORT_GC_THRESHOLD and t[1:] == before[1:] for t in seen)
    assert gc.get_threshold() == before

    def failing():
        yield from batches()
        raise RuntimeError("the file went away")

    with pytest.raises(RuntimeError):
        bulk.store_batches(ctx, failing())
    assert gc.get_threshold() == before


def _verdicts(ctx) -> dict[int, tuple[Any, ...]]:
    with ctx.db.reading() as session:
        return {
            g.id: (g.size, g.sources, g.origins, g.consensus, g.behind_since is None)
            for g in session.scalars(select(Group))
        }


def _forget_counts(ctx) -> None:
    """Every group as if its consensus had been counted an hour ago, before any of its claims."""
    an_hour_ago = utcnow() - timedelta(hours=1)
    with ctx.db.writing() as session:
        session.execute(
            Group.__table__.update().values(sources=0, origins=0, consensus=None, consensus_at=an_hour_ago,
                                            behind_since=an_hour_ago)
        )  # fmt: skip


def test_the_final_count_shared_with_a_reading_process_counts_what_this_one_counts(ctx) -> None:
    from service.cli import _count_groups, _start_reading_process

    bulk.import_claims(ctx, _loaded(_bodies(17, 400)), batch_size=100)  # counted here alone
    counted_here = _verdicts(ctx)
    assert len(counted_here) > 40 and all(v[4] for v in counted_here.values())
    assert any(v[3] is not None and v[1] > 1 for v in counted_here.values())
    _forget_counts(ctx)

    chunks_elsewhere: list[list[int]] = []
    spawn = multiprocessing.get_context("spawn")  # as the import starts its readers
    url = ctx.db.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(1, mp_context=spawn, initializer=_start_reading_process,
                             initargs=(None, url)) as pool:  # fmt: skip

        def count(ids: list[int]) -> Future[bulk.Counted]:
            chunks_elsewhere.append(ids)
            return pool.submit(_count_groups, ids)

        bulk.refresh_verdicts(ctx, counted_here, bulk.Counters(count, 1), per_chunk=7)
    assert _verdicts(ctx) == counted_here
    elsewhere = {i for ids in chunks_elsewhere for i in ids}
    # The reading process counted some chunks, this one the rest.
    assert elsewhere and len(elsewhere) < len(counted_here)


def test_a_count_read_before_another_writer_stores_a_claim_does_not_overwrite_that_claim(ctx) -> None:
    bulk.import_claims(ctx, _loaded(_bodies(19, 200)), batch_size=100)
    with ctx.db.reading() as session:
        claim = session.scalars(select(Claim).order_by(Claim.id.desc()).limit(1)).one()
        body = {"subject": claim.subject, "value": claim.value_text, "unit": claim.unit_given,
                "source": {"name": "Pemantau Baru"}}  # fmt: skip
        target = claim.group_id
    _forget_counts(ctx)
    stale: list[tuple[Any, ...]] = []

    def count(ids: list[int]) -> Future[bulk.Counted]:
        done: Future[bulk.Counted] = Future()
        done.set_result(bulk.count_groups(ctx.db, ids))
        if target in ids:  # another writer, after the tallies were read and before the count is written
            stale.extend(row for row in done.result()[1] if row[0] == target)
            posted = usecases.post_claim(ctx, ClaimIn().load(body))
            assert posted.group.id == target
        return done

    groups = list(_verdicts(ctx))
    bulk.refresh_verdicts(ctx, groups, bulk.Counters(count, 1), per_chunk=5)
    after = _verdicts(ctx)
    assert all(v[4] for v in after.values())
    # The new source is counted (by the writer: the group is small), not undone by the count read before it.
    assert after[target][1] == stale[0][1] + 1
    bulk.refresh_verdicts(ctx, [target])
    assert _verdicts(ctx)[target] == after[target]


def test_a_count_that_fails_elsewhere_fails_the_import_and_leaves_its_groups_behind(ctx) -> None:
    bulk.import_claims(ctx, _loaded(_bodies(23, 200)), batch_size=100)
    _forget_counts(ctx)
    groups = sorted(_verdicts(ctx))
    failed: list[int] = []

    def count(ids: list[int]) -> Future[bulk.Counted]:
        done: Future[bulk.Counted] = Future()
        failed.extend(ids)
        done.set_exception(OSError("the reading process went away"))
        return done

    with pytest.raises(OSError, match="went away"):
        bulk.refresh_verdicts(ctx, groups, bulk.Counters(count, 1), per_chunk=5)
    assert failed
    assert not any(v[4] for v in _verdicts(ctx).values())  # none marked counted: all behind, counted later
