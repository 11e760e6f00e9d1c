"""Groups indexed by how long their consensus has waited.

The background pass asks every few seconds for the groups with uncounted claims, the longest
waiting first: a range at the start of this index, not a scan of every group. Only the groups
behind are in it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BEHIND = sa.text("behind_since IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_groups_behind", "groups", ["behind_since", "id"], sqlite_where=BEHIND, postgresql_where=BEHIND
    )


def downgrade() -> None:
    op.drop_index("ix_groups_behind", table_name="groups")
