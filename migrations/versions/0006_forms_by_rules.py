"""Subject forms indexed by what the hard rules compare, and by their words.

The forms a new subject may join are then one range of an index (same measure, pins and event
date, not generic) that holds everything the scorer needs; the same words in other periods are
another range.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_subject_forms_rules",
        "subject_forms",
        ["measure", "pins", "event_date", "generic", "form", "group_id"],
    )
    op.create_index("ix_subject_forms_words", "subject_forms", ["measure", "form"])


def downgrade() -> None:
    op.drop_index("ix_subject_forms_words", table_name="subject_forms")
    op.drop_index("ix_subject_forms_rules", table_name="subject_forms")
