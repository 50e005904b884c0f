"""Two nodes on loopback: one verifies and witnesses the other's audit log over HTTP, and a
rewritten history on the observed node is caught, though its own verifier cannot see it."""

from __future__ import annotations

import json
import re

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qorgau.audit import checkpoint as cp
from qorgau.audit import log, merkle
from qorgau.audit.models import AuditCheckpoint, AuditEvent, AuditLeaf, AuditLogHead, AuditTreeNode
from qorgau.db import make_engine
from tests.support import demo_server, fresh_database, live_server


def _rewrite_history(database_url: str, leaf_index: int) -> None:
    """What an insider with the database and the signing key could do: change an old event and
    rebuild everything the log stores so that the node's own checks pass again."""
    engine = make_engine(database_url)
    with Session(engine) as db:
        salt = db.scalar(select(AuditLogHead.pseudonym_salt))
        leaf = db.scalar(select(AuditLeaf).where(AuditLeaf.leaf_index == leaf_index))
        event = db.get(AuditEvent, leaf.event_id)
        event.action = "agency.delete"
        leaf.entry = log.entry_for(event, salt)
        leaf.leaf_hash = merkle.leaf_hash(leaf.entry)
        db.flush()
        db.execute(delete(AuditTreeNode))
        db.execute(delete(AuditCheckpoint))
        perfect: dict = {}
        for i, h in enumerate(db.scalars(select(AuditLeaf.leaf_hash).order_by(AuditLeaf.leaf_index))):
            for (level, index), value in merkle.completed_nodes(i, h, perfect.__getitem__):
                perfect[(level, index)] = value
                db.add(AuditTreeNode(level=level, node_index=index, hash=value))
        db.commit()
    engine.dispose()


def test_a_node_witnesses_another_and_catches_a_rewritten_history(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        fresh_database(tmp_path, "node_b") as url_b,
        demo_server(tmp_path / "a", "node_a") as node_a,
        live_server(tmp_path / "b", url_b) as node_b,
    ):
        url_a = node_a.env["QORGAU_DATABASE_URL"]
        node_a.qorgau("audit", "checkpoint")

        cosigned = node_b.qorgau("audit", "witness", "--url", node_a.url).stdout
        key_a = cp.parse_verifier_key(_key(node_a.url))
        key_b = cp.parse_verifier_key(_key(node_b.url))
        assert cp.verify(cosigned, *key_a).tree_size == cp.verify(cosigned, *key_b).tree_size > 0

        # The log grows; the witness checks the growth is an extension.
        node_a.qorgau("tokens", "create", "analyst")
        node_a.qorgau("audit", "checkpoint")
        grown = node_b.qorgau("audit", "verify", "--url", node_a.url).stdout
        assert re.search(r"verifies \(consistent with size \d+ seen before\)", grown)

        # An insider with the database and the signing key rewrites an old event, rebuilds the
        # tree and re-signs a checkpoint; the node that watched the log catches it.
        _rewrite_history(url_a, leaf_index=3)
        node_a.qorgau("audit", "checkpoint")
        caught = node_b.run("audit", "verify", "--url", node_a.url)
        assert caught.returncode == 1
        assert "history was rewritten" in caught.stderr


def _key(url: str) -> str:
    import httpx

    return httpx.get(url + "/transparency/key", timeout=30).json()["verifier_key"]


def test_the_observed_node_publishes_co_signatures_of_the_witnesses_it_trusts(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    with (
        fresh_database(tmp_path, "node_b") as url_b,
        fresh_database(tmp_path, "node_c") as url_c,
        live_server(tmp_path / "b", url_b) as witness_b,
        live_server(tmp_path / "c", url_c) as stranger_c,
    ):
        key_b = _key(witness_b.url)
        with demo_server(tmp_path / "a", "node_a", {"QORGAU_WITNESSES": json.dumps([key_b])}) as node_a:
            node_a.qorgau("audit", "checkpoint")

            handed = witness_b.qorgau("audit", "witness", "--url", node_a.url)
            assert "published the co-signature" in handed.stderr
            published = httpx.get(node_a.url + "/transparency/checkpoint/cosigned", timeout=30).text
            key_a = cp.parse_verifier_key(_key(node_a.url))
            assert (
                cp.verify(published, *key_a).tree_size
                == cp.verify(published, *cp.parse_verifier_key(key_b)).tree_size
            )

            # A node the observed one does not pin: its co-signature is refused, and not published.
            refused = stranger_c.qorgau("audit", "witness", "--url", node_a.url)
            assert "did not take the co-signature" in refused.stderr and "403" in refused.stderr
            again = httpx.get(node_a.url + "/transparency/checkpoint/cosigned", timeout=30).text
            assert again == published

            # A forged note (the witness's line on a checkpoint the node never published) is refused.
            forged = cp.cosign(
                cp.sign(cp.Checkpoint(key_a[0], 1, bytes(32)), key_a[0], Ed25519PrivateKey.generate()),
                "x",
                Ed25519PrivateKey.generate(),
            )
            bad = httpx.post(node_a.url + "/transparency/witness", content=forged.encode(), timeout=30)
            assert bad.status_code == 422 and "not a checkpoint signed by this node" in bad.json()["detail"]
