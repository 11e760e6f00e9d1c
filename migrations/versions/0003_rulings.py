"""Editors' rulings: a claim's rank (preferred, normal, deprecated) and the history of rulings.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("rank", sa.String(16), nullable=False, server_default="normal"))
        batch.add_column(sa.Column("rank_reason", sa.String(300), nullable=True))
        batch.add_column(sa.Column("ranked_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("ranked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("preferred", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "rulings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("claim_id", sa.Integer(), sa.ForeignKey("claims.id", name="fk_rulings_claim"), nullable=False),
        sa.Column("rank", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("ruled_by", sa.String(200), nullable=False),
        sa.Column("ruled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rulings_claim", "rulings", ["claim_id"])


def downgrade() -> None:
    op.drop_index("ix_rulings_claim", table_name="rulings")
    op.drop_table("rulings")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("preferred")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("ranked_at")
        batch.drop_column("ranked_by")
        batch.drop_column("rank_reason")
        batch.drop_column("rank")
