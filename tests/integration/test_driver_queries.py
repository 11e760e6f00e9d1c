"""`storage.driver.Query`: a statement run on the driver's own cursor reads what SQLAlchemy's own
execution of it reads, row by row and value by value (types included), with parameters converted
as SQLAlchemy converts them; a driver's error is raised as SQLAlchemy's; on PostgreSQL it answers
what a pipelined writer sent ahead in the same exchange, and a lost connection is invalidated.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from psycopg import pq
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import IntegrityError, MultipleResultsFound, NoResultFound, OperationalError

from schemas import ClaimIn
from service import usecases
from service.storage import repository as repo
from service.storage.db import Database, send_ahead
from service.storage.driver import Query
from service.storage.models import Claim, Group, GroupTally, Source, Topic
from tests.support import count_exchanges

CLAIMS = [
    ("korban tewas gempa Cianjur", "268 orang", "Kompas", "2022-11-22T08:00:00+07:00"),
    ("korban tewas gempa Cianjur", "lebih dari 300 orang", "Tempo", None),
    ("korban tewas gempa Cianjur", "hampir 300 orang", "Detik", "2022-11-23T01:30:00Z"),
    ("pertumbuhan ekonomi Indonesia 2023", "5,05 persen", "Kontan", None),
    ("negara yang menyerang Ukraina", {"label": "Rusia"}, "Antara", None),
]


@pytest.fixture
def stored(ctx) -> list[int]:
    """A few claims posted as a newsroom posts them, one group with conflicts and a consensus."""
    for subject, value, source, published in CLAIMS:
        body = {"subject": subject, "value": value, "source": {"name": source}, "topic": "Uji driver",
                "event_date": "2022-11-21"} | ({"published_at": published} if published else {})  # fmt: skip
        usecases.post_claim(ctx, ClaimIn().load(body))
    with ctx.db.writing() as session:  # a source's estimate, for the outer join's other side
        session.add(
            Source(
                key="kompas",
                name="Kompas",
                reliability=0.8,
                claims=1,
                agreements=1,
                conflicts=0,
                estimated_at=datetime.now(UTC),
            )
        )
    with ctx.db.reading() as session:
        return list(session.scalars(select(Group.id).order_by(Group.id)))


def _both(db: Database, statement, params: dict) -> tuple[list, list]:
    """The statement's rows as SQLAlchemy reads them and as `Query` does, in one transaction."""
    with db.reading() as session:
        connection = session.connection()
        theirs = connection.execute(statement, params).all()
        ours = Query(statement).all(connection, params)
    return theirs, ours


def _same(theirs: list, ours: list) -> None:
    assert len(ours) == len(theirs) > 0
    for their, our in zip(theirs, ours, strict=True):
        assert our._fields == tuple(their._fields)
        assert tuple(our) == tuple(their)
        assert [type(v) for v in our] == [type(v) for v in their]  # a date is no text, a bool no integer


def test_rows_read_as_sqlalchemy_reads_them_every_type_of_column(ctx, stored) -> None:
    # Groups: JSON lists and dicts, booleans, dates, timestamps; claims: floats, None, dates.
    _same(*_both(ctx.db, select(Group.__table__).order_by(Group.id), {}))
    _same(*_both(ctx.db, select(Claim.__table__).order_by(Claim.id), {}))
    # Labels, and an outer join's missing side.
    tallies = (
        select(
            GroupTally.source_key, GroupTally.claims, Source.name.label("estimated_name"), Source.reliability
        )
        .outerjoin(Source, Source.key == GroupTally.source_key)
        .order_by(GroupTally.id)
    )
    theirs, ours = _both(ctx.db, tallies, {})
    _same(theirs, ours)
    assert {row.estimated_name for row in ours} >= {None, "Kompas"}


def test_parameters_converted_as_sqlalchemy_converts_them(ctx, stored) -> None:
    dated = select(Claim.id, Claim.published_at).where(
        Claim.as_of == bindparam("day"), Claim.published_at >= bindparam("since")
    )
    # A timestamp in another zone is the same moment (stored in UTC); a date is a date.
    since = datetime(2022, 11, 22, 7, 0, tzinfo=timezone(timedelta(hours=7)))
    theirs, ours = _both(ctx.db, dated, {"day": date(2022, 11, 22), "since": since})
    _same(theirs, ours)
    assert ours[0].published_at == datetime(2022, 11, 22, 1, 0, tzinfo=UTC)
    # A parameter used twice, typed by its column in one use only, is converted by that type.
    twice = select(Claim.id).where(Claim.published_at >= bindparam("since"), bindparam("since").is_not(None))
    theirs, ours = _both(ctx.db, twice.order_by(Claim.id), {"since": since})
    _same(theirs, ours)
    # The values a statement carries itself (a literal, a limit) are sent with those given.
    limited = select(Claim.id).where(Claim.rank != "deprecated", Claim.id > bindparam("after")).limit(2)
    theirs, ours = _both(ctx.db, limited.order_by(Claim.id), {"after": 0})
    _same(theirs, ours)
    assert len(ours) == 2


