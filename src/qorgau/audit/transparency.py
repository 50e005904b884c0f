"""What outside observers may see of the audit log, without signing in and without personal
data: signed checkpoints, proofs, the entries, and the node's verifier key."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.audit import checkpoint as cp
from qorgau.audit import log
from qorgau.audit import service as audit
from qorgau.audit.models import AuditCheckpoint, AuditCosignature, AuditEvent, AuditLeaf
from qorgau.config import Settings
from qorgau.errors import Forbidden, InvalidInput, NotFound
from qorgau.i18n import _
from qorgau.principal import system_principal

MAX_ENTRIES = 1000


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(settings.secrets.log_signing_key)


def verifier_key(settings: Settings) -> str:
    return cp.verifier_key(settings.audit_log_origin, signing_key(settings).public_key())


CHECKPOINT_ACTION = "audit.checkpoint"


def publish_checkpoint(db: Session, settings: Settings) -> AuditCheckpoint:
    """Sign the log's current head, unless the newest checkpoint already covers it (or all that
    came after it is that checkpoint's own audit event)."""
    size = log.size(db)
    latest = latest_checkpoint(db)
    if latest is not None and (
        latest.tree_size == size
        or (latest.tree_size + 1 == size and _last_action(db, size) == CHECKPOINT_ACTION)
    ):
        return latest
    root = log.root(db, size)
    note = cp.sign(
        cp.Checkpoint(settings.audit_log_origin, size, root), settings.audit_log_origin, signing_key(settings)
    )
    checkpoint = AuditCheckpoint(tree_size=size, root_hash=root, note=note)
    db.add(checkpoint)
    db.flush()
    # The log records its own checkpoints: a checkpoint row deleted later is then missed by the
    # verifier, which checks every logged publication against the rows.
    audit.record(
        db,
        system_principal(),
        CHECKPOINT_ACTION,
        "audit_checkpoint",
        str(size),
        details={"tree_size": size, "root_hash": root.hex()},
    )
    return checkpoint


def accept_cosignatures(db: Session, settings: Settings, note: str) -> list[str]:
    """Keep the co-signatures that pinned witnesses (settings.witnesses) put on one of this
    node's checkpoints; returns the witnesses' names. A note this node did not sign, a checkpoint
    it never published, or a note with no trusted co-signature is refused."""
    try:
        ours = cp.verify(note, settings.audit_log_origin, signing_key(settings).public_key())
    except cp.CheckpointError as exc:
        raise InvalidInput(
            _("This is not a checkpoint signed by this node: %(error)s") % {"error": exc}
        ) from exc
    published = db.get(AuditCheckpoint, ours.tree_size)
    if published is None or published.root_hash != ours.root_hash:
        raise InvalidInput(_("This node never published a checkpoint with that size and root."))
    signatures = {name: stamp for name, stamp in cp.parse(note)[1]}
    accepted = []
    for pinned in settings.witnesses:
        name, key = cp.parse_verifier_key(pinned)
        try:
            cp.verify(note, name, key)
        except cp.CheckpointError:
            continue
        line = f"{cp.SIGNATURE_PREFIX}{name} {base64.b64encode(signatures[name]).decode()}"
        if db.get(AuditCosignature, (ours.tree_size, name)) is None:
            db.add(AuditCosignature(tree_size=ours.tree_size, witness=name, signature_line=line))
            audit.record(
                db,
                system_principal(),
                "audit.cosignature",
                "audit_checkpoint",
                str(ours.tree_size),
                details={"witness": name},
            )
        accepted.append(name)
    if not accepted:
        raise Forbidden(
            _("The note carries no valid co-signature of a witness this node trusts (QORGAU_WITNESSES).")
        )
    db.flush()
    return accepted


def cosigned_note(db: Session, checkpoint: AuditCheckpoint) -> str:
    """The checkpoint with the co-signatures of its witnesses: one note that an observer can
    check against the node's key and each witness's key."""
    lines = db.scalars(
        select(AuditCosignature.signature_line)
        .where(AuditCosignature.tree_size == checkpoint.tree_size)
        .order_by(AuditCosignature.witness)
    )
    return checkpoint.note + "".join(f"{line}\n" for line in lines)


def _last_action(db: Session, size: int) -> str | None:
    return db.scalar(
        select(AuditEvent.action)
        .join(AuditLeaf, AuditLeaf.event_id == AuditEvent.id)
        .where(AuditLeaf.leaf_index == size - 1)
    )


def latest_checkpoint(db: Session) -> AuditCheckpoint | None:
    return db.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1))


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _check_size(db: Session, tree_size: int, field: str) -> None:
    current = log.size(db)
    if not 1 <= tree_size <= current:
        raise InvalidInput(_("The tree size must be between 1 and %(n)d.") % {"n": current}, field=field)


def inclusion(db: Session, leaf_index: int, tree_size: int) -> dict[str, Any]:
    _check_size(db, tree_size, "tree_size")
    if not 0 <= leaf_index < tree_size:
        raise InvalidInput(_("The leaf index must be below the tree size."), field="leaf_index")
    leaf_hash = db.scalar(select(AuditLeaf.leaf_hash).where(AuditLeaf.leaf_index == leaf_index))
    if leaf_hash is None:
        raise NotFound(_("No such leaf."), field="leaf_index")
    path = log.inclusion_proof(db, leaf_index, tree_size)
    return {
        "leaf_index": leaf_index,
        "tree_size": tree_size,
        "leaf_hash": _b64(leaf_hash),
        "inclusion_path": [_b64(h) for h in path],
    }


def consistency(db: Session, first: int, second: int) -> dict[str, Any]:
    _check_size(db, second, "second")
    if not 1 <= first <= second:
        raise InvalidInput(_("The first size must be between 1 and the second."), field="first")
    path = log.consistency_proof(db, first, second)
    return {"first": first, "second": second, "consistency_path": [_b64(h) for h in path]}


def entries(db: Session, start: int, end: int) -> list[dict[str, Any]]:
    if start < 0 or end <= start:
        raise InvalidInput(_("Give 0 <= start < end."), field="end")
    end = min(end, start + MAX_ENTRIES)
    rows = db.execute(
        select(AuditLeaf.leaf_index, AuditLeaf.entry)
        .where(AuditLeaf.leaf_index >= start, AuditLeaf.leaf_index < end)
        .order_by(AuditLeaf.leaf_index)
    )
    return [{"leaf_index": index, "entry": entry.decode()} for index, entry in rows]
