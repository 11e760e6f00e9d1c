"""What a POST runs on its way: a claim that starts a group, or joins one, is looked for, matched,
stored, counted and answered by statements run past the ORM's session (no ORM statement, whose
compiling and loading cost a POST more than the reads themselves, and nothing flushed by its unit
of work), with the same results."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from schemas import ClaimIn
from service import usecases
from service.domain import matching
from service.storage import repository as repo
from service.storage.models import Delivery, FormKey, SubjectForm, Topic, Webhook

SUBJECT = "korban tewas gempa Cianjur"


def _post(ctx, value: str, source: str) -> usecases.PostedClaim:
    body = {"subject": SUBJECT, "value": value, "source": {"name": source}, "topic": "Gempa Cianjur"}
    return usecases.post_claim(ctx, ClaimIn().load(body))


def test_a_claim_that_joins_a_group_and_disputes_it_runs_no_orm_statement(ctx) -> None:
    with ctx.db.writing() as session:
        session.add(Webhook(url="http://127.0.0.1:9/hook", secret="s" * 32, topic_slug="gempa-cianjur"))
    _post(ctx, "268 orang", "Kompas")
    _post(ctx, "268 orang", "Tempo")
    orm_statements: list[str] = []

    def seen(state) -> None:
        orm_statements.append(str(state.statement))

    event.listen(Session, "do_orm_execute", seen)
    try:
        # Its fingerprint looked for, the same words, the group's tallies, the webhooks that want it.
        disputing = _post(ctx, "300 orang", "Detik")
    finally:
        event.remove(Session, "do_orm_execute", seen)
    assert orm_statements == []
    assert disputing.created and disputing.group.size == 3 and disputing.group.conflict
    with ctx.db.reading() as session:
        tallies = repo.tallies(session, disputing.group.id)
        told = session.scalar(select(func.count()).select_from(Delivery))
    assert sorted((t.source_name, t.claims) for t in tallies) == [("Detik", 1), ("Kompas", 1), ("Tempo", 1)]
    assert told == 2  # the webhook is to be told of the claim's conflicts and of the group's, new


def test_a_claim_that_starts_a_group_runs_no_orm_statement_and_flushes_nothing(ctx) -> None:
    orm_statements: list[str] = []
    flushed: list[int] = []

    def seen(state) -> None:
        orm_statements.append(str(state.statement))

    def flush(session, context, instances) -> None:
        flushed.append(len(session.new) + len(session.dirty))

    event.listen(Session, "do_orm_execute", seen)
    event.listen(Session, "before_flush", flush)
    try:
        # A new group, its form and blocking keys, its first tally and verdict.
        first = _post(ctx, "268 orang", "Kompas")
    finally:
        event.remove(Session, "do_orm_execute", seen)
        event.remove(Session, "before_flush", flush)
    assert (orm_statements, flushed) == ([], [])
    assert first.created and first.group.size == 1 and first.group.sources == 1
    with ctx.db.reading() as session:
        tallies = repo.tallies(session, first.group.id)
        forms = session.execute(
            select(SubjectForm.id, SubjectForm.form).where(SubjectForm.group_id == first.group.id)
        ).all()
        keys = session.scalars(
            select(FormKey.key).where(FormKey.form_id == forms[0].id).order_by(FormKey.key)
        ).all()
    subject = matching.normalise_subject(SUBJECT, ctx.lexicon)
    measure = matching.measure_of(first.group.dimension, first.group.unit)
    assert [(t.source_name, t.claims) for t in tallies] == [("Kompas", 1)]
    assert [form for _, form in forms] == [subject.form]
    assert keys == sorted(set(matching.blocking_keys(subject, measure)))  # the form's blocking keys
    assert _post(ctx, "270 orang", "Tempo").group.id == first.group.id  # the next claim finds the group


def test_a_topic_is_stored_with_its_first_label_and_keeps_it(ctx) -> None:
    _post(ctx, "268 orang", "Kompas")  # topic "Gempa Cianjur"
    body = {"subject": "jumlah rumah rusak gempa Cianjur", "value": "56.000 rumah",
            "source": {"name": "Tempo"}, "topic": "GEMPA cianjur"}  # fmt: skip
    other = usecases.post_claim(ctx, ClaimIn().load(body))  # another group, the same topic's slug
    with ctx.db.reading() as session:
        topics = session.execute(select(Topic.slug, Topic.label)).all()
    assert other.group.topic_slug == "gempa-cianjur"
    assert [tuple(t) for t in topics] == [("gempa-cianjur", "Gempa Cianjur")]
