"""audit log: Merkle-tree leaves, stored subtrees, and the head row; existing events become leaves

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    head = op.create_table(
        "audit_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("pseudonym_salt", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log_head")),
    )
    op.create_table(
        "audit_leaves",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_audit_leaves")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_leaves_event_id")),
    )
    op.create_table(
        "audit_tree_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("node_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name=op.f("pk_audit_tree_nodes")),
    )
    op.bulk_insert(head, [{"id": 1, "size": 0, "pseudonym_salt": os.urandom(32)}])
    _backfill()


def _backfill() -> None:
    # Events written before the log existed become its first leaves, oldest first. This uses the
    # application's entry encoding, version 1 of which never changes.
    from sqlalchemy.orm import Session

    from qorgau.audit import log
    from qorgau.audit.models import AuditEvent

    session = Session(bind=op.get_bind())
    # The columns the table has at this revision (later ones, such as entry_secret, come after).
    table = AuditEvent.__table__
    columns = (
        "id",
        "occurred_at",
        "actor_user_id",
        "actor_agency_id",
        "action",
        "object_type",
        "object_id",
        "request_id",
        "outcome",
        "details",
    )
    query = sa.select(*(table.c[name] for name in columns)).order_by(AuditEvent.occurred_at, AuditEvent.id)
    log.append(session, [dict(row._mapping) for row in session.execute(query)])
    session.flush()


def downgrade() -> None:
    op.drop_table("audit_tree_nodes")
    op.drop_table("audit_leaves")
    op.drop_table("audit_log_head")
