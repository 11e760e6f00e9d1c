"""On SQLite, the candidate index's keys are one b-tree ordered by (key, form): WITHOUT ROWID.

A table with a composite primary key and a rowid is two b-trees on SQLite, the rows by rowid and
the primary key's index beside them, each written for every key an import or a POST adds (a form
has some twenty keys: they are most of the rows a store holds). Ordered by the primary key itself,
the table is that index alone: one b-tree to write, and a smaller file. Its lookups (the forms
sharing a key) read the same order they read before. PostgreSQL has no such option: nothing to do.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_COLUMNS = """"key" VARCHAR(200) NOT NULL,
    form_id INTEGER NOT NULL,
    PRIMARY KEY ("key", form_id),
    FOREIGN KEY(form_id) REFERENCES subject_forms (id)"""


def _rebuild(options: str) -> None:
    """form_keys again with these table options, its rows copied over in key order."""
    op.execute(f"CREATE TABLE form_keys_rebuilt (\n    {_COLUMNS}\n){options}")
    op.execute('INSERT INTO form_keys_rebuilt ("key", form_id) SELECT "key", form_id FROM form_keys ORDER BY 1, 2')
    op.execute("DROP TABLE form_keys")
    op.execute("ALTER TABLE form_keys_rebuilt RENAME TO form_keys")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(" WITHOUT ROWID")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild("")
