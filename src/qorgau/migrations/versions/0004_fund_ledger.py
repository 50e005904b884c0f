"""fund ledger

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fund_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "donor",
                "fund",
                "cost",
                "case",
                name="fund_account_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_fund_accounts_code")),
    )
    op.create_table(
        "fund_transactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "contribution",
                "payment",
                "transfer",
                "reversal",
                name="fund_transaction_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending_approval",
                "posted",
                name="fund_transaction_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("maker_user_id", sa.Uuid(), nullable=True),
        sa.Column("maker_roles", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["fund_transactions.id"],
            name=op.f("fk_fund_transactions_reverses_id_fund_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_transactions")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_fund_transactions_reverses_id")),
    )
    op.create_table(
        "fund_postings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fund_accounts.id"], name=op.f("fk_fund_postings_account_id_fund_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["fund_transactions.id"],
            name=op.f("fk_fund_postings_transaction_id_fund_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_postings")),
    )
    with op.batch_alter_table("fund_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_postings_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fund_postings_transaction_id"), ["transaction_id"], unique=False)

    _protect_postings()


_NEVER_CHANGED = "ledger postings are never changed or deleted; post a reversing transaction"


def _protect_postings() -> None:
    """Postings are append-only in the database itself, not only in the code."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION fund_postings_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_NEVER_CHANGED}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER fund_postings_append_only BEFORE UPDATE OR DELETE ON fund_postings "
            "FOR EACH ROW EXECUTE FUNCTION fund_postings_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER fund_postings_no_{event.lower()} BEFORE {event} ON fund_postings "
                f"BEGIN SELECT RAISE(ABORT, '{_NEVER_CHANGED}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS fund_postings_append_only ON fund_postings")
        op.execute("DROP FUNCTION IF EXISTS fund_postings_append_only()")
    with op.batch_alter_table("fund_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_postings_transaction_id"))
        batch_op.drop_index(batch_op.f("ix_fund_postings_account_id"))

    op.drop_table("fund_postings")
    op.drop_table("fund_transactions")
    op.drop_table("fund_accounts")
