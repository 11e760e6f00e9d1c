"""The schema comes from the migrations, and the migrations say what the models say."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from service.storage.migrate import downgrade, upgrade
from service.storage.models import Base


def test_migrations_build_what_the_models_describe(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations disagree; write a migration: {diff}"


def test_upgrade_and_downgrade_run_on_an_empty_database(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    upgrade(url)
    engine = create_engine(url)
    assert {"claims", "groups", "topics", "subject_forms", "form_keys"} <= set(
        inspect(engine).get_table_names()
    )
    downgrade(url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(url)
    upgrade(url)  # a second upgrade is a no-op
    assert "claims" in inspect(engine).get_table_names()
    engine.dispose()
