"""screening: the status in the country's law a screening found beside its outcome (Kazakhstan's
statutory potential victim under Law No. 110-VIII is not the referral mechanism's stage)

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("screening_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_status", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screening_records", schema=None) as batch_op:
        batch_op.drop_column("legal_status")
