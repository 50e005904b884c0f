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
from functools import lru_cache
from typing import Any

ENTRY_VERSION = 1


@lru_cache(maxsize=8)
def _keyed(salt: bytes) -> hmac.HMAC:
    # Copying an HMAC already keyed with the salt skips the key set-up on every event.
    return hmac.new(salt, digestmod=hashlib.sha256)


def pseudonym(salt: bytes, object_type: str, object_id: str | None) -> str | None:
    """HMAC-SHA-256 of "type:id" under the log's salt, first 128 bits in hex."""
    if object_id is None:
        return None
    mac = _keyed(salt).copy()
    mac.update(f"{object_type}:{object_id}".encode())
    return mac.hexdigest()[:32]


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@lru_cache(maxsize=4096)
def _json_string(value: str) -> str:
    # Actions, object types and outcomes are a few hundred distinct strings at most.
    return json.dumps(value, ensure_ascii=True)


@lru_cache(maxsize=64)
def _timestamp(at: datetime) -> str:
    # A batch of events shares one time: format it once.
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _quoted_uuid(value: uuid.UUID) -> str:
    # The canonical 8-4-4-4-12 form, from .hex: twice as fast as str(UUID).
    h = value.hex
    return f'"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"'


@lru_cache(maxsize=1024)
def _quoted_actor(value: uuid.UUID | None) -> str:
    # A batch of events shares its actor and agency.
    return "null" if value is None else _quoted_uuid(value)


def _quoted(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


# The canonical JSON of an entry (keys sorted, no spaces, ASCII), written out as a template:
# json.dumps over a dict per event was the largest cost of appending. Only the three free strings
# go through the JSON encoder; the other values are UUIDs, hex digests and a timestamp, which
# need no escaping. tests/audit/test_entry.py checks it byte for byte against json.dumps.
_TEMPLATE = (
    '{"action":%s,"actor":%s,"agency":%s,"at":"%s","details":%s,"event":%s,"object":%s,'
    '"outcome":%s,"type":%s,"v":%d}'
)


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
    return (
        _TEMPLATE
        % (
            _json_string(action),
            _quoted_actor(actor_user_id),
            _quoted_actor(actor_agency_id),
            _timestamp(occurred_at),
            _quoted(hashlib.sha256(_canonical_json(details)).hexdigest() if details is not None else None),
            _quoted_uuid(event_id),
            _quoted(pseudonym(salt, object_type, object_id)),
            _json_string(outcome),
            _json_string(object_type),
            ENTRY_VERSION,
        )
    ).encode("ascii")
