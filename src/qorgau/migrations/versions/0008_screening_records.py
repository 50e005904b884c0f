"""screening: screenings stored with their case (sealed input and result, plain outcome and version)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("ruleset_version", sa.String(length=20), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "insufficient_indicators",
                "potential_victim",
                "likely_victim",
                "refer_to_child_protection",
                name="screening_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("screened_by", sa.Uuid(), nullable=True),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["nrm_cases.id"],
            name=op.f("fk_screening_records_case_id_nrm_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["screened_by"], ["users.id"], name=op.f("fk_screening_records_screened_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_records")),
    )
    with op.batch_alter_table("screening_records", schema=None) as batch_op:
        batch_op.create_index("ix_screening_records_case", ["case_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screening_records", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_records_case")

    op.drop_table("screening_records")
