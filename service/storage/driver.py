"""Statements run on the driver's own cursor: the few a POST runs every time, past SQLAlchemy's execution.

SQLAlchemy runs a statement through its execution context (the compiled form looked up in its cache,
a dictionary of every parameter, the cursor's description read into result metadata, a `Row` made
of each row): more processor time than the driver's own `execute` and `fetchall` of the same
statement and rows takes, on PostgreSQL as much again, and a POST runs a dozen. A `Query`
does that work once per statement and dialect: the statement compiled (by SQLAlchemy, to the very
SQL it would send), its parameters' conversions for the driver and its columns' conversions back
(each column type's own, as SQLAlchemy applies them), and a named tuple for its rows; each run is
then the driver's `execute`, the parameters converted where a type converts them, and the rows read.

What it leaves out, and what stands in for it: SQLAlchemy's events do not see these statements (a
pipelined writer's statements sent ahead are answered with it all the same: `db.end_pipeline`), and
a driver's error is raised as SQLAlchemy raises it (`DBAPIError.instance`: an `IntegrityError`, an
`OperationalError`), the connection invalidated when the error says it is lost, as SQLAlchemy does.
For statements of plain parameters only: one that SQLAlchemy completes when it runs (an expanding
IN list, a literal rendered at execution) is refused when it is first compiled.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.sql.expression import Executable

from service.storage.db import driver_error, end_pipeline

Convert = Callable[[Any], Any]


@dataclass
class _Plan:
    """A statement as one dialect runs it."""

    sql: str
    order: tuple[str, ...] | None  # the parameters' names in order, for a driver of positional ones
    defaults: dict[str, Any]  # every parameter, with the values the statement carries itself
    required: frozenset[str]  # the parameters a run must give
    converted: tuple[tuple[str, Convert], ...]  # the parameters whose type converts them
    keys: tuple[str, ...]  # the columns' names
    # Made at the first run, from the driver's description of the columns:
    row: Any = None  # the named tuple of a row
    loaders: tuple[tuple[int, Convert], ...] = field(default=())  # the columns whose type converts them


class Query:
    """A SELECT (or an INSERT, UPDATE or DELETE with RETURNING) run on the driver's cursor of the
    connection given, in its transaction; rows are named tuples of the statement's columns."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        # By kind of dialect (`_kind`), not by dialect: a plan's conversions hold on to the dialect
        # they were made by, and a process that makes many engines (the tests) would keep each.
        self._plans: dict[tuple[Any, ...], _Plan] = {}

    def all(self, connection: Connection, params: Mapping[str, Any] | None = None) -> list[Any]:
        dialect = connection.dialect
        plan = self._plans.get(_kind(dialect)) or self._plan(dialect)
        return self._run(connection, plan, params or {})

    def one(self, connection: Connection, params: Mapping[str, Any] | None = None) -> Any:
        """The statement's one row: NoResultFound when there is none, MultipleResultsFound when there
        are more, as SQLAlchemy raises them."""
        rows = self.all(connection, params)
        if not rows:
            raise NoResultFound("No row was found when one was required")
        if len(rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return rows[0]

    def scalar(self, connection: Connection, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None when there is no row."""
        rows = self.all(connection, params)
        return rows[0][0] if rows else None

    def scalars(self, connection: Connection, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self.all(connection, params)]

    def _plan(self, dialect: Any) -> _Plan:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
            raise TypeError("a statement SQLAlchemy completes when it runs is not one for the driver")
        keys = tuple(self.statement.exported_columns.keys())  # type: ignore[attr-defined]
        if len(set(keys)) != len(keys) or not all(key.isidentifier() for key in keys):
            raise TypeError(f"the driver's rows need distinct names for the columns: {keys}")
        # By the name rendered: a parameter used twice is converted by the type of either use
        # that converts it, as SQLAlchemy does (one use may be typed by its column, one not).
        converts: dict[str, Convert] = {}
        required = set()
        for bind, name in compiled.bind_names.items():
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                converts.setdefault(name, convert)
            if bind.required:
                required.add(name)
        plan = _Plan(
            sql=compiled.string,
            order=tuple(compiled.positiontup) if compiled.positiontup is not None else None,
            defaults=dict(compiled.params),
            required=frozenset(required),
            converted=tuple(converts.items()),
            keys=keys,
        )
        self._plans[_kind(dialect)] = plan
        return plan

    def _columns(self, dialect: Any, plan: _Plan, description: Any) -> None:
        """The row's named tuple and the columns' conversions, from the driver's description of
        them (a PostgreSQL column's type as the server sent it, which some conversions ask for)."""
        loaders = []
        for index, column in enumerate(self.statement.exported_columns):  # type: ignore[attr-defined]
            type_code = description[index][1] if description is not None else None
            load = column.type.dialect_impl(dialect).result_processor(dialect, type_code)
            if load is not None:
                loaders.append((index, load))
        plan.loaders = tuple(loaders)
        plan.row = namedtuple("Row", plan.keys)  # type: ignore[misc]

    def _run(self, connection: Connection, plan: _Plan, params: Mapping[str, Any]) -> list[Any]:
        missing = plan.required - params.keys()
        if missing:
            raise TypeError(f"a value is required for the parameters {', '.join(sorted(missing))}")
        values = {**plan.defaults, **params}
        for name, convert in plan.converted:
            values[name] = convert(values[name])
        given: Any = values if plan.order is None else [values[name] for name in plan.order]
        dialect = connection.dialect
        driver = connection.connection.dbapi_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            cursor.execute(plan.sql, given)
            end_pipeline(connection.info)  # statements sent ahead are answered with this one
            fetched = cursor.fetchall()
            if plan.row is None:
                self._columns(dialect, plan, cursor.description)
        except dialect.loaded_dbapi.Error as exc:
            raise driver_error(connection, exc, plan.sql, given, cursor) from exc
        finally:
            cursor.close()
        make = plan.row._make
        if not plan.loaders:
            return [make(row) for row in fetched]
        rows = []
        for row in fetched:
            values_of_row = list(row)
            for index, load in plan.loaders:
                values_of_row[index] = load(values_of_row[index])
            rows.append(make(values_of_row))
        return rows


def _kind(dialect: Any) -> tuple[Any, ...]:
    """What a statement's SQL and conversions depend on: the dialect's class (the database and its
    driver), its parameters' style and the server's version. Every engine Cek Silang makes
    (`db.Database`) sets nothing else that they read."""
    return (type(dialect), dialect.paramstyle, dialect.server_version_info)
