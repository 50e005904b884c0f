"""The newest checkpoint this node has published, remembered outside its database (in the data
directory), so that a node whose log is behind it (restored from an older backup) says so at
start instead of silently rewinding: peers and witnesses that saw the newer checkpoint would
see a log that forked or went back."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from sqlalchemy.orm import Session

PUBLISHED_FILE = "published-checkpoint.json"
log = logging.getLogger("qorgau.backup")


def remembered(data_dir: Path) -> tuple[int, str] | None:
    """(tree size, root hex) of the newest checkpoint remembered, or None."""
    try:
        raw = json.loads((data_dir / PUBLISHED_FILE).read_text())
        return int(raw["tree_size"]), str(raw["root"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(data_dir: Path, tree_size: int, root_hex: str) -> None:
    """Keep (tree_size, root) if it is newer than what is remembered; never goes back."""
    known = remembered(data_dir)
    if known is not None and known[0] >= tree_size:
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / PUBLISHED_FILE
    tmp = path.with_name(f"{PUBLISHED_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"tree_size": tree_size, "root": root_hex}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def remember_latest(db: Session, data_dir: Path) -> None:
    """Remember the newest checkpoint the database holds (after publishing one)."""
    from qorgau.audit.transparency import latest_checkpoint

    latest = latest_checkpoint(db)
    if latest is not None:
        remember(data_dir, latest.tree_size, latest.root_hash.hex())


def behind_warning(db: Session, data_dir: Path) -> str | None:
    """A warning if the audit log is smaller than the newest checkpoint this node published, or
    holds other entries up to its size (rewound, then grown again)."""
    from qorgau.audit import log as audit_log

    known = remembered(data_dir)
    if known is None:
        return None
    size = audit_log.size(db)
    if size < known[0]:
        return (
            f"the audit log holds {size} entries, but this node had published a checkpoint at size "
            f"{known[0]} (root {known[1][:16]}...): it was restored from an older backup. Peers and "
            "witnesses will see the log go back; tell them before it grows again."
        )
    if audit_log.root(db, known[0]).hex() != known[1]:
        return (
            f"the audit log's root at size {known[0]} is not the root this node had published there "
            f"({known[1][:16]}...): the log was rewound and has grown again differently. Peers and "
            "witnesses will see a fork; tell them."
        )
    return None