def test_one_scalar_and_scalars(ctx, stored) -> None:
    by_id = Query(select(Group.id, Group.label).where(Group.id == bindparam("group_id")))
    ids = Query(select(Group.id).order_by(Group.id))
    with ctx.db.reading() as session:
        connection = session.connection()
        assert by_id.one(connection, {"group_id": stored[0]}).id == stored[0]
        assert by_id.scalar(connection, {"group_id": stored[0]}) == stored[0]
        assert by_id.scalar(connection, {"group_id": -1}) is None
        assert ids.scalars(connection) == stored
        with pytest.raises(NoResultFound):
            by_id.one(connection, {"group_id": -1})
        with pytest.raises(MultipleResultsFound):
            ids.one(connection)


def test_a_parameter_left_out_is_named_and_nothing_is_run(ctx, stored) -> None:
    query = Query(select(Group.id).where(Group.id == bindparam("group_id"), Group.size > bindparam("size")))
    with ctx.db.reading() as session, pytest.raises(TypeError, match="size"):
        query.all(session.connection(), {"group_id": stored[0]})


def test_a_statement_sqlalchemy_completes_as_it_runs_is_refused(ctx) -> None:
    listed = Query(select(Claim.id).where(Claim.id.in_(bindparam("ids", expanding=True))))
    with ctx.db.reading() as session, pytest.raises(TypeError, match="completes when it runs"):
        listed.all(session.connection(), {"ids": [1, 2]})


def test_an_insert_returns_its_row_with_the_defaults_sqlalchemy_fills(ctx, stored) -> None:
    with ctx.db.writing() as session:
        row = repo.insert_group(session, {"label": "harga beras", "dimension": "currency", "unit": "IDR"})
        assert (row.conflicts, row.size, row.conflict, row.preferred, row.topic_slug) == (
            [],
            0,
            False,
            0,
            None,
        )
        assert abs(row.created_at - datetime.now(UTC)) < timedelta(minutes=1)  # aware, in UTC
    with ctx.db.reading() as session:  # as stored, read by the ORM
        orm = session.get(Group, row.id)
        assert (orm.label, orm.conflicts, orm.size, orm.created_at) == ("harga beras", [], 0, row.created_at)


def test_a_refused_statement_is_raised_as_sqlalchemys_error_and_rolled_back(ctx, stored) -> None:
    with ctx.db.reading() as session:
        claim = session.scalars(select(Claim).order_by(Claim.id).limit(1)).one()
        before = session.scalar(select(Claim.id).order_by(Claim.id.desc()).limit(1))
    columns = {c.key: getattr(claim, c.key) for c in Claim.__table__.c if c.key != "id"}
    with pytest.raises(IntegrityError), ctx.db.writing() as session:
        session.add(Topic(slug="uji-rollback", label="Uji"))
        session.flush()
        repo.insert_claim(session, columns)  # the same fingerprint: refused
    with ctx.db.reading() as session:
        assert session.scalar(select(Claim.id).order_by(Claim.id.desc()).limit(1)) == before
        assert session.get(Topic, "uji-rollback") is None
    with ctx.db.writing() as session:  # the connection serves on
        assert repo.group_row(session, stored[0]).id == stored[0]


def test_a_read_answers_what_was_sent_ahead_in_the_same_exchange(ctx, database_url) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("SQLite runs in the process: no round trips")
    db = Database(database_url)
    add = "INSERT INTO topics (slug, label) VALUES (%s, %s)"
    labels = Query(select(Topic.label).where(Topic.slug == bindparam("slug")))
    try:
        with count_exchanges(db.engine) as exchanges, db.writing(pipelined=True) as session:
            send_ahead(session.connection(), add, [("banjir", "Banjir")])
            seen = labels.scalars(session.connection(), {"slug": "banjir"})
            status = _pipeline_status(session)
        # BEGIN, the lock, the INSERT and the read; then COMMIT. The pipeline ended with the read.
        assert (seen, exchanges.count, status) == (["Banjir"], 2, pq.PipelineStatus.OFF)
        with db.writing(pipelined=True) as session:
            send_ahead(session.connection(), add, [("banjir", "Banjir lagi")])  # the same key: refused
            with pytest.raises(IntegrityError):
                labels.scalars(session.connection(), {"slug": "banjir"})
            status = _pipeline_status(session)
        assert status == pq.PipelineStatus.OFF  # not left aborted, refusing what comes next
        with db.reading() as session:
            assert labels.scalars(session.connection(), {"slug": "banjir"}) == ["Banjir"]
    finally:
        db.dispose()


def _pipeline_status(session) -> pq.PipelineStatus:
    return session.connection().connection.driver_connection.pgconn.pipeline_status


def test_a_connection_lost_in_a_read_is_invalidated_and_the_next_one_serves(ctx, database_url) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("no server to lose")
    db = Database(database_url)
    labels = Query(select(Topic.label))
    try:
        with db.engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with ctx.db.engine.connect() as other:  # waits until the server has ended it
                other.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
            with pytest.raises(OperationalError) as raised:
                labels.all(connection)
            assert raised.value.connection_invalidated and connection.invalidated
        with db.reading() as session:
            assert labels.all(session.connection()) == []
    finally:
        db.dispose()
