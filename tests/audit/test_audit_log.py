"""The verifiable audit log in storage: one leaf per event, written with it, revealing nothing
personal, and tree heads and proofs that match an independent rebuild."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import func, select, text

from qorgau.audit import log, merkle
from qorgau.audit.models import AuditEvent, AuditLeaf, AuditLogHead
from qorgau.db import make_engine
from qorgau.migrate import upgrade
from qorgau.permissions import Role
from tests.support import bearer, fresh_database, make_user, register_agencies


def _rebuilt_root(db) -> bytes:
    hashes = list(db.scalars(select(AuditLeaf.leaf_hash).order_by(AuditLeaf.leaf_index)))
    perfect: dict = {}
    for i, h in enumerate(hashes):
        for node, value in merkle.completed_nodes(i, h, perfect.__getitem__):
            perfect[node] = value
    return merkle.hash_range(0, len(hashes), perfect) if hashes else merkle.EMPTY_ROOT


def test_every_event_becomes_the_next_leaf_in_its_own_transaction(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    client.post(
        "/api/v1/agencies",
        headers=bearer(db, admin),
        json={"code": "TJ-NGO-LOG", "name": "Shelter", "country": "TJ", "kind": "shelter"},
    )
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    leaves = db.scalar(select(func.count()).select_from(AuditLeaf))
    assert events == leaves == db.scalar(select(AuditLogHead.size))
    indices = list(db.scalars(select(AuditLeaf.leaf_index).order_by(AuditLeaf.leaf_index)))
    assert indices == list(range(leaves))
    assert set(db.scalars(select(AuditLeaf.event_id))) == set(db.scalars(select(AuditEvent.id)))
    # The stored entries re-encode from their events, and the stored tree gives the same head as a
    # rebuild from the leaves.
    salt = db.scalar(select(AuditLogHead.pseudonym_salt))
    for event in db.scalars(select(AuditEvent)):
        leaf = db.scalar(select(AuditLeaf).where(AuditLeaf.event_id == event.id))
        assert leaf.entry == log.entry_for(event, salt)
        assert leaf.leaf_hash == merkle.leaf_hash(leaf.entry)
    assert log.root(db, leaves) == _rebuilt_root(db)


def test_entries_reveal_no_record_ids_and_no_details(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    response = client.post(
        "/api/v1/users",
        headers=bearer(db, admin),
        json={
            "username": "zarina.tokayeva",
            "display_name": "Zarina Tokayeva",
            "agency_code": "KZ-NGO-TST",
            "roles": ["case_worker"],
        },
    )
    user_id = response.json()["id"]
    event = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.create", AuditEvent.object_id == user_id)
    )
    entry = db.scalar(select(AuditLeaf.entry).where(AuditLeaf.event_id == event.id))
    decoded = json.loads(entry)
    assert user_id not in entry.decode() and "zarina" not in entry.decode().lower()
    assert "case_worker" not in entry.decode()  # details appear only as their hash
    assert (
        decoded["action"] == "user.create" and len(decoded["object"]) == 32 and len(decoded["details"]) == 64
    )


def test_proofs_from_storage_verify_against_the_stored_head(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    headers = bearer(db, admin)
    register_agencies(client, headers, "UZ-NGO-P", 12, "UZ", "ngo")
    size = log.size(db)
    root = log.root(db, size)
    for leaf in db.scalars(select(AuditLeaf)):
        proof = log.inclusion_proof(db, leaf.leaf_index, size)
        assert merkle.verify_inclusion(leaf.leaf_hash, leaf.leaf_index, size, proof, root)
    for first in range(1, size):
        proof = log.consistency_proof(db, first, size)
        assert merkle.verify_consistency(first, size, log.root(db, first), root, proof)


def test_upgrading_a_database_with_events_makes_them_leaves(tmp_path):
    with fresh_database(tmp_path, "backfill") as url:
        engine = make_engine(url)
        upgrade(engine, "0001")
        with engine.begin() as conn:
            for i in range(5):
                conn.execute(
                    text(
                        "INSERT INTO audit_events (id, occurred_at, action, object_type, object_id, outcome) "
                        "VALUES (:id, :at, 'agency.create', 'agency', :obj, 'success')"
                    ),
                    {
                        "id": uuid.uuid4().hex if engine.dialect.name == "sqlite" else uuid.uuid4(),
                        "at": f"2026-01-0{i + 1} 10:00:00",
                        "obj": str(uuid.uuid4()),
                    },
                )
        upgrade(engine)
        from sqlalchemy.orm import Session

        with Session(engine) as db:
            assert log.size(db) == 5
            assert db.scalar(select(func.count()).select_from(AuditLeaf)) == 5
            assert log.root(db, 5) == _rebuilt_root(db)
        engine.dispose()


def test_a_batch_of_events_becomes_consecutive_leaves(db):
    from qorgau.audit.service import Happening, record_many
    from qorgau.principal import system_principal

    before = log.size(db)
    first = record_many(db, system_principal(), [Happening("import.row", "row", str(i)) for i in range(37)])
    second = record_many(db, system_principal(), [Happening("import.row", "row", str(i)) for i in range(29)])
    db.flush()
    ordered = list(
        db.scalars(
            select(AuditLeaf.event_id).where(AuditLeaf.leaf_index >= before).order_by(AuditLeaf.leaf_index)
        )
    )
    assert ordered == first + second
    size = log.size(db)
    assert size == before + 66 and log.root(db, size) == _rebuilt_root(db)
