"""The joinable forms a process keeps in memory (storage/form_index.py) match as the database does:
the same candidates for every subject, the forms other processes stored since, and never a form
whose transaction was rolled back."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from bench.generator import Corpus
from schemas import ClaimIn
from service import usecases
from service.app import create_app
from service.domain import matching
from service.storage import repository as repo
from service.storage.db import Database
from service.storage.form_index import FormIndex
from tests.conftest import TestConfig
from tests.support import statements_run


def _post(ctx, subject: str, value: str = "120 orang", source: str = "Kompas") -> usecases.PostedClaim:
    return usecases.post_claim(
        ctx, ClaimIn().load({"subject": subject, "value": value, "source": {"name": source}})
    )


def _candidates(session, ctx, body, index: FormIndex | None) -> list[tuple]:
    ready = usecases.prepare(ctx, ClaimIn().load(body))
    measure = matching.measure_of(ready.value.dimension, ready.value.unit)
    found = repo.candidates(session, ready.subject, measure, ready.data.event_date, index)
    return sorted(astuple(c) for c in found)


def test_the_index_hands_the_scorer_what_the_database_does(ctx) -> None:
    corpus = Corpus(seed=11, claims=1500, subjects=120)
    for claim in corpus.claims():
        usecases.post_claim(ctx, ClaimIn().load(claim.body()))
    index = FormIndex()
    with ctx.db.reading() as session:
        index.catch_up(session)
        assert index.last_seen > 0
        differing, found = 0, 0
        for query in corpus.queries(300, seed=5):
            from_database = _candidates(session, ctx, query.body(), None)
            from_index = _candidates(session, ctx, query.body(), index)
            found += bool(from_database)
            differing += from_index != from_database
    assert differing == 0
    assert found > 250  # the queries are about stored subjects: most meet some form


def test_a_form_another_process_stored_is_found_without_catching_up(ctx, database_url) -> None:
    other = create_app(TestConfig(database_url))  # a second process on the database, its own index
    elsewhere = other.extensions["ceksilang"]
    try:
        usecases.warm(ctx)
        subject = "korban tewas banjir bandang Sentani 2019"
        started = _post(elsewhere, subject, "112 orang", "Tempo")
        body = {"subject": subject, "value": "113 orang", "source": {"name": "Kompas"}}
        with ctx.db.reading() as session:  # the index as it was, and what was stored after it
            assert started.group.id in {c[0] for c in _candidates(session, ctx, body, ctx.forms)}
        assert all(subject_form != started.claim.subject_form
                   for r in ctx.forms.ranges.values() for subject_form in r.forms)  # fmt: skip
        joined = _post(ctx, subject, "113 orang", "Kompas")
        assert joined.group.id == started.group.id
        assert joined.group.size == 2
        assert any(started.claim.subject_form in r.forms for r in ctx.forms.ranges.values())  # caught up
    finally:
        elsewhere.db.dispose()


def test_a_rolled_back_form_never_enters_the_index(ctx) -> None:
    usecases.warm(ctx)
    body = {"source": {"name": "Kompas"}}
    article = [
        usecases.prepare(ctx, ClaimIn().load({**body, "subject": subject, "value": value}))
        for subject, value in (("korban tewas gempa Cianjur 2022", "310 orang"),
                               ("jumlah rumah rusak gempa Cianjur 2022", "56.000 rumah"))
    ]  # fmt: skip
    with pytest.raises(RuntimeError), ctx.db.writing() as session:
        for ready in article:  # an article's claims, in one transaction that then fails
            usecases._store(ctx, session, ready)
        raise RuntimeError("the transaction fails after its forms were written")
    # The next group and form take the rolled-back ones' ids: a form kept from the failed
    # transaction would send the same words to another subject's group.
    other = _post(ctx, "jumlah pengungsi erupsi Semeru 2021", "2.000 orang")
    again = _post(ctx, "korban tewas gempa Cianjur 2022", "318 orang", "Tempo")
    assert again.group.id != other.group.id
    assert again.group.size == 1
    assert again.group.label == "korban tewas gempa Cianjur 2022"


def test_a_transaction_that_wrote_reads_nothing_into_the_index(ctx) -> None:
    committed = _post(ctx, "jumlah pengungsi erupsi Semeru 2021", "2.000 orang")
    ready = usecases.prepare(ctx, ClaimIn().load(
        {"subject": "korban tewas gempa Cianjur 2022", "value": "310 orang", "source": {"name": "Kompas"}}
    ))  # fmt: skip
    index = FormIndex()
    with pytest.raises(RuntimeError), ctx.db.writing() as session:
        usecases._store(ctx, session, ready)
        session.flush()
        index.catch_up(session)  # its own form is not committed: nothing is read
        assert index.last_seen == 0
        raise RuntimeError("rolled back")
    with ctx.db.reading() as session:
        index.catch_up(session)
    assert [f for r in index.ranges.values() for f in r.forms] == [committed.claim.subject_form]


def test_the_index_alone_answers_a_writer_only_until_it_writes(ctx) -> None:
    """Caught up under the writers' turn, the index holds every committed form and no other
    writer can add one: candidates need not read the database. Once the transaction has written a
    form of its own (an article's first claim), they must again, or its next claim about the same
    subject would start a second group."""
    usecases.warm(ctx)
    article = [
        usecases.prepare(ctx, ClaimIn().load({"subject": "korban tewas gempa Cianjur 2022", "value": value,
                                              "source": {"name": "Kompas"}, "as_of": day}))
        for value, day in (("310 orang", "2022-11-22"), ("318 orang", "2022-11-23"))
    ]  # fmt: skip
    with ctx.db.reading() as session:
        ctx.forms.catch_up(session)
        assert not ctx.forms.complete_for(session)  # a reader holds no turn: others may commit
    with ctx.db.writing() as session:
        ctx.forms.catch_up(session)
        assert ctx.forms.complete_for(session)
        first = usecases._store(ctx, session, article[0]).claim
        assert not ctx.forms.complete_for(session)
        second = usecases._store(ctx, session, article[1]).claim
    assert second.group_id == first.group_id
    with ctx.db.writing() as session:
        assert not ctx.forms.complete_for(session)  # a new transaction: caught up again first


def test_an_index_far_behind_reads_every_form_once_in_order(ctx, monkeypatch) -> None:
    corpus = Corpus(seed=3, claims=60, subjects=25)
    for claim in corpus.claims():
        usecases.post_claim(ctx, ClaimIn().load(claim.body()))
    with ctx.db.reading() as session:
        stored = [row.id for row in repo.joinable_forms_after(session, 0, stream=False)]
    assert len(stored) > 10
    monkeypatch.setattr(repo, "FORMS_READ_AT_ONCE", 4)  # read 4 at a time
    index = FormIndex()
    seen: list[int] = []
    add = index.add
    monkeypatch.setattr(index, "add", lambda *a: (seen.append(index.last_seen), add(*a)))
    reads = _catch_up_reading_forms(ctx, index)
    assert index.last_seen == stored[-1]
    assert seen == [0, *stored[:-1]]  # each form once, in id order
    assert sum(len(r.forms) for r in index.ranges.values()) == len(stored)
    # One plain query for every 4 forms, and one that finds fewer: no server-side cursor.
    assert len(reads) == len(stored) // 4 + 1
    assert [sql for sql in reads if not sql.lstrip().upper().startswith("SELECT")] == []


def test_catching_up_on_a_few_forms_is_one_plain_query(ctx) -> None:
    """No server-side cursor (on PostgreSQL: its declare, fetch and close are three round trips)."""
    usecases.warm(ctx)
    _post(ctx, "korban tewas banjir bandang Sentani 2019", "112 orang")
    index = FormIndex()
    reads = _catch_up_reading_forms(ctx, index)
    assert index.last_seen > 0
    assert len(reads) == 1 and reads[0].lstrip().upper().startswith("SELECT")


def _catch_up_reading_forms(ctx, index: FormIndex) -> list[str]:
    """The index caught up in a reading session: the statements that read the forms."""
    with statements_run(ctx.db.engine) as run, ctx.db.reading() as session:
        index.catch_up(session)
    return [sql for sql in run if "subject_forms" in sql]


def test_a_server_process_starts_though_the_database_does_not_answer(ctx, tmp_path, caplog) -> None:
    away = usecases.Context(
        Database(f"sqlite:///{tmp_path}"), ctx.lexicon, ctx.conflict_window_days
    )  # a folder
    try:
        usecases.warm(away)  # a worker's start: logged, not raised
    finally:
        away.db.dispose()
    assert away.forms.last_seen == 0
    assert "not read before the first request" in caplog.text
