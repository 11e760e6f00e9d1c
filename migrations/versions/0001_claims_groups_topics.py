"""Claims, groups, topics, the candidate index and the groups' tallies.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("slug", sa.String(120), primary_key=True),
        sa.Column("label", sa.String(300), nullable=False),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("topic_slug", sa.String(120), sa.ForeignKey("topics.slug"), nullable=True),
        sa.Column("dimension", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.Column("consensus", sa.JSON(), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
    )
    op.create_index("ix_groups_topic_conflict", "groups", ["topic_slug", "conflict"])
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("subject_form", sa.String(600), nullable=False),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_low", sa.Float(), nullable=True),
        sa.Column("value_high", sa.Float(), nullable=True),
        sa.Column("value_unit", sa.String(200), nullable=False),
        sa.Column("value_dimension", sa.String(200), nullable=False),
        sa.Column("value_hedge", sa.String(20), nullable=False),
        sa.Column("value_label", sa.String(800), nullable=True),
        sa.Column("value_display_label", sa.String(300), nullable=True),
        sa.Column("unit_given", sa.String(80), nullable=True),
        sa.Column("source_name", sa.String(200), nullable=False),
        sa.Column("source_key", sa.String(800), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("published_at", Timestamp, nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("topic_slug", sa.String(120), sa.ForeignKey("topics.slug"), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("attributed_to", sa.String(300), nullable=True),
        sa.Column("origin", sa.String(200), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("retracted_at", Timestamp, nullable=True),
    )
    op.create_index("ix_claims_group", "claims", ["group_id"])
    op.create_index("ix_claims_source", "claims", ["source_key"])
    op.create_index("ix_claims_topic", "claims", ["topic_slug"])
    op.create_table(
        "subject_forms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("form", sa.String(600), nullable=False),
        sa.Column("measure", sa.String(200), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("pins", sa.String(300), nullable=False),
        sa.Column("generic", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("group_id", "form", name="uq_subject_forms_group_form"),
    )
    op.create_table(
        "form_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("form_id", sa.Integer(), sa.ForeignKey("subject_forms.id"), primary_key=True),
    )
    op.create_table(
        "group_tallies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("source_key", sa.String(800), nullable=False),
        sa.Column("source_name", sa.String(200), nullable=False),
        sa.Column("origin_key", sa.String(800), nullable=False),
        sa.Column("origin_name", sa.String(200), nullable=False),
        sa.Column("value_key", sa.String(1000), nullable=False),
        sa.Column("value_low", sa.Float(), nullable=True),
        sa.Column("value_high", sa.Float(), nullable=True),
        sa.Column("value_unit", sa.String(200), nullable=False),
        sa.Column("value_dimension", sa.String(200), nullable=False),
        sa.Column("value_hedge", sa.String(20), nullable=False),
        sa.Column("value_label", sa.String(800), nullable=True),
        sa.Column("value_display_label", sa.String(300), nullable=True),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.UniqueConstraint("group_id", "source_key", "origin_key", "value_key", name="uq_group_tallies_backing"),
    )


def downgrade() -> None:
    op.drop_table("group_tallies")
    op.drop_table("form_keys")
    op.drop_table("subject_forms")
    op.drop_table("claims")
    op.drop_table("groups")
    op.drop_table("topics")
