"""two-person grants: powerful roles and agency registrations wait for a second person
(auth_grants), agencies can be inactive until approved, users remember who created them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = (
    "case_worker",
    "supervisor",
    "investigator",
    "border_guard",
    "consular_officer",
    "hotline_operator",
    "anti_corruption_officer",
    "analyst",
    "auditor",
    "trainer",
    "administrator",
)


def _enum(name: str, values: Sequence[str], length: int) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def upgrade() -> None:
    # Plain ADD COLUMNs, not batch mode: on SQLite a batch rebuild drops and re-creates the
    # table, which other tables' foreign keys refuse once there are rows (hence no foreign key
    # on users.created_by either).
    op.add_column("agencies", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("users", sa.Column("created_by", sa.Uuid(), nullable=True))
    op.create_table(
        "auth_grants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum("grant_kind", ("role", "agency"), 16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("role", _enum("grant_role", ROLES, 40), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("status", _enum("grant_status", ("pending", "approved", "refused"), 16), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_auth_grants_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_auth_grants_decided_by_users")),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_auth_grants_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_grants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_grants")),
    )
    with op.batch_alter_table("auth_grants", schema=None) as batch_op:
        batch_op.create_index("ix_auth_grants_status_agency", ["status", "agency_id"], unique=False)
        batch_op.create_index("ix_auth_grants_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auth_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_grants_user_id")
        batch_op.drop_index("ix_auth_grants_status_agency")
    op.drop_table("auth_grants")
    op.drop_column("users", "created_by")
    op.drop_column("agencies", "active")
