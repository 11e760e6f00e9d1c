"""`repository.add_to_tallies` and `repository.update_verdicts` write what SQLAlchemy's own
statements write, though run by the driver with parameters converted once per column.

Each is run beside the SQLAlchemy statement it stands for, on twin rows, and the rows are read
back column by column: JSON lists and dicts, None in a JSON column, timestamps given in another
zone, booleans, text with the signs SQL quotes, and a tally counted into twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import ColumnDefault

from service.storage import repository as repo
from service.storage.models import Group, GroupTally, Topic

TOPIC = "uji-driver"


def _group(group_id: int) -> dict[str, Any]:
    return {"id": group_id, "label": "korban tewas gempa Cianjur", "topic_slug": None, "dimension": "count",
            "unit": "orang", "event_date": date(2022, 11, 21)}  # fmt: skip


@pytest.fixture
def twins(ctx):
    """Two groups, 9501 written by SQLAlchemy's statements and 9601 by the driver's."""
    ids = [9501, 9601]
    with ctx.db.writing() as session:
        session.merge(Topic(slug=TOPIC, label="Uji"))
        session.flush()
        repo.insert_rows(session, Group, [_group(i) for i in ids])
    yield ids
    with ctx.db.writing() as session:
        session.execute(delete(GroupTally).where(GroupTally.group_id.in_(ids)))
        session.execute(delete(Group).where(Group.id.in_(ids)))


def _tallies(group_id: int) -> list[dict[str, Any]]:
    base = {"group_id": group_id, "source_key": "kompas", "source_name": "Kompas", "origin_key": "bnpb",
            "origin_name": "BNPB", "value_unit": "orang", "value_dimension": "count", "value_hedge": "exact",
            "value_label": None, "value_display_label": None}  # fmt: skip
    exact = {"value_key": "268.0|268.0|", "value_low": 268.0, "value_high": 268.0, "claims": 2}
    at_most = {"source_key": "detik 'x'; --", "source_name": 'Detik "x"', "value_key": "|300.0|",
               "value_low": None, "value_high": 300.0, "value_hedge": "at_most", "claims": 1}  # fmt: skip
    return [{**base, **exact}, {**base, **at_most}]


def _sqlalchemys_tally_upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(GroupTally.__table__)
    return statement.on_conflict_do_update(
        index_elements=[GroupTally.__table__.c[name] for name in repo.TALLY_KEY],
        set_={"claims": GroupTally.__table__.c.claims + statement.excluded.claims},
    )


def _read_tallies(session, group_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(GroupTally.__table__).where(GroupTally.group_id == group_id).order_by(GroupTally.source_key)
    )
    return [{k: v for k, v in row._mapping.items() if k not in ("id", "group_id")} for row in rows]


def test_tallies_added_by_the_driver_read_back_as_sqlalchemys_own(ctx, twins) -> None:
    theirs, ours = twins
    statement = _sqlalchemys_tally_upsert(ctx.db.engine.dialect.name)
    for _ in range(2):  # new rows, then the same keys counted into again
        with ctx.db.writing() as session:
            session.connection().execute(statement, _tallies(theirs))
            repo.add_to_tallies(session, _tallies(ours))
    with ctx.db.reading() as session:
        reference, mine = _read_tallies(session, theirs), _read_tallies(session, ours)
    assert mine == reference
    assert [row["claims"] for row in mine] == [2, 4]  # counted into, not written over
    assert mine[0]["source_name"] == 'Detik "x"' and mine[0]["value_low"] is None


def test_a_single_tally_is_added_as_a_post_adds_it(ctx, twins) -> None:
    _, ours = twins
    for _ in range(3):
        with ctx.db.writing() as session:
            repo.add_to_tallies(session, _tallies(ours)[:1])
    with ctx.db.reading() as session:
        assert [row["claims"] for row in _read_tallies(session, ours)] == [6]


def _verdict(group_id: int, **changes: Any) -> SimpleNamespace:
    zone = timezone(timedelta(hours=7))
    fields = {
        "id": group_id, "topic_slug": TOPIC, "size": 3, "sources": 2, "origins": 1, "conflict": True,
        "conflicts": [{"a": 1, "b": 2, "why": "268 ≠ 300 'orang'"}],
        "consensus": {"value": 284.0, "hedge": None, "note": "—"},
        "updated_at": datetime(2022, 11, 22, 8, 30, tzinfo=zone),
        "consensus_at": datetime(2022, 11, 22, 9, 0, tzinfo=zone), "behind_since": None,
    }  # fmt: skip
    return SimpleNamespace(**{**fields, **changes})


def _sqlalchemys_update(columns: tuple[str, ...]) -> Any:
    table = Group.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("group_id"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )


def _read_group(session, group_id: int) -> dict[str, Any]:
    row = session.execute(select(Group.__table__).where(Group.id == group_id)).one()
    return {k: v for k, v in row._mapping.items() if k not in ("id", "created_at")}


def _both(ctx, twins, columns: tuple[str, ...], **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    theirs, ours = twins
    with ctx.db.writing() as session:
        session.connection().execute(
            _sqlalchemys_update(columns),
            [{"group_id": theirs, **{f"new_{c}": getattr(_verdict(theirs, **changes), c) for c in columns}}],
        )
        repo.update_verdicts(session, [_verdict(ours, **changes)], columns)
    with ctx.db.reading() as session:
        return _read_group(session, theirs), _read_group(session, ours)


def test_verdicts_updated_by_the_driver_read_back_as_sqlalchemys_own(ctx, twins) -> None:
    reference, mine = _both(ctx, twins, repo.VERDICT_COLUMNS)
    assert mine == reference
    assert mine["conflicts"][0]["why"] == "268 ≠ 300 'orang'" and mine["consensus"]["note"] == "—"
    assert mine["updated_at"] == datetime(2022, 11, 22, 1, 30, tzinfo=UTC)  # stored in UTC
    assert (mine["size"], mine["conflict"], mine["behind_since"]) == (3, True, None)
    reference, mine = _both(ctx, twins, repo.VERDICT_COLUMNS, consensus=None, conflict=False, conflicts=[])
    assert mine == reference and (mine["consensus"], mine["conflict"], mine["conflicts"]) == (None, False, [])


def test_many_verdicts_in_one_call_read_back_as_sqlalchemys_own(ctx) -> None:
    """As the import writes them: several groups at once, the same column None in some and set in
    others, ids past a small integer's range."""
    theirs, ours = [9701, 9702, 40001], [9801, 9802, 40101]
    with ctx.db.writing() as session:
        session.merge(Topic(slug=TOPIC, label="Uji"))
        session.flush()
        repo.insert_rows(session, Group, [_group(i) for i in theirs + ours])
    behind = datetime(2022, 11, 23, tzinfo=UTC)
    changes = [
        {},
        {"consensus": None, "consensus_at": None, "topic_slug": None},
        {"conflict": False, "conflicts": [], "behind_since": behind},
    ]
    columns = repo.VERDICT_COLUMNS

    def parameters(group_id: int, change: dict[str, Any]) -> dict[str, Any]:
        verdict = _verdict(group_id, **change)
        return {"group_id": group_id, **{f"new_{c}": getattr(verdict, c) for c in columns}}

    try:
        with ctx.db.writing() as session:
            session.connection().execute(
                _sqlalchemys_update(columns), [parameters(i, c) for i, c in zip(theirs, changes, strict=True)]
            )
            repo.update_verdicts(session, [_verdict(i, **c) for i, c in zip(ours, changes, strict=True)])
        with ctx.db.reading() as session:
            reference = [_read_group(session, i) for i in theirs]
            mine = [_read_group(session, i) for i in ours]
            # None in a JSON column is JSON's null, not SQL's NULL, on both sides
            stored_null = select(Group.id).where(Group.id.in_(theirs + ours), Group.consensus.is_(None))
            assert list(session.scalars(stored_null)) == []
        assert mine == reference
        assert [g["consensus"] is None for g in mine] == [False, True, False]
        assert [g["topic_slug"] for g in mine] == [TOPIC, None, TOPIC]
    finally:
        with ctx.db.writing() as session:
            session.execute(delete(Group).where(Group.id.in_(theirs + ours)))


def test_a_verdict_written_without_its_time_is_stamped_now_as_sqlalchemy_stamps_it(ctx, twins) -> None:
    before = datetime.now(UTC)
    columns = tuple(c for c in repo.VERDICT_COLUMNS if c != "updated_at")
    reference, mine = _both(ctx, twins, columns, size=5)
    assert before <= mine["updated_at"] <= datetime.now(UTC)
    assert before <= reference["updated_at"] <= datetime.now(UTC)
    assert {**mine, "updated_at": None} == {**reference, "updated_at": None} and mine["size"] == 5


def test_an_update_it_cannot_fill_is_refused_before_anything_is_written(ctx, twins, monkeypatch) -> None:
    _, ours = twins
    monkeypatch.setattr(Group.__table__.c.updated_at, "onupdate", ColumnDefault(func.now()))
    repo._verdict_update.cache_clear()
    columns = ("size",)
    try:
        with pytest.raises(TypeError, match=r"groups\.updated_at"), ctx.db.writing() as session:
            repo.update_verdicts(session, [_verdict(ours, size=7)], columns)
    finally:
        repo._verdict_update.cache_clear()  # not kept with the patched column
    with ctx.db.reading() as session:
        assert _read_group(session, ours)["size"] == 0
