"""Sources: each outlet's estimated reliability; claims whose quote copies another's; origins per group.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("key", sa.String(800), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("reliability", sa.Float(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("agreements", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("estimated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("copy_of", sa.Integer(), nullable=True))
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("origins", sa.Integer(), nullable=False, server_default="0"))
    # Groups stored before: their distinct origins, from the tallies.
    op.execute(
        "UPDATE groups SET origins = (SELECT count(DISTINCT origin_key) FROM group_tallies t "
        "WHERE t.group_id = groups.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("origins")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("copy_of")
    op.drop_table("sources")
