"""Alembic environment: the URL comes from the caller or CEKSILANG_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from service.config import Config
from service.storage.db import MIGRATE_LOCK_KEY, WRITE_OPTION, Database
from service.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("url") or Config().DATABASE_URL


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    db = Database(_url())
    try:
        with db.engine.connect() as conn:
            _run(conn.execution_options(**{WRITE_OPTION: True}))
    finally:
        db.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    """One transaction that holds the migration lock: two containers starting at once never both
    migrate. SQLite: the connection is a writer, so its BEGIN IMMEDIATE waits for the other one;
    PostgreSQL: a transaction-scoped advisory lock. Whoever comes second finds the work done."""
    # One transaction for the whole upgrade, on SQLite too (Alembic would commit step by step there,
    # letting a second container in between with a stale plan).
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, transactional_ddl=True
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK_KEY})
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
