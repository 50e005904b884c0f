"""The canonical encoding of an audit event as a log entry: what outside observers see.

Version 1 (the first leaves of older logs) shows actor and agency ids in clear, one pseudonym per
record under the log's salt, and the plain SHA-256 of the details, which a dictionary of likely
details recovers. Version 2 (every new event) shows no id at all: the event's row keeps a random
secret (`entry_secret`, never published) made of one 128-bit key per field, and the entry shows
the actor, agency and record only as keyed BLAKE2b MACs under their key, and the details only as
a keyed BLAKE2b commitment under theirs. Each event has its own secret, so no two entries share
a pseudonym: nobody outside can follow a record, a user or an agency from entry to entry. The
node can open one field of one entry to an auditor by handing over that field's key
(audit.opening).

Neither encoding may ever change (old leaves are verified against them); a new encoding gets a
new version number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from hashlib import blake2b
from typing import Any

ENTRY_V1 = 1
ENTRY_V2 = 2
ENTRY_VERSION = ENTRY_V2  # what new events get
# The fields of a version 2 entry that are pseudonyms or commitments, each under its own key: the
# event's secret is their keys one after the other.
V2_FIELDS = ("actor", "agency", "object", "details")
KEY_BYTES = 16
SECRET_BYTES = KEY_BYTES * len(V2_FIELDS)
_KEY_AT = {field: i * KEY_BYTES for i, field in enumerate(V2_FIELDS)}


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


def encode_entry(  # version 1
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
            _quoted(v1_details(details) if details is not None else None),
            _quoted_uuid(event_id),
            _quoted(pseudonym(salt, object_type, object_id)),
            _json_string(outcome),
            _json_string(object_type),
            ENTRY_V1,
        )
    ).encode("ascii")


def v1_details(details: dict[str, Any]) -> str:
    """The details field of a version 1 entry: the plain SHA-256 of their canonical JSON."""
    return hashlib.sha256(_canonical_json(details)).hexdigest()


def field_key(secret: bytes, field: str) -> bytes:
    """The key of one field of a version 2 entry, a part of the event's secret: handing it to an
    auditor opens that field of that entry and nothing else."""
    at = _KEY_AT[field]
    return secret[at : at + KEY_BYTES]


def v2_pseudonym(key: bytes, value: str) -> str:
    """The keyed BLAKE2b MAC of `value` under a field key, 128 bits in hex. (Keyed BLAKE2b, not
    HMAC: a few times faster, and this runs three times for every event appended.)"""
    return blake2b(value.encode(), key=key, digest_size=16).hexdigest()


def v2_details(key: bytes, details: dict[str, Any]) -> str:
    """The commitment to an event's details: keyed BLAKE2b of their canonical JSON, 256 bits in hex."""
    return blake2b(_canonical_json(details), key=key, digest_size=32).hexdigest()


def object_reference(object_type: str, object_id: str) -> str:
    return f"{object_type}:{object_id}"


def encode_entry_v2(
    secret: bytes,
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
    def pseudonym_of(field: str, value: str | None) -> str:
        return "null" if value is None else f'"{v2_pseudonym(field_key(secret, field), value)}"'

    return (
        _TEMPLATE
        % (
            _json_string(action),
            pseudonym_of("actor", str(actor_user_id) if actor_user_id is not None else None),
            pseudonym_of("agency", str(actor_agency_id) if actor_agency_id is not None else None),
            _timestamp(occurred_at),
            _quoted(v2_details(field_key(secret, "details"), details) if details is not None else None),
            _quoted_uuid(event_id),
            pseudonym_of(
                "object", object_reference(object_type, object_id) if object_id is not None else None
            ),
            _json_string(outcome),
            _json_string(object_type),
            ENTRY_V2,
        )
    ).encode("ascii")


def entry_version(entry: bytes) -> int:
    """The version of an encoded entry: its last field, `"v":N}` (keys are sorted)."""
    return int(entry[entry.rindex(b":") + 1 : -1])
