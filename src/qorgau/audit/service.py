"""The one function that writes audit events. Every change and every read of a sensitive
record goes through record(), inside the transaction of the change it describes; the event
becomes the next leaf of the verifiable log (audit.log) in that same transaction."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.audit import log
from qorgau.audit.entry import SECRET_BYTES
from qorgau.audit.models import AUDIT_EVENTS, AuditEvent, Outcome
from qorgau.db import insert_rows, utcnow, uuid7_block
from qorgau.errors import AuditNote
from qorgau.principal import Principal


@dataclass(frozen=True)
class Happening:
    """One thing to record, for record_many."""

    action: str
    object_type: str
    object_id: uuid.UUID | str | None = None
    outcome: Outcome = Outcome.SUCCESS
    details: dict[str, Any] | None = None


def record(
    db: Session,
    actor: Principal,
    action: str,
    object_type: str,
    object_id: uuid.UUID | str | None = None,
    *,
    outcome: Outcome = Outcome.SUCCESS,
    details: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Record one event; returns its id."""
    (event_id,) = record_many(db, actor, [Happening(action, object_type, object_id, outcome, details)])
    return event_id


def record_refusal(db: Session, note: AuditNote) -> None:
    """Write what a refused request asked to keep (errors.AuditNote), after its rollback. The
    composition root hands this to the web kit (web.deps.write_audit_notes_with)."""
    record(
        db,
        note.actor,
        note.action,
        note.object_type,
        note.object_id,
        outcome=Outcome.DENIED,
        details=note.details,
    )


_EVENT_COLUMNS = (
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
    "entry_secret",
)
_event_row = itemgetter(*_EVENT_COLUMNS)


def record_many(db: Session, actor: Principal, happenings: Iterable[Happening]) -> list[uuid.UUID]:
    """Record several events by one actor (bulk work: imports, loaders) as one batch of leaves."""
    now = utcnow()
    batch = list(happenings)
    if not batch:
        return []
    # One block of time-ordered ids: the events keep their order, for the price of one uuid7().
    first_id = uuid7_block(len(batch))
    # Each event's own secret for the pseudonyms of its log entry (audit.entry, version 2).
    secrets = os.urandom(SECRET_BYTES * len(batch))
    events: list[dict[str, Any]] = [
        {
            "id": uuid.UUID(int=first_id + i),
            "occurred_at": now,
            "actor_user_id": actor.user_id,
            "actor_agency_id": actor.agency_id,
            "action": h.action,
            "object_type": h.object_type,
            "object_id": str(h.object_id) if h.object_id is not None else None,
            "request_id": actor.request_id,
            "outcome": h.outcome,
            "details": h.details,
            "entry_secret": secrets[i * SECRET_BYTES : (i + 1) * SECRET_BYTES],
        }
        for i, h in enumerate(batch)
    ]
    # Straight to the driver, not ORM objects: an audit row is never loaded back into this
    # session, and bulk work should not pay for identity-map bookkeeping.
    insert_rows(db, AUDIT_EVENTS, _EVENT_COLUMNS, [_event_row(e) for e in events])
    log.append(db, events)
    return [e["id"] for e in events]


def recent_times(db: Session, actor_user_id: uuid.UUID, action: str, since: datetime) -> list[datetime]:
    """When this user's events of this action happened since a moment, oldest first: what a
    per-user rate limit that must survive restarts and hold across processes counts."""
    return list(
        db.scalars(
            select(AuditEvent.occurred_at)
            .where(
                AuditEvent.occurred_at > since,
                AuditEvent.action == action,
                AuditEvent.actor_user_id == actor_user_id,
            )
            .order_by(AuditEvent.occurred_at)
        )
    )
