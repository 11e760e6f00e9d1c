"""A group's claims indexed with what decides whether they may conflict with a new one.

A claim's conflicts are looked for among its group's claims in id order, each tested for being
counted (not retracted, not ruled deprecated), of the same time and of a value that may not
overlap. With those columns in the index, a claim that cannot conflict is passed over without
reading its row: in a group of twenty thousand that mostly agree, the search read thousands of
rows for a POST. The index takes the place of the two on (group) and (group, id), whose every
query it serves, so a claim costs no more index writes than before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ["group_id", "id", "retracted_at", "rank", "as_of", "value_low", "value_high", "value_label"]


def upgrade() -> None:
    op.create_index("ix_claims_group_values", "claims", COLUMNS)
    op.drop_index("ix_claims_group_id", table_name="claims")
    op.drop_index("ix_claims_group", table_name="claims")


def downgrade() -> None:
    op.create_index("ix_claims_group", "claims", ["group_id"])
    op.create_index("ix_claims_group_id", "claims", ["group_id", "id"])
    op.drop_index("ix_claims_group_values", table_name="claims")
