"""What a POST runs on its way: a claim that joins a group is looked for, matched, stored, counted
and answered by statements run past the ORM's session (no ORM statement, whose compiling and
loading cost a POST more than the reads themselves), with the same results."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from schemas import ClaimIn
from service import usecases
from service.storage import repository as repo
from service.storage.models import Delivery, Webhook

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
