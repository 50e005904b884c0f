"""audit log: Merkle-tree leaves, stored subtrees, and the head row; existing events become leaves

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

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
    leaves = op.create_table(
        "audit_leaves",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_audit_leaves")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_leaves_event_id")),
    )
    nodes = op.create_table(
        "audit_tree_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("node_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name=op.f("pk_audit_tree_nodes")),
    )
    salt = os.urandom(32)
    size = _backfill(salt, leaves, nodes)
    op.bulk_insert(head, [{"id": 1, "size": size, "pseudonym_salt": salt}])


# --- The backfill, frozen ---------------------------------------------------------------------
# Events written before the log existed become its first leaves, oldest first. What it needs is
# copied here as it was at this revision (version 1 of the entry encoding, audit.entry.encode_entry;
# the RFC 9162 leaf and node hashes and the stored perfect subtrees, audit.merkle): a migration
# imports nothing of the application, so a later change there never changes what this one does.
# tests/test_migrations.py holds the copy to the application's encoding.

_EVENTS = sa.table(
    "audit_events",
    sa.column("id", sa.Uuid()),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor_user_id", sa.Uuid()),
    sa.column("actor_agency_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("object_type", sa.String()),
    sa.column("object_id", sa.String()),
    sa.column("outcome", sa.String()),
    sa.column("details", sa.JSON()),
)
_ENTRY_V1 = (
    '{"action":%s,"actor":%s,"agency":%s,"at":"%s","details":%s,"event":%s,"object":%s,'
    '"outcome":%s,"type":%s,"v":%d}'
)


def _quoted_uuid(value: uuid.UUID | None) -> str:
    return "null" if value is None else f'"{value}"'


def _quoted(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


def entry_v1(salt: bytes, event: Any) -> bytes:
    """Version 1 of an event's log entry (canonical JSON: keys sorted, no spaces, ASCII)."""
    at: datetime = event.occurred_at
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at  # SQLite keeps no zone: UTC
    details = event.details
    digest = None
    if details is not None:
        canonical = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        digest = hashlib.sha256(canonical.encode()).hexdigest()
    pseudonym = None
    if event.object_id is not None:
        mac = hmac.new(salt, f"{event.object_type}:{event.object_id}".encode(), hashlib.sha256)
        pseudonym = mac.hexdigest()[:32]
    return (
        _ENTRY_V1
        % (
            json.dumps(event.action, ensure_ascii=True),
            _quoted_uuid(event.actor_user_id),
            _quoted_uuid(event.actor_agency_id),
            at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            _quoted(digest),
            _quoted_uuid(event.id),
            _quoted(pseudonym),
            json.dumps(str(event.outcome), ensure_ascii=True),
            json.dumps(event.object_type, ensure_ascii=True),
            1,
        )
    ).encode("ascii")


def _backfill(salt: bytes, leaves_table: sa.Table, nodes_table: sa.Table) -> int:
    """Append the existing events as leaves 0, 1, ...; returns how many."""
    conn = op.get_bind()
    e = _EVENTS.c
    events = conn.execute(sa.select(_EVENTS).order_by(e.occurred_at, e.id)).all()
    leaves: list[dict[str, Any]] = []
    nodes: dict[tuple[int, int], bytes] = {}
    for index, event in enumerate(events):
        entry = entry_v1(salt, event)
        leaf = hashlib.sha256(b"\x00" + entry).digest()
        leaves.append({"leaf_index": index, "event_id": event.id, "entry": entry, "leaf_hash": leaf})
        # The perfect subtrees this leaf completes: itself, and each parent it is the right edge of.
        level, position, acc = 0, index, leaf
        nodes[(0, index)] = leaf
        while position % 2 == 1:
            acc = hashlib.sha256(b"\x01" + nodes[(level, position - 1)] + acc).digest()
            level, position = level + 1, position // 2
            nodes[(level, position)] = acc
    if leaves:
        op.bulk_insert(leaves_table, leaves)
        op.bulk_insert(
            nodes_table, [{"level": lv, "node_index": i, "hash": h} for (lv, i), h in nodes.items()]
        )
    return len(leaves)


def downgrade() -> None:
    op.drop_table("audit_tree_nodes")
    op.drop_table("audit_leaves")
    op.drop_table("audit_log_head")
