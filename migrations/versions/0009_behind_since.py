"""Since when a group has claims its consensus has not counted: the age of the oldest uncounted claim.

Groups behind today are behind since their last count, as far as anyone can tell.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("behind_since", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE groups SET behind_since = COALESCE(consensus_at, updated_at)"
        " WHERE consensus_at IS NULL OR consensus_at < updated_at"
    )


def downgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("behind_since")
