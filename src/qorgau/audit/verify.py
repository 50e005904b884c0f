"""Local verification of the audit log (`qorgau audit verify`): rebuild the tree from the stored
leaves and check everything stored against it. Reports the first problem found.

Checked: leaves are numbered 0..size-1 without gaps; each leaf's entry re-encodes from its audit
event and hashes to its leaf hash; every audit event has a leaf; every stored subtree hash is
the one the leaves give; every checkpoint is signed by this node and its root is the rebuilt
root at its size (so all checkpoints are consistent with each other).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from qorgau.audit import checkpoint as cp
from qorgau.audit import log, merkle
from qorgau.audit.models import AuditCheckpoint, AuditEvent, AuditLeaf, AuditLogHead, AuditTreeNode

CHECKPOINT_ACTION = "audit.checkpoint"  # as written by audit.transparency.publish_checkpoint

BATCH = 5000


class LogTampered(Exception):
    pass


@dataclass(frozen=True)
class Verified:
    tree_size: int
    checkpoints: int
    root: bytes


class _CompactRange:
    """The perfect subtrees covering [0, size): appending a leaf merges equal-sized neighbours."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, int, bytes]] = []  # (level, node index, hash)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        size_before = sum(1 << level for level, _i, _h in self.stack)
        node = (0, size_before, leaf_hash)
        completed = [node]
        while self.stack and self.stack[-1][0] == node[0]:
            left = self.stack.pop()
            node = (node[0] + 1, left[1] // 2, merkle.node_hash(left[2], node[2]))
            completed.append(node)
        self.stack.append(node)
        return completed

    def root(self) -> bytes:
        if not self.stack:
            return merkle.EMPTY_ROOT
        acc = self.stack[-1][2]
        for _level, _index, h in reversed(self.stack[:-1]):
            acc = merkle.node_hash(h, acc)
        return acc


def _check_nodes(db: Session, computed: list[tuple[int, int, bytes]]) -> None:
    # The nodes a run of consecutive leaves completes are consecutive on each level: read each
    # level's span with one range scan of the primary key, not node by node.
    spans: dict[int, tuple[int, int]] = {}
    for level, index, _h in computed:
        lo, hi = spans.get(level, (index, index))
        spans[level] = (min(lo, index), max(hi, index))
    stored: dict[tuple[int, int], bytes] = {}
    for level, (lo, hi) in spans.items():
        rows = db.execute(
            select(AuditTreeNode.node_index, AuditTreeNode.hash).where(
                AuditTreeNode.level == level, AuditTreeNode.node_index.between(lo, hi)
            )
        )
        stored.update(((level, index), h) for index, h in rows)
    for level, index, h in computed:
        if (level, index) not in stored:
            raise LogTampered(f"audit tree node (level {level}, index {index}) is missing")
        if stored[(level, index)] != h:
            raise LogTampered(f"stored tree node (level {level}, index {index}) does not match the leaves")


def verify_log(
    db: Session, origin: str, public_key: Ed25519PublicKey, progress: Callable[[int], None] | None = None
) -> Verified:
    head = db.scalar(select(AuditLogHead).where(AuditLogHead.id == log.HEAD_ID))
    if head is None:
        raise LogTampered("the audit log head row is missing")
    checkpoints = {c.tree_size: c for c in db.scalars(select(AuditCheckpoint))}
    for c in checkpoints.values():
        try:
            signed = cp.verify(c.note, origin, public_key)
        except cp.CheckpointError as exc:
            raise LogTampered(f"checkpoint at size {c.tree_size}: {exc}") from exc
        if (signed.tree_size, signed.root_hash) != (c.tree_size, c.root_hash):
            raise LogTampered(f"checkpoint at size {c.tree_size}: its row does not match its signed note")
        if c.tree_size > head.size:
            raise LogTampered(f"checkpoint at size {c.tree_size} is beyond the log's size {head.size}")

    tree = _CompactRange()
    if 0 in checkpoints and checkpoints[0].root_hash != merkle.EMPTY_ROOT:
        raise LogTampered("checkpoint at size 0: root is not the empty tree's")
    expected = 0
    pending_nodes: list[tuple[int, int, bytes]] = []
    rows = db.execute(
        select(AuditLeaf, AuditEvent)
        .outerjoin(AuditEvent, AuditEvent.id == AuditLeaf.event_id)
        .order_by(AuditLeaf.leaf_index)
        .execution_options(yield_per=BATCH)
    )
    for leaf, event in rows:
        if leaf.leaf_index != expected:
            raise LogTampered(f"leaf {expected} is missing (the next stored leaf is {leaf.leaf_index})")
        if event is None:
            raise LogTampered(f"leaf {expected}: its audit event {leaf.event_id} is gone")
        if leaf.entry != log.entry_for(event, head.pseudonym_salt):
            raise LogTampered(f"leaf {expected}: the entry does not match audit event {event.id}")
        if leaf.leaf_hash != merkle.leaf_hash(leaf.entry):
            raise LogTampered(f"leaf {expected}: the leaf hash does not match its entry")
        pending_nodes += tree.append(leaf.leaf_hash)
        expected += 1
        if expected in checkpoints and checkpoints[expected].root_hash != tree.root():
            raise LogTampered(f"checkpoint at size {expected}: its root is not the root of the stored leaves")
        if len(pending_nodes) >= BATCH:
            _check_nodes(db, pending_nodes)
            pending_nodes = []
            if progress:
                progress(expected)
    if pending_nodes:
        _check_nodes(db, pending_nodes)
    if expected != head.size:
        raise LogTampered(f"the log head says {head.size} leaves, {expected} are stored")
    stored_nodes = db.scalar(select(func.count()).select_from(AuditTreeNode))
    computed_nodes = sum(expected >> level for level in range(expected.bit_length()))
    if stored_nodes != computed_nodes:
        raise LogTampered(f"{stored_nodes} tree nodes are stored, the leaves make {computed_nodes}")
    for logged in db.scalars(select(AuditEvent.details).where(AuditEvent.action == CHECKPOINT_ACTION)):
        size = int((logged or {}).get("tree_size", -1))
        if size not in checkpoints or checkpoints[size].root_hash.hex() != (logged or {}).get("root_hash"):
            raise LogTampered(f"the checkpoint at size {size} is missing, though its publication was logged")
    # NOT EXISTS, not NOT IN: PostgreSQL runs NOT IN over a subquery too big to hash as a nested
    # loop (hours at a million events); NOT EXISTS is an anti-join on either database.
    has_leaf = exists().where(AuditLeaf.event_id == AuditEvent.id)
    orphan = db.scalar(select(AuditEvent.id).where(~has_leaf).limit(1))
    if orphan is not None:
        raise LogTampered(f"audit event {orphan} has no leaf in the log")
    if progress:
        progress(expected)
    return Verified(expected, len(checkpoints), tree.root())
