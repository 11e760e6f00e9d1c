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


def test_form_keys_keep_their_rows_as_sqlite_rebuilds_them_without_a_rowid_and_back(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/keys.db"
    upgrade(url, "0011")
    engine = create_engine(url)
    keys = [("w:pasukan", 1), ("w:rusia", 1), ("t:rus", 2), ("w:pasukan", 2)]
    with engine.begin() as conn:  # two forms of one group, with their keys, as 0011 stored them
        conn.exec_driver_sql(
            "INSERT INTO groups (id, label, dimension, unit, size, sources, origins, conflict, preferred, "
            "conflicts, created_at, updated_at) VALUES (1, 'x', 'troops', 'troop', 2, 2, 2, 0, 0, '[]', "
            "'2022-01-01', '2022-01-01')"
        )
        for form_id in (1, 2):
            conn.exec_driver_sql(
                "INSERT INTO subject_forms (id, group_id, form, measure, pins, generic) "
                "VALUES (?, 1, ?, 'troops', '', 0)",
                (form_id, f"pasukan rusia {form_id}"),
            )
        conn.exec_driver_sql("INSERT INTO form_keys (key, form_id) VALUES (?, ?)", keys)

    def table() -> tuple[str, list[tuple[str, int]]]:
        with engine.connect() as conn:
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'form_keys'").scalar_one()
            rows = conn.exec_driver_sql("SELECT key, form_id FROM form_keys").all()
        return sql, sorted(tuple(row) for row in rows)

    upgrade(url)
    sql, rows = table()
    assert sql.rstrip().endswith("WITHOUT ROWID") and rows == sorted(keys)
    downgrade(url, "0011")
    sql, rows = table()
    assert "WITHOUT ROWID" not in sql and rows == sorted(keys)
    upgrade(url)
    assert table()[1] == sorted(keys)
    engine.dispose()
