"""The audit event table. A later issue turns these rows into a Merkle-tree log."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from qorgau.db import Base, UTCDateTime, utcnow, uuid7


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
    outcome: Mapped[Outcome] = mapped_column(
        Enum(
            Outcome,
            name="audit_outcome",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # Non-personal facts about the event (changed field names, a break-glass reason id, ...).
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
