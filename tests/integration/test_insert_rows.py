"""`repository.insert_rows` writes what SQLAlchemy's own INSERT writes, straight to the driver
(by COPY on PostgreSQL).

The same rows go into one table twice, once through each, and are read back column by column:
dates, a timestamp given in another zone, JSON (a dict, None), booleans and text as given (tabs,
line breaks and backslashes too), and each column a row leaves out filled with its default (a
plain value, or a callable's).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import DataError
from sqlalchemy.schema import ColumnDefault

from service.storage import repository as repo
from service.storage.models import FormKey, Group, SubjectForm, Topic


def _groups(first_id: int) -> list[dict[str, Any]]:
    """Two rows (the second's keys in another order), both leaving `conflicts`, `size` and the
    timestamps to their defaults."""
    first = {
        "id": first_id,
        "label": "korban tewas gempa Cianjur 2022",
        "topic_slug": None,
        "dimension": "count",
        "unit": "orang",
        "event_date": date(2022, 11, 21),
        "conflict": True,
        "consensus": {"value": 602.5, "hedge": None, "note": "—"},
        "consensus_at": datetime(2022, 11, 22, 7, 0, tzinfo=timezone(timedelta(hours=7))),
    }
    second = {
        "consensus_at": None,
        "consensus": None,
        "conflict": False,
        "event_date": None,
        "unit": "orang",
        "dimension": "count",
        "topic_slug": "uji-insert-rows",
        "label": 'pasukan Rusia\tdi perbatasan\n\\N \\. "60.000–90.000"',  # COPY's own signs, as text
        "id": first_id + 1,
    }
    return [first, second]


def _read(session, ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(select(Group.__table__).where(Group.id.in_(ids)).order_by(Group.id))
    return [dict(row._mapping) for row in rows]


def test_rows_inserted_by_the_driver_read_back_as_sqlalchemys_own(ctx) -> None:
    before = datetime.now(UTC)
    with ctx.db.writing() as session:
        session.merge(Topic(slug="uji-insert-rows", label="Uji"))
        session.flush()
        session.connection().execute(insert(Group.__table__), _groups(9001))
        repo.insert_rows(session, Group, _groups(9101))
    with ctx.db.reading() as session:
        theirs, ours = _read(session, [9001, 9002]), _read(session, [9101, 9102])
    assert len(ours) == 2
    for mine, reference in zip(ours, theirs, strict=True):
        for stamp in ("created_at", "updated_at"):  # a callable default: now, when written
            assert before <= mine[stamp] <= datetime.now(UTC)
            mine[stamp] = reference[stamp]
        assert {**mine, "id": reference["id"]} == reference
    assert ours[0]["consensus"]["note"] == "—" and ours[1]["consensus"] is None
    assert ours[0]["consensus_at"] == datetime(2022, 11, 22, 0, 0, tzinfo=UTC)  # stored in UTC
    assert (ours[0]["size"], ours[0]["sources"], ours[0]["conflicts"]) == (0, 0, [])  # defaults
    with ctx.db.reading() as session:  # None in a JSON column is JSON's null, as SQLAlchemy writes it
        nulls = session.execute(text("SELECT id, consensus IS NULL FROM groups WHERE id IN (9002, 9102)"))
        assert sorted(tuple(row) for row in nulls) == [(9002, False), (9102, False)]
    with ctx.db.writing() as session:
        session.execute(delete(Group).where(Group.id.in_([9001, 9002, 9101, 9102])))


def test_a_column_default_it_cannot_fill_is_refused_before_anything_is_written(ctx, monkeypatch) -> None:
    column = Group.__table__.c.sources
    monkeypatch.setattr(column, "default", ColumnDefault(func.abs(-1)))
    repo._row_maker.cache_clear()  # built for these keys by another test, with the plain default
    with pytest.raises(TypeError, match=r"groups\.sources"), ctx.db.writing() as session:
        repo.insert_rows(session, Group, _groups(9201))
    with ctx.db.reading() as session:
        assert _read(session, [9201, 9202]) == []


def test_the_drivers_own_parameters_are_written_as_it_reads_them() -> None:
    assert repo._marker(SimpleNamespace(paramstyle="qmark")) == "?"  # sqlite3
    assert repo._marker(SimpleNamespace(paramstyle="pyformat")) == "%s"  # psycopg
    with pytest.raises(NotImplementedError, match="named"):
        repo._marker(SimpleNamespace(paramstyle="named"))


def test_form_keys_are_written_as_given(ctx) -> None:
    keys = [("w:pasukan", 9301), ("w:rusia", 9301), ("t:rus", 9301), ("w:pasukan", 9302)]
    with ctx.db.writing() as session:
        session.merge(Topic(slug="uji-insert-rows", label="Uji"))
        session.flush()
        repo.insert_rows(session, Group, _groups(9301))
        forms = [
            {"id": i, "group_id": i, "form": f"pasukan rusia {i}", "measure": "count", "event_date": None}
            for i in (9301, 9302)
        ]
        repo.insert_rows(session, SubjectForm, forms)
        repo.insert_form_keys(session, keys)
    with ctx.db.reading() as session:
        found = session.execute(select(FormKey.key, FormKey.form_id).where(FormKey.form_id.in_([9301, 9302])))
        assert sorted(tuple(row) for row in found) == sorted(keys)
    with ctx.db.writing() as session:
        session.execute(delete(FormKey).where(FormKey.form_id.in_([9301, 9302])))
        session.execute(delete(SubjectForm).where(SubjectForm.id.in_([9301, 9302])))
        session.execute(delete(Group).where(Group.id.in_([9301, 9302])))


def test_a_value_postgresql_refuses_fails_the_rows_as_a_data_error_and_writes_none(ctx) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite stores a NUL character in text; PostgreSQL refuses it")
    rows = _groups(9401)
    rows[1]["label"] = "pasukan\x00Rusia"
    with pytest.raises(DataError), ctx.db.writing() as session:  # what the import splits a batch on
        repo.insert_rows(session, Group, rows)
    with ctx.db.reading() as session:
        assert _read(session, [9401, 9402]) == []
