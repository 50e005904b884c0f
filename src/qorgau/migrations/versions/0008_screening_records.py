"""screening: screenings stored with their case (sealed input and result, plain outcome and version),
and the drafts of unfinished questionnaires (sealed answers), one per case and officer

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

    op.create_table(
        "screening_drafts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["nrm_cases.id"],
            name=op.f("fk_screening_drafts_case_id_nrm_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_screening_drafts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_drafts")),
        sa.UniqueConstraint("case_id", "user_id", name=op.f("uq_screening_drafts_case_id")),
    )


def downgrade() -> None:
    op.drop_table("screening_drafts")
    with op.batch_alter_table("screening_records", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_records_case")

    op.drop_table("screening_records")
