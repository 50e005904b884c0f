"""`qorgau audit verify`: an intact log verifies; any change, deletion, insertion or reordering
of audit rows, leaves, tree nodes or checkpoints is found and named."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, insert, select, update

from qorgau.audit import checkpoint as cp
from qorgau.audit import transparency
from qorgau.audit.models import AuditCheckpoint, AuditEvent, AuditLeaf, AuditTreeNode, Outcome
from qorgau.audit.verify import LogTampered, verify_log
from qorgau.db import utcnow, uuid7
from qorgau.demo import DEMO_AGENCIES, DEMO_USERS
from qorgau.permissions import Role
from tests.support import bearer, fresh_database, make_user, register_agencies


@pytest.fixture
def history(client, db, settings):
    """Some audited work, with checkpoints at two sizes."""
    admin = make_user(db, Role.ADMINISTRATOR)
    headers = bearer(db, admin)
    register_agencies(client, headers, "KG-SHL-V", 6, "KG", "shelter")
    transparency.publish_checkpoint(db, settings)
    register_agencies(client, headers, "TJ-SHL-V", 5, "TJ", "shelter")
    transparency.publish_checkpoint(db, settings)
    db.flush()


def check(db, settings):
    return verify_log(db, settings.audit_log_origin, transparency.signing_key(settings).public_key())


def expect_tampering(db, settings, words: str) -> None:
    db.expire_all()
    with pytest.raises(LogTampered, match=words):
        check(db, settings)


def leaf(db, index: int) -> AuditLeaf:
    return db.scalar(select(AuditLeaf).where(AuditLeaf.leaf_index == index))


def test_an_intact_log_verifies(history, db, settings):
    result = check(db, settings)
    newest = db.scalar(select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.tree_size.desc()).limit(1))
    # The newest checkpoint covers everything but its own publication, which is logged after it.
    assert result.checkpoints == 2 and result.tree_size == newest + 1


def test_a_changed_audit_row_is_found(history, db, settings):
    db.execute(update(AuditEvent).where(AuditEvent.id == leaf(db, 4).event_id).values(action="agency.delete"))
    expect_tampering(db, settings, "leaf 4: the entry does not match")


def test_a_deleted_audit_row_is_found(history, db, settings):
    db.execute(delete(AuditEvent).where(AuditEvent.id == leaf(db, 3).event_id))
    expect_tampering(db, settings, "leaf 3: its audit event .* is gone")


def test_an_audit_row_without_a_leaf_is_found(history, db, settings):
    db.execute(
        insert(AuditEvent).values(
            id=uuid7(),
            occurred_at=utcnow(),
            action="user.disable",
            object_type="user",
            outcome=Outcome.SUCCESS,
        )
    )
    expect_tampering(db, settings, "has no leaf")


def test_a_deleted_leaf_is_found(history, db, settings):
    db.execute(delete(AuditLeaf).where(AuditLeaf.leaf_index == 2))
    expect_tampering(db, settings, "leaf 2 is missing")


def test_a_rewritten_leaf_is_found(history, db, settings):
    db.execute(update(AuditLeaf).where(AuditLeaf.leaf_index == 5).values(entry=b'{"v":1}'))
    expect_tampering(db, settings, "leaf 5: the entry does not match")


def test_reordered_leaves_are_found(history, db, settings):
    a, b = leaf(db, 1), leaf(db, 2)
    a_event, b_event = a.event_id, b.event_id
    a_entry, a_hash, b_entry, b_hash = a.entry, a.leaf_hash, b.entry, b.leaf_hash
    db.execute(update(AuditLeaf).where(AuditLeaf.leaf_index == 1).values(event_id=uuid7()))
    db.execute(
        update(AuditLeaf)
        .where(AuditLeaf.leaf_index == 2)
        .values(event_id=a_event, entry=a_entry, leaf_hash=a_hash)
    )
    db.execute(
        update(AuditLeaf)
        .where(AuditLeaf.leaf_index == 1)
        .values(event_id=b_event, entry=b_entry, leaf_hash=b_hash)
    )
    expect_tampering(db, settings, "does not match the leaves|root is not the root")


def test_a_changed_tree_node_is_found(history, db, settings):
    db.execute(
        update(AuditTreeNode)
        .where(AuditTreeNode.level == 1, AuditTreeNode.node_index == 1)
        .values(hash=bytes(32))
    )
    expect_tampering(db, settings, r"stored tree node \(level 1, index 1\)")


def test_a_deleted_tree_node_is_found(history, db, settings):
    db.execute(delete(AuditTreeNode).where(AuditTreeNode.level == 1, AuditTreeNode.node_index == 1))
    expect_tampering(db, settings, r"audit tree node \(level 1, index 1\) is missing")


def test_an_extra_tree_node_is_found(history, db, settings):
    db.execute(insert(AuditTreeNode).values(level=9, node_index=0, hash=bytes(32)))
    expect_tampering(db, settings, "tree nodes are stored")


def test_a_rewritten_checkpoint_is_found(history, db, settings):
    first = db.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size).limit(1))
    db.execute(
        update(AuditCheckpoint)
        .where(AuditCheckpoint.tree_size == first.tree_size)
        .values(root_hash=bytes(32))
    )
    expect_tampering(db, settings, f"checkpoint at size {first.tree_size}: its row does not match")


def test_a_deleted_checkpoint_is_found(history, db, settings):
    first = db.scalar(select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.tree_size).limit(1))
    db.execute(delete(AuditCheckpoint).where(AuditCheckpoint.tree_size == first))
    expect_tampering(
        db, settings, f"checkpoint at size {first} is missing, though its publication was logged"
    )


def test_a_checkpoint_signed_by_another_key_is_found(history, db, settings):
    size = db.scalar(select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.tree_size).limit(1))
    forged = cp.sign(
        cp.Checkpoint(settings.audit_log_origin, size - 1, bytes(32)),
        settings.audit_log_origin,
        Ed25519PrivateKey.generate(),
    )
    db.execute(
        insert(AuditCheckpoint).values(
            tree_size=size - 1, root_hash=bytes(32), note=forged, created_at=utcnow()
        )
    )
    expect_tampering(db, settings, f"checkpoint at size {size - 1}: no valid signature")


def test_the_command_exits_1_naming_the_first_bad_entry(tmp_path):
    with fresh_database(tmp_path, "verify") as url:
        env = {"QORGAU_DATA_DIR": str(tmp_path / "data"), "QORGAU_DATABASE_URL": url}

        def qorgau(*args: str) -> subprocess.CompletedProcess[str]:
            import os

            return subprocess.run(
                [sys.executable, "-m", "qorgau", *args],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                timeout=120,
            )

        assert qorgau("demo", "--no-serve", "--password", "Verify-Password-Long-1").returncode == 0
        note = qorgau("audit", "checkpoint").stdout
        demo_events = len(DEMO_AGENCIES) + len(DEMO_USERS)  # one event per agency and per user
        assert note.splitlines()[1] == str(demo_events) and "\n\n\u2014 " in note
        ok = qorgau("audit", "verify")
        # The demo events and the logged publication of the checkpoint.
        assert ok.returncode == 0 and f"{demo_events + 1} leaves, 1 checkpoints" in ok.stdout

        from qorgau.db import make_engine

        engine = make_engine(url)
        with engine.begin() as conn:
            event_id = conn.scalar(select(AuditLeaf.event_id).where(AuditLeaf.leaf_index == 7))
            conn.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(outcome=Outcome.DENIED))
        engine.dispose()
        bad = qorgau("audit", "verify")
        assert bad.returncode == 1
        assert "leaf 7: the entry does not match" in bad.stderr
