"""The public transparency endpoints: an observer with no account checks the log over HTTP."""

from __future__ import annotations

import base64

from sqlalchemy import func, select

from qorgau.audit import checkpoint as cp
from qorgau.audit import log, merkle, transparency
from qorgau.audit.models import AuditEvent
from qorgau.permissions import Role
from tests.support import bearer, make_user, register_agencies


def test_an_observer_verifies_inclusion_and_consistency_without_signing_in(client, db, settings):
    admin = make_user(db, Role.ADMINISTRATOR)
    headers = bearer(db, admin)
    assert client.get("/transparency/checkpoint").status_code == 404
    created = register_agencies(client, headers, "KZ-HOT-T", 3, "KZ", "hotline")
    created_codes, created_ids = [a["code"] for a in created], [a["id"] for a in created]
    transparency.publish_checkpoint(db, settings)
    old_note = client.get("/transparency/checkpoint").text
    register_agencies(client, headers, "UZ-HOT-T", 4, "UZ", "hotline")
    transparency.publish_checkpoint(db, settings)

    key = client.get("/transparency/key").json()
    name, public_key = cp.parse_verifier_key(key["verifier_key"])
    old = cp.verify(old_note, name, public_key)
    new = cp.verify(client.get("/transparency/checkpoint").text, name, public_key)
    assert new.tree_size > old.tree_size

    consistency = client.get(
        "/transparency/proof/consistency", params={"first": old.tree_size, "second": new.tree_size}
    ).json()
    path = [base64.b64decode(h) for h in consistency["consistency_path"]]
    assert merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, path)

    entries = client.get("/transparency/entries", params={"start": 0, "end": new.tree_size}).json()
    assert [e["leaf_index"] for e in entries] == list(range(new.tree_size))
    for e in entries:
        proof = client.get(
            "/transparency/proof/inclusion",
            params={"leaf_index": e["leaf_index"], "tree_size": new.tree_size},
        ).json()
        leaf_hash = merkle.leaf_hash(e["entry"].encode())
        assert base64.b64decode(proof["leaf_hash"]) == leaf_hash
        assert merkle.verify_inclusion(
            leaf_hash,
            e["leaf_index"],
            new.tree_size,
            [base64.b64decode(h) for h in proof["inclusion_path"]],
            new.root_hash,
        )
    # The records the events are about appear only as pseudonyms.
    published = str(entries)
    assert all(code not in published for code in created_codes)
    assert all(agency_id not in published for agency_id in created_ids)


def test_bad_proof_requests_get_a_clear_4xx(client, db, settings):
    make_user(db, Role.CASE_WORKER)
    transparency.publish_checkpoint(db, settings)
    size = log.size(db)
    cases = [
        ("/transparency/proof/inclusion", {"leaf_index": size, "tree_size": size}, "leaf_index"),
        ("/transparency/proof/inclusion", {"leaf_index": 0, "tree_size": size + 1}, "tree_size"),
        ("/transparency/proof/consistency", {"first": size + 1, "second": size}, "first"),
        ("/transparency/proof/consistency", {"first": 1, "second": 10**9}, "second"),
        ("/transparency/entries", {"start": 5, "end": 5}, "end"),
        ("/transparency/entries", {"start": -1, "end": 5}, "start"),
    ]
    for path, params, field in cases:
        response = client.get(path, params=params)
        assert response.status_code == 422, (path, params, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in {e["field"] for e in response.json()["errors"]}, (path, params, response.json())


def test_a_serving_node_signs_checkpoints_on_its_own(tmp_path, monkeypatch):
    import time

    import httpx
    from sqlalchemy.orm import Session

    from qorgau.db import make_engine
    from tests.support import demo_server

    monkeypatch.setenv("QORGAU_CHECKPOINT_SECONDS", "1")
    with demo_server(tmp_path, "interval") as server:
        engine = make_engine(server.env["QORGAU_DATABASE_URL"])
        with Session(engine) as db:
            # However many events the demo data makes today: every leaf but the log's own
            # checkpoint events (a checkpoint never covers the event that records it).
            demo_events = db.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action != transparency.CHECKPOINT_ACTION)
            )
        engine.dispose()
        assert demo_events > 0
        deadline = time.monotonic() + 30
        while True:
            response = httpx.get(server.url + "/transparency/checkpoint", timeout=10)
            if response.status_code == 200 and int(response.text.splitlines()[1]) >= demo_events:
                break  # every demo event is covered by a checkpoint nobody asked for
            assert time.monotonic() < deadline, "no checkpoint covering the demo data was published"
            time.sleep(0.5)


def test_a_starting_node_signs_a_checkpoint_before_its_first_request(settings, engine, connection, db):
    # Issue 11 item 16: a fresh node answered 404 until QORGAU_CHECKPOINT_SECONDS had passed.
    from starlette.testclient import TestClient

    from qorgau.app import create_app
    from qorgau.db import make_sessionmaker

    make_user(db, Role.CASE_WORKER)  # the log grows
    db.flush()
    grown_to = log.size(db)
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    app = create_app(settings, engine=engine, session_factory=factory, background=True)
    assert settings.checkpoint_seconds >= 60  # no periodic tick during the test
    with TestClient(app) as started:
        response = started.get("/transparency/checkpoint")
        assert response.status_code == 200
        assert int(response.text.splitlines()[1]) == grown_to
    with TestClient(app) as restarted:  # nothing new since: the same checkpoint, none signed
        assert restarted.get("/transparency/checkpoint").text == response.text
