"""Tables of the audit room: the events, and the append-only Merkle-tree log built from them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from qorgau.db import Base, UTCDateTime, string_enum, utcnow, uuid7


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Plain ids, not foreign keys: the log outlives whatever it describes.
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_agency_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "audit_outcome", 16))
    # Non-personal facts about the event (changed field names, a break-glass reason id, ...).
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The random secret behind the pseudonyms and the details commitment of the event's log entry
    # (version 2, audit.entry). Never published; NULL for events logged with version 1.
    entry_secret: Mapped[bytes | None] = mapped_column(LargeBinary(64))


class AuditLogHead(Base):
    """The log's one head row: its size, and the salt of the pseudonyms in its entries. Every
    append locks this row, which gives each leaf its place in one order."""

    __tablename__ = "audit_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    size: Mapped[int] = mapped_column(BigInteger)
    # Never published: without it nobody outside can tell which record an entry is about.
    pseudonym_salt: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditLeaf(Base):
    """One leaf per audit event: the canonical entry (no personal data) and its RFC 9162 hash."""

    __tablename__ = "audit_leaves"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditTreeNode(Base):
    """The hash of a perfect subtree: 2**level leaves from node_index * 2**level on. Level 0
    repeats the leaf hashes so that every proof reads from this one table."""

    __tablename__ = "audit_tree_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed tree head (C2SP signed note). Kept for ever: observers check new ones against old."""

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditCosignature(Base):
    """A witness's co-signature of one of this node's checkpoints: another node checked that the
    log at that size extends what it saw before, and signed it. Published with the checkpoint."""

    __tablename__ = "audit_cosignatures"

    tree_size: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("audit_checkpoints.tree_size"), primary_key=True, autoincrement=False
    )
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    signature_line: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The tables themselves, for bulk Core inserts (typed as tables, which __table__ is not).
AUDIT_EVENTS = cast(Table, AuditEvent.__table__)
AUDIT_LEAVES = cast(Table, AuditLeaf.__table__)
AUDIT_TREE_NODES = cast(Table, AuditTreeNode.__table__)
