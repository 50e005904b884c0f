"""NRM: the blind-index lookup index covers the person id, so that a name search reads the index
alone (an index-only scan) instead of one table row for every person with that name

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Dropped and made again in one transaction: on PostgreSQL nobody sees the table without
    # it, and writes to the table wait while it is built (about 20 s for 4.5 million keys).
    with op.batch_alter_table("nrm_person_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_nrm_person_keys_lookup")
        batch_op.create_index("ix_nrm_person_keys_lookup", ["kind", "digest", "person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nrm_person_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_nrm_person_keys_lookup")
        batch_op.create_index("ix_nrm_person_keys_lookup", ["kind", "digest"], unique=False)
