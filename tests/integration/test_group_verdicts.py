"""A group's stored verdict, kept up to date claim by claim, equals one computed from scratch."""

from __future__ import annotations

import random

import pytest

from schemas import ClaimIn
from service import usecases
from service.domain import verdicts
from service.storage import repository as repo
from service.storage.models import Group

SUBJECT = "jumlah pengungsi banjir di Kabupaten Bandung"


def _from_scratch(ctx, group_id: int) -> tuple[bool, set[frozenset[str]], dict | None]:
    with ctx.db.reading() as session:
        views = [usecases.claim_view(r) for r in repo.active_claim_rows(session, group_id)]
    verdict = verdicts.evaluate(views, ctx.conflict_window_days)
    consensus = usecases._consensus_json(verdicts.consensus(verdicts.backings(views)))
    pairs = {frozenset(str(i) for i in c.claims) for c in verdict.conflicts}
    return verdict.conflict, pairs, consensus


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("cap", [3, 1000])
def test_incremental_verdicts_match_a_full_recomputation(ctx, monkeypatch, seed: int, cap: int) -> None:
    monkeypatch.setattr(usecases, "MAX_CONFLICTS_LISTED", cap)
    rng = random.Random(seed)
    schema = ClaimIn()
    posted = []
    for i in range(40):
        hedge = rng.choice(["", "sekitar ", "lebih dari ", "hampir ", "kurang dari "])
        body = {
            "subject": SUBJECT,
            "value": f"{hedge}{rng.choice([900, 1000, 1200, 5000])} orang",
            "source": {"name": f"outlet {rng.randrange(8)}"},
            "origin": rng.choice([None, "Antara", "Reuters"]),
            "as_of": f"2023-01-{rng.randint(1, 28):02d}",
            "quote": f"claim {i}",
        }
        posted.append(usecases.post_claim(ctx, schema.load(body)))
        if i % 7 == 6:
            victim = rng.choice([p for p in posted if p.claim.retracted_at is None])
            usecases.retract_claim(ctx, str(victim.claim.id))
            posted.remove(victim)
    group_id = posted[-1].group.id
    with ctx.db.reading() as session:
        group = session.get_one(Group, group_id)
        stored = {frozenset(c["claims"]) for c in group.conflicts}
        conflict, consensus, size = group.conflict, group.consensus, group.size
    expected_conflict, expected_pairs, expected_consensus = _from_scratch(ctx, group_id)
    assert size == len(posted)
    assert conflict == expected_conflict
    assert stored <= expected_pairs
    assert len(stored) == min(cap, len(expected_pairs))
    assert consensus == expected_consensus


def test_a_claim_that_adds_no_conflict_leaves_the_stored_list_unwritten(ctx, monkeypatch) -> None:
    """The group's UPDATE carries its list of conflicts only when the claim added to it (what
    `update_verdicts` writes of the columns it is given: tests/integration/test_driver_statements.py)."""
    updates: list[tuple[str, ...]] = []
    update_verdicts = repo.update_verdicts

    def seen(session, groups, columns=repo.VERDICT_COLUMNS) -> None:
        updates.append(tuple(columns))
        update_verdicts(session, groups, columns)

    def post(value: str, source: str) -> usecases.PostedClaim:
        return usecases.post_claim(ctx, ClaimIn().load({"subject": SUBJECT, "value": value,
                                                        "source": {"name": source}}))  # fmt: skip

    post("1.000 orang", "Kompas")
    monkeypatch.setattr(repo, "update_verdicts", seen)
    agreeing = post("1.000 orang", "Tempo")
    assert updates and not any("conflicts" in columns for columns in updates)
    updates.clear()
    disputing = post("5.000 orang", "Detik")
    assert any("conflicts" in columns for columns in updates)
    assert not agreeing.group.conflicts
    assert disputing.group.conflict and len(disputing.group.conflicts) == 2
    with ctx.db.reading() as session:
        assert len(session.get_one(Group, disputing.group.id).conflicts) == 2
