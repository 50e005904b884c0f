"""The one function that writes audit events. Every change and every read of a sensitive
record goes through record(), inside the transaction of the change it describes; the event
becomes the next leaf of the verifiable log (audit.log) in that same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from qorgau.audit import log
from qorgau.audit.models import AuditEvent, Outcome
from qorgau.auth.principal import Principal
from qorgau.db import utcnow, uuid7


def record(
    db: Session,
    actor: Principal,
    action: str,
    object_type: str,
    object_id: uuid.UUID | str | None = None,
    *,
    outcome: Outcome = Outcome.SUCCESS,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        id=uuid7(),
        occurred_at=utcnow(),
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        request_id=actor.request_id,
        outcome=outcome,
        details=details,
    )
    db.add(event)
    log.append(db, event)
    return event
