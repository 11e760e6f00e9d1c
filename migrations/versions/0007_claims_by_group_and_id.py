"""Claims indexed by group and id.

A POST reads a group's latest claims, its claims after an id (conflicts, page by page) and its
latest quoted claims, all in id order with a limit. On PostgreSQL the index on the group alone
makes each of those read and sort every claim of the group; with the id in the index, they read
as many rows as they return. (SQLite keeps its rowid in every index, so there the two are alike.)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_claims_group_id", "claims", ["group_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_claims_group_id", table_name="claims")
