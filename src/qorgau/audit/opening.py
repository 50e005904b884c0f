"""Opening the public log to an auditor, one entry or one record at a time.

The public entries (version 2, audit.entry) show no ids and no details: only per-event
pseudonyms and a salted commitment. The node, which keeps each event's secret, can open them:

- reveal(): everything behind one entry (its ids, its details and its secret), so the auditor
  recomputes the entry's pseudonyms and details commitment and compares them with the entry the
  node published;
- prove_record(): which entries concern one record, each with the key of its object pseudonym
  only, so the auditor checks that each of those entries names that record, and learns nothing
  else about them (not their actor, agency or details).

Both are audited. The check_* functions are the auditor's side: pure, given the published
entries (e.g. from /transparency/entries, whose root `qorgau audit verify --url` checked).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.audit.entry import (
    ENTRY_V1,
    ENTRY_V2,
    field_key,
    object_reference,
    v1_details,
    v2_details,
    v2_pseudonym,
)
from qorgau.audit.models import AuditEvent, AuditLeaf
from qorgau.errors import NotFound
from qorgau.i18n import _
from qorgau.principal import Principal

REVEAL_ACTION = "audit.reveal"
PROVE_RECORD_ACTION = "audit.prove_record"


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def reveal(db: Session, actor: Principal, event_id: uuid.UUID) -> dict[str, Any]:
    """The opening of one entry: what it is about in clear, and (version 2) the event's secret."""
    found = db.execute(
        select(AuditEvent, AuditLeaf.leaf_index)
        .join(AuditLeaf, AuditLeaf.event_id == AuditEvent.id)
        .where(AuditEvent.id == event_id)
    ).one_or_none()
    if found is None:
        raise NotFound(_("No audit event in the log has that id."))
    event, leaf_index = found
    opening = {
        "kind": "reveal",
        "event_id": str(event.id),
        "leaf_index": leaf_index,
        "v": ENTRY_V1 if event.entry_secret is None else ENTRY_V2,
        "action": event.action,
        "outcome": str(event.outcome),
        "actor_user_id": _str(event.actor_user_id),
        "actor_agency_id": _str(event.actor_agency_id),
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
    }
    if event.entry_secret is not None:
        opening["secret"] = event.entry_secret.hex()
    audit.record(db, actor, REVEAL_ACTION, "audit_event", event.id)
    return opening


def prove_record(db: Session, actor: Principal, object_type: str, object_id: str) -> dict[str, Any]:
    """The entries about one record, each with the key that opens its object pseudonym."""
    rows = db.execute(
        select(AuditEvent.id, AuditEvent.entry_secret, AuditLeaf.leaf_index)
        .join(AuditLeaf, AuditLeaf.event_id == AuditEvent.id)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditLeaf.leaf_index)
    ).all()
    events = []
    for event_id, secret, leaf_index in rows:
        item: dict[str, Any] = {"event_id": str(event_id), "leaf_index": leaf_index}
        if secret is None:
            # Version 1: one pseudonym per record under the log's salt, which is not revealed
            # (it would open every version 1 entry); the auditor sees these entries share it.
            item["v"] = ENTRY_V1
        else:
            item["v"] = ENTRY_V2
            item["object_key"] = field_key(secret, "object").hex()
        events.append(item)
    audit.record(db, actor, PROVE_RECORD_ACTION, object_type, object_id, details={"events": len(events)})
    return {"kind": "record", "object_type": object_type, "object_id": object_id, "events": events}


# --- the auditor's side -----------------------------------------------------------------------


def _pseudonym_matches(published: Any, key: bytes, value: str | None) -> bool:
    if value is None:
        return published is None
    return published == v2_pseudonym(key, value)


def check_reveal(entry: str, opening: Mapping[str, Any]) -> list[str]:
    """What in a published entry does not match the node's opening of it (empty: it matches)."""
    shown = json.loads(entry)
    problems = []
    for field, key in (("event", "event_id"), ("v", "v"), ("action", "action"), ("outcome", "outcome"),
                       ("type", "object_type")):  # fmt: skip
        if shown.get(field) != opening.get(key):
            problems.append(f"{field} is not the opened {key}")
    details = opening.get("details")
    if shown.get("v") == ENTRY_V2:
        secret = bytes.fromhex(opening["secret"])
        obj = opening.get("object_id")
        expected = {
            "actor": _pseudonym_matches(
                shown["actor"], field_key(secret, "actor"), opening.get("actor_user_id")
            ),
            "agency": _pseudonym_matches(
                shown["agency"], field_key(secret, "agency"), opening.get("actor_agency_id")
            ),
            "object": _pseudonym_matches(
                shown["object"],
                field_key(secret, "object"),
                None if obj is None else object_reference(opening["object_type"], obj),
            ),
            "details": shown["details"]
            == (None if details is None else v2_details(field_key(secret, "details"), details)),
        }
    else:  # version 1: ids in clear, an unsalted details hash; the record's pseudonym stays closed
        expected = {
            "actor": shown["actor"] == opening.get("actor_user_id"),
            "agency": shown["agency"] == opening.get("actor_agency_id"),
            "details": shown["details"] == (None if details is None else v1_details(details)),
        }
    problems += [f"{field} does not match the opening" for field, ok in expected.items() if not ok]
    return problems


def check_record_proof(entries: Mapping[int, str], proof: Mapping[str, Any]) -> list[str]:
    """What in a record proof the published entries (by leaf index) do not bear out."""
    reference = object_reference(proof["object_type"], proof["object_id"])
    problems = []
    v1_pseudonyms = set()
    for item in proof["events"]:
        index = item["leaf_index"]
        if index not in entries:
            problems.append(f"leaf {index} is not among the published entries")
            continue
        shown = json.loads(entries[index])
        if shown.get("event") != item["event_id"] or shown.get("type") != proof["object_type"]:
            problems.append(f"leaf {index} is not the entry of event {item['event_id']}")
        elif shown.get("v") == ENTRY_V2:
            if shown.get("object") != v2_pseudonym(bytes.fromhex(item["object_key"]), reference):
                problems.append(f"leaf {index}: its object pseudonym does not open to the record")
        else:
            v1_pseudonyms.add(shown.get("object"))
    if len(v1_pseudonyms) > 1:
        problems.append("the version 1 entries do not share one record pseudonym")
    return problems
