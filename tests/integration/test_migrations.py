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


def test_groups_stored_before_the_origins_column_get_theirs_counted(tmp_path) -> None:
    from service.app import create_app
    from tests.conftest import TestConfig

    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0003")
    app = create_app(TestConfig(url))
    engine = create_engine(url)
    with engine.begin() as conn:  # a group of three claims, two relying on Reuters, as 0003 stored it
        conn.exec_driver_sql(
            "INSERT INTO groups (id, label, dimension, unit, size, sources, conflict, preferred, conflicts, "
            "created_at, updated_at) VALUES (1, 'x', 'troops', 'troop', 3, 3, 0, 0, '[]', "
            "'2022-01-01', '2022-01-01')"
        )
        for i, (source, origin) in enumerate([("a", "reuters"), ("b", "reuters"), ("c", "c")], start=1):
            conn.exec_driver_sql(
                "INSERT INTO group_tallies (id, group_id, source_key, source_name, origin_key, origin_name, "
                "value_key, value_unit, value_dimension, value_hedge, claims) VALUES (?, 1, ?, ?, ?, ?, ?, "
                "'troop', 'troops', 'exact', 1)",
                (i, source, source, origin, origin, str(i)),
            )
    upgrade(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT origins FROM groups WHERE id = 1").scalar_one() == 2
    engine.dispose()
    app.extensions["ceksilang"].db.dispose()


def test_an_upgrade_is_one_transaction_so_its_lock_is_held_throughout(tmp_path) -> None:
    # Committed step by step, a second container could slip in between with a stale plan.
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    commits: list[str] = []

    def count(conn) -> None:  # type: ignore[no-untyped-def]
        commits.append(str(conn.engine.url))

    url = f"sqlite:///{tmp_path}/one.db"
    event.listen(Engine, "commit", count)
    try:
        upgrade(url)
    finally:
        event.remove(Engine, "commit", count)
    assert commits.count(url) == 1
