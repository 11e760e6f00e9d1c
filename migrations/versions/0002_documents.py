"""Documents: articles read into claims, and where each claim's value stands in its article.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("source_name", sa.String(200), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("topic_slug", sa.String(120), sa.ForeignKey("topics.slug"), nullable=True),
        sa.Column("origin", sa.String(200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("value_start", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("value_end", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_claims_document", "documents", ["document_id"], ["id"])
        batch.create_index("ix_claims_document", ["document_id"])


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_index("ix_claims_document")
        batch.drop_constraint("fk_claims_document", type_="foreignkey")
        batch.drop_column("value_end")
        batch.drop_column("value_start")
        batch.drop_column("document_id")
    op.drop_table("documents")
