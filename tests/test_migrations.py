"""The migration chain builds exactly the schema the models describe, on either database."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from qorgau.audit import log, merkle
from qorgau.audit.models import AuditEvent, AuditLeaf, AuditLogHead
from qorgau.db import Base, make_engine
from qorgau.migrate import MIGRATIONS_DIR, current_revision, head_revision, upgrade
from qorgau.models import load_all
from tests.support import fresh_database


def test_migrations_reach_head_and_match_the_models(engine):
    load_all()
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert differences == [], "models and migrations differ: write a migration"


VERSIONS = MIGRATIONS_DIR / "versions"


def test_no_migration_imports_the_application():
    """A migration runs against the schema of its revision: live models (and the application code
    built on them) describe a later one. Anything a migration needs is copied into it, frozen."""
    for path in sorted(VERSIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n == "qorgau" or n.startswith("qorgau.") for n in names), (path.name, names)


def test_an_empty_database_migrates_from_base_to_head_with_the_migrations_alone(tmp_path):
    """In a process of its own, where nothing has imported the application's models: the chain
    runs from an empty database to head, and it imports no room and no model on the way."""
    script = (
        "import sys\n"
        "from qorgau.db import make_engine\n"
        "from qorgau.migrate import current_revision, head_revision, upgrade\n"
        "engine = make_engine(sys.argv[1])\n"
        "upgrade(engine)\n"
        "assert current_revision(engine) == head_revision(), current_revision(engine)\n"
        "engine.dispose()\n"
        "print(' '.join(sorted(m for m in sys.modules if m == 'qorgau' or m.startswith('qorgau.'))))\n"
    )
    with fresh_database(tmp_path, "bare") as url:
        done = subprocess.run(
            [sys.executable, "-c", script, url], capture_output=True, text=True, timeout=300, check=False
        )
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) <= {"qorgau", "qorgau.db", "qorgau.migrate"}, done.stdout


def test_the_frozen_backfill_of_0002_writes_the_entries_the_audit_log_does(tmp_path):
    """Migration 0002 turns events logged before the log existed into leaves with its own copy of
    entry version 1: the copy gives byte for byte what the application's encoding gives."""
    with fresh_database(tmp_path, "frozen") as url:
        engine = make_engine(url)
        upgrade(engine, "0001")
        sqlite = engine.dialect.name == "sqlite"
        events = [
            {
                "id": uuid.uuid4(),
                "at": datetime(2026, 1, 1 + i, 10, i, 7, 123456 * (i % 2), tzinfo=UTC),
                "actor": uuid.uuid4() if i % 3 else None,
                "agency": uuid.uuid4() if i % 2 else None,
                "action": ["agency.create", "user.sign_in", "case.«view»"][i % 3],
                "type": ["agency", "user", "case"][i % 3],
                "obj": str(uuid.uuid4()) if i % 4 else None,
                "outcome": ["success", "denied", "failure"][i % 3],
                "details": None if i % 2 else json.dumps({"n": i, "why": "тест", "list": [1, None]}),
            }
            for i in range(7)
        ]
        with engine.begin() as conn:
            for e in events:
                conn.execute(
                    text(
                        "INSERT INTO audit_events (id, occurred_at, actor_user_id, actor_agency_id, action, "
                        "object_type, object_id, outcome, details) "
                        "VALUES (:id, :at, :actor, :agency, :action, :type, :obj, :outcome, :details)"
                    ),
                    {
                        **e,
                        **{
                            k: (e[k].hex if sqlite else e[k]) if e[k] is not None else None
                            for k in ("id", "actor", "agency")
                        },
                        "at": e["at"].strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else e["at"],
                    },
                )
        upgrade(engine)
        with Session(engine) as db:
            salt = db.scalar(select(AuditLogHead.pseudonym_salt))
            assert log.size(db) == len(events)
            leaves = db.scalars(select(AuditLeaf).order_by(AuditLeaf.leaf_index)).all()
            stored = db.scalars(select(AuditEvent).order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
            assert [leaf.entry for leaf in leaves] == [log.entry_for(event, salt) for event in stored]
            assert [leaf.event_id for leaf in leaves] == [e["id"] for e in events]
            # The stored subtrees give the root RFC 9162 gives over the leaves.
            assert log.root(db, len(events)) == _root([leaf.leaf_hash for leaf in leaves])
        engine.dispose()


def _root(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return merkle.node_hash(_root(hashes[:k]), _root(hashes[k:]))
