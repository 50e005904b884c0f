"""The audit log's storage: appending leaves in the transaction of their event, and reading
tree heads and proofs from the stored perfect subtrees (O(log n) rows each)."""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from qorgau.audit import merkle
from qorgau.audit.entry import encode_entry
from qorgau.audit.models import AuditEvent, AuditLeaf, AuditLogHead, AuditTreeNode

HEAD_ID = 1


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


def entry_for(event: AuditEvent, salt: bytes) -> bytes:
    return encode_entry(
        salt,
        event_id=event.id,
        occurred_at=event.occurred_at,
        actor_user_id=event.actor_user_id,
        actor_agency_id=event.actor_agency_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        outcome=event.outcome.value,
        details=event.details,
    )


def stored_nodes(db: Session, nodes: set[merkle.Node]) -> dict[merkle.Node, bytes]:
    if not nodes:
        return {}
    rows = db.execute(
        select(AuditTreeNode.level, AuditTreeNode.node_index, AuditTreeNode.hash).where(
            tuple_(AuditTreeNode.level, AuditTreeNode.node_index).in_(sorted(nodes))
        )
    )
    found = {(level, index): h for level, index, h in rows}
    missing = nodes - found.keys()
    if missing:
        raise LookupError(f"audit tree nodes missing: {sorted(missing)[:5]}")
    return found


def append(db: Session, event: AuditEvent) -> AuditLeaf:
    """Make `event` the next leaf of the log, in the caller's transaction."""
    head = _head(db, for_update=True)
    index = head.size
    entry = entry_for(event, head.pseudonym_salt)
    leaf_hash = merkle.leaf_hash(entry)
    siblings = stored_nodes(db, merkle.left_siblings(index))
    leaf = AuditLeaf(leaf_index=index, event_id=event.id, entry=entry, leaf_hash=leaf_hash)
    db.add(leaf)
    for (level, node_index), h in merkle.completed_nodes(index, leaf_hash, siblings.__getitem__):
        db.add(AuditTreeNode(level=level, node_index=node_index, hash=h))
    head.size = index + 1
    return leaf


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
