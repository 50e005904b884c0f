"""The audit log's storage: appending leaves in the transaction of their event, and reading
tree heads and proofs from the stored perfect subtrees (O(log n) rows each)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache, partial
from typing import Any

from sqlalchemy import Select, and_, bindparam, or_, select, text
from sqlalchemy.orm import Session

from qorgau.audit import merkle
from qorgau.audit.entry import encode_entry, encode_entry_v2
from qorgau.audit.models import (
    AUDIT_LEAVES,
    AUDIT_TREE_NODES,
    AuditEvent,
    AuditLogHead,
    AuditTreeNode,
    Outcome,
)
from qorgau.db import insert_rows

HEAD_ID = 1
# A proof needs at most about 2 * log2(size) nodes; bigger sets (verification) go in chunks.
_NODES_PER_QUERY = 128


def _head(db: Session, *, for_update: bool) -> AuditLogHead:
    query = select(AuditLogHead).where(AuditLogHead.id == HEAD_ID)
    if for_update:
        # Serialises appends on PostgreSQL (SQLite writers are serial already): each leaf gets
        # the next index, and no two transactions interleave their nodes.
        query = query.with_for_update()
    head = db.scalar(query)
    if head is None:
        raise RuntimeError("the audit log has no head row; run: qorgau db upgrade")
    return head


@cache
def _outcome(value: str) -> str:
    return Outcome(value).value  # refuses a value that is not an outcome


def entry_for(event: Mapping[str, Any] | AuditEvent, salt: bytes) -> bytes:
    """The canonical entry of an audit event, given as its row values or as a loaded row: version
    2 under the event's own secret, or version 1 under the log's salt for an event without one
    (those logged before version 2, whose leaves never change)."""
    # (isinstance against the model, not the Mapping ABC: this runs once per event appended.)
    value: Callable[[str], Any]
    if isinstance(event, AuditEvent):
        value, secret = partial(getattr, event), event.entry_secret
    else:
        value, secret = event.__getitem__, event.get("entry_secret")
    encode, key = (encode_entry, salt) if secret is None else (encode_entry_v2, secret)
    return encode(
        key,
        event_id=value("id"),
        occurred_at=value("occurred_at"),
        actor_user_id=value("actor_user_id"),
        actor_agency_id=value("actor_agency_id"),
        action=value("action"),
        object_type=value("object_type"),
        object_id=value("object_id"),
        outcome=_outcome(value("outcome")),
        details=value("details"),
    )


@cache
def _nodes_query(count: int) -> Select[int, int, bytes]:
    """SELECT of `count` nodes by primary key, built once per count: a proof runs on every
    request for one, and building the expression costs more than running it. Each OR term is
    a primary-key lookup on both databases."""
    terms = [
        and_(AuditTreeNode.level == bindparam(f"l{i}"), AuditTreeNode.node_index == bindparam(f"n{i}"))
        for i in range(count)
    ]
    return select(AuditTreeNode.level, AuditTreeNode.node_index, AuditTreeNode.hash).where(or_(*terms))


# PostgreSQL: the wanted keys as two arrays joined to the table. One statement text for any number
# of nodes, so psycopg prepares it once and it is not planned again for every proof (planning the
# OR form took about as long as running it).
_NODES_BY_ARRAYS = text(
    "SELECT n.level, n.node_index, n.hash FROM audit_tree_nodes AS n"
    " JOIN unnest(CAST(:levels AS smallint[]), CAST(:indexes AS bigint[])) AS k (level, node_index)"
    " ON n.level = k.level AND n.node_index = k.node_index"
)


def _nodes_by_keys(db: Session, ordered: list[merkle.Node]) -> dict[merkle.Node, bytes]:
    found: dict[merkle.Node, bytes] = {}
    for start in range(0, len(ordered), _NODES_PER_QUERY):
        chunk = ordered[start : start + _NODES_PER_QUERY]
        params = {}
        for i, (level, index) in enumerate(chunk):
            params[f"l{i}"], params[f"n{i}"] = level, index
        found.update(((level, index), h) for level, index, h in db.execute(_nodes_query(len(chunk)), params))
    return found


def _nodes_by_arrays(db: Session, ordered: list[merkle.Node]) -> dict[merkle.Node, bytes]:
    params = {"levels": [level for level, _i in ordered], "indexes": [index for _l, index in ordered]}
    return {(level, index): h for level, index, h in db.execute(_NODES_BY_ARRAYS, params)}


def stored_nodes(db: Session, nodes: set[merkle.Node]) -> dict[merkle.Node, bytes]:
    ordered = sorted(nodes)
    postgres = db.connection().dialect.name == "postgresql"
    found = (_nodes_by_arrays if postgres else _nodes_by_keys)(db, ordered)
    missing = nodes - found.keys()
    if missing:
        raise LookupError(f"audit tree nodes missing: {sorted(missing)[:5]}")
    return found


def append(db: Session, events: Sequence[Mapping[str, Any]]) -> None:
    """Make `events` the next leaves of the log, in order, in the caller's transaction. A batch
    locks the head once and writes its leaves and nodes in two statements."""
    if not events:
        return
    head = _head(db, for_update=True)
    start = head.size
    # The perfect subtrees covering the log so far are exactly the left siblings new leaves need.
    known = stored_nodes(db, set(merkle.perfect_cover(0, start))) if start else {}
    leaves: list[tuple[int, Any, bytes, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []
    for index, event in enumerate(events, start):
        entry = entry_for(event, head.pseudonym_salt)
        leaf_hash = merkle.leaf_hash(entry)
        leaves.append((index, event["id"], entry, leaf_hash))
        for (level, node_index), h in merkle.completed_nodes(index, leaf_hash, known.__getitem__):
            known[(level, node_index)] = h
            nodes.append((level, node_index, h))
    insert_rows(db, AUDIT_LEAVES, ("leaf_index", "event_id", "entry", "leaf_hash"), leaves)
    insert_rows(db, AUDIT_TREE_NODES, ("level", "node_index", "hash"), nodes)
    head.size = start + len(events)
    # Written now, not at some later flush: whoever appends next must see the new size.
    db.flush()


def size(db: Session) -> int:
    return _head(db, for_update=False).size


def root(db: Session, tree_size: int) -> bytes:
    if tree_size == 0:
        return merkle.EMPTY_ROOT
    return merkle.hash_range(0, tree_size, stored_nodes(db, set(merkle.perfect_cover(0, tree_size))))


def inclusion_proof(db: Session, leaf_index: int, tree_size: int) -> list[bytes]:
    ranges = merkle.inclusion_ranges(leaf_index, tree_size)
    return merkle.proof(ranges, stored_nodes(db, merkle.nodes_for(ranges)))


def consistency_proof(db: Session, first: int, second: int) -> list[bytes]:
    ranges = merkle.consistency_ranges(first, second)
    return merkle.proof(ranges, stored_nodes(db, merkle.nodes_for(ranges)))
