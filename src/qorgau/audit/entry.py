"""The canonical encoding of an audit event as a log entry: what outside observers see.

It reveals no personal data: the record an event is about appears only as a salted pseudonym,
and its details only as a hash. Version 1 must never change (old leaves are verified against
it); a new encoding gets a new version number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

ENTRY_VERSION = 1


def pseudonym(salt: bytes, object_type: str, object_id: str | None) -> str | None:
    if object_id is None:
        return None
    return hmac.new(salt, f"{object_type}:{object_id}".encode(), hashlib.sha256).hexdigest()[:32]


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def encode_entry(
    salt: bytes,
    *,
    event_id: uuid.UUID,
    occurred_at: datetime,
    actor_user_id: uuid.UUID | None,
    actor_agency_id: uuid.UUID | None,
    action: str,
    object_type: str,
    object_id: str | None,
    outcome: str,
    details: dict[str, Any] | None,
) -> bytes:
    return _canonical_json(
        {
            "v": ENTRY_VERSION,
            "event": str(event_id),
            "at": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": str(actor_user_id) if actor_user_id else None,
            "agency": str(actor_agency_id) if actor_agency_id else None,
            "action": action,
            "type": object_type,
            "object": pseudonym(salt, object_type, object_id),
            "outcome": outcome,
            "details": hashlib.sha256(_canonical_json(details)).hexdigest() if details is not None else None,
        }
    )
