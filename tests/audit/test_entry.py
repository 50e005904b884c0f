"""Each entry encoding (version 1, version 2) is fixed forever: the fast template gives, byte for
byte, the canonical JSON (sorted keys, no spaces, ASCII) that the version defines."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from qorgau.audit.entry import ENTRY_V1, ENTRY_V2, encode_entry, encode_entry_v2, entry_version


def canonical(salt, *, event_id, occurred_at, actor_user_id, actor_agency_id, action, object_type, object_id,
              outcome, details) -> bytes:  # fmt: skip
    def dumps(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    return dumps(
        {
            "v": ENTRY_V1,
            "event": str(event_id),
            "at": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": str(actor_user_id) if actor_user_id else None,
            "agency": str(actor_agency_id) if actor_agency_id else None,
            "action": action,
            "type": object_type,
            "object": (
                hmac.new(salt, f"{object_type}:{object_id}".encode(), hashlib.sha256).hexdigest()[:32]
                if object_id is not None
                else None
            ),
            "outcome": outcome,
            "details": hashlib.sha256(dumps(details)).hexdigest() if details is not None else None,
        }
    )


uuids = st.builds(uuid.UUID, st.uuids().map(str))
zones = st.sampled_from([UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-3, minutes=-30))])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@given(
    salt=st.binary(min_size=16, max_size=32),
    event_id=uuids,
    occurred_at=st.datetimes(timezones=zones),
    actor_user_id=st.none() | uuids,
    actor_agency_id=st.none() | uuids,
    action=st.text(max_size=40),
    object_type=st.text(max_size=20),
    object_id=st.none() | st.text(max_size=40),
    outcome=st.sampled_from(["success", "denied", "failure"]) | st.text(max_size=10),
    details=st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=4),
)
def test_the_fast_encoding_is_the_canonical_json_byte_for_byte(**event):
    assert encode_entry(**event) == canonical(**event)


def canonical_v2(secret, *, event_id, occurred_at, actor_user_id, actor_agency_id, action, object_type,
                 object_id, outcome, details) -> bytes:  # fmt: skip
    def dumps(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    def key(field):  # the secret is the keys of actor, agency, object and details, 16 bytes each
        return secret[16 * ["actor", "agency", "object", "details"].index(field) :][:16]

    def pseudonym(field, value):
        if value is None:
            return None
        return hashlib.blake2b(value.encode(), key=key(field), digest_size=16).hexdigest()

    return dumps(
        {
            "v": ENTRY_V2,
            "event": str(event_id),
            "at": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": pseudonym("actor", str(actor_user_id) if actor_user_id else None),
            "agency": pseudonym("agency", str(actor_agency_id) if actor_agency_id else None),
            "action": action,
            "type": object_type,
            "object": pseudonym("object", f"{object_type}:{object_id}" if object_id is not None else None),
            "outcome": outcome,
            "details": hashlib.blake2b(dumps(details), key=key("details"), digest_size=32).hexdigest()
            if details is not None
            else None,
        }
    )


@given(
    secret=st.binary(min_size=64, max_size=64),
    event_id=uuids,
    occurred_at=st.datetimes(timezones=zones),
    actor_user_id=st.none() | uuids,
    actor_agency_id=st.none() | uuids,
    action=st.text(max_size=40),
    object_type=st.text(max_size=20),
    object_id=st.none() | st.text(max_size=40),
    outcome=st.sampled_from(["success", "denied", "failure"]) | st.text(max_size=10),
    details=st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=4),
)
def test_version_2_is_its_canonical_json_byte_for_byte(**event):
    entry = encode_entry_v2(**event)
    assert entry == canonical_v2(**event)
    assert entry_version(entry) == ENTRY_V2
