"""Personal data at rest: the raw database (the SQLite file, or a pg_dump of the PostgreSQL
database) holds none of the people's names, birth dates or document numbers; a wrong key is a
clear error; after a key rotation every record still reads, and the old key is no longer needed."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from qorgau import rekey
from qorgau.auth.service import principal_for
from qorgau.config import Settings
from qorgau.db import make_engine, make_sessionmaker, unit_of_work
from qorgau.keyring import KEYRING_FILE, Keyring, KeyringError, add_data_key
from qorgau.migrate import upgrade
from qorgau.nrm import service
from qorgau.nrm.models import Case, Note, Person
from qorgau.nrm.schemas import CaseCreate, CaseSearch, DocumentIn, NoteIn, PersonIn
from qorgau.permissions import Role
from tests.support import fresh_database, make_user, on_postgres

PEOPLE = [
    ("Жұмабаева", "Әлия", "1998-03-17", "N09876543"),
    ("Tursunov", "Shahzod", "2004-11-02", "FA7654321"),
    ("Маматова", "Гүлзат", "1987-07-29", "AC3141592"),
]


def forms_of(birth_date: str) -> list[str]:
    y, m, d = birth_date.split("-")
    return [birth_date, f"{d}.{m}.{y}", f"{y}{m}{d}", f"{d}/{m}/{y}"]


@dataclass
class Node:
    url: str
    settings: Settings
    factory: sessionmaker[Session]
    engine: Engine
    case_ids: list


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    with fresh_database(tmp_path, "enc") as url:
        engine = make_engine(url)
        upgrade(engine)
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        factory = make_sessionmaker(engine)
        ids = []
        with unit_of_work(factory) as db:
            worker = principal_for(make_user(db, Role.CASE_WORKER), "token", request_id=None, address=None)
            for family, given, born, passport in PEOPLE:
                case = service.register_case(
                    db,
                    worker,
                    settings,
                    CaseCreate(
                        person=PersonIn(
                            family_name=family,
                            given_name=given,
                            birth_date=born,
                            documents=[DocumentIn(type="passport", number=passport, issuing_country="KZ")],
                        ),
                        narrative=f"{given} was recruited by a cousin.",
                    ),
                )
                service.add_note(db, worker, settings, case.id, NoteIn(text=f"Called {given} {family}."))
                ids.append((case.id, worker))
        yield Node(url, settings, factory, engine, ids)
        engine.dispose()


def raw_bytes(node: Node, tmp_path: Path) -> bytes:
    if on_postgres():
        url = make_url(node.url)
        dump = subprocess.run(
            [
                "pg_dump",
                "-h",
                url.host or "127.0.0.1",
                "-p",
                str(url.port or 5432),
                "-U",
                url.username or "postgres",
                "--data-only",
                "-d",
                url.database or "",
            ],
            capture_output=True,
            check=True,
        )
        return dump.stdout
    node.engine.dispose()  # checkpoint the WAL into the file, then read every file of the database
    path = Path(make_url(node.url).database or "")
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_the_raw_database_holds_no_names_birth_dates_or_document_numbers(node, tmp_path):
    raw = raw_bytes(node, tmp_path)
    assert len(raw) > 10_000  # the dump is real: it has the agencies, users and audit log
    for family, given, born, passport in PEOPLE:
        for value in [family, given, passport, *forms_of(born)]:
            for encoded in {value.encode("utf-8"), value.encode("utf-16-le"), value.upper().encode()}:
                assert encoded not in raw, value
    assert b"recruited by a cousin" not in raw


def test_a_wrong_key_is_a_clear_error_not_garbage(node, tmp_path):
    stranger = Settings(data_dir=tmp_path / "other-node", database_url=node.url)
    case_id, worker = node.case_ids[0]
    with unit_of_work(node.factory) as db, pytest.raises(KeyringError) as refused:
        service.view_case(db, worker, stranger, case_id)
    assert "does not open with key k1" in refused.value.detail
    assert refused.value.status == 503


def test_a_keyring_missing_the_key_names_the_key_and_the_remedy(node, tmp_path, monkeypatch):
    ring = json.loads((node.settings.data_dir / KEYRING_FILE).read_text())
    ring["data_keys"] = {"k9": "00" * 32}
    ring["active"] = "k9"
    monkeypatch.setenv("QORGAU_PERSON_KEYS", json.dumps(ring))
    settings = Settings(data_dir=node.settings.data_dir, database_url=node.url)
    case_id, worker = node.case_ids[0]
    with unit_of_work(node.factory) as db, pytest.raises(KeyringError) as refused:
        service.view_case(db, worker, settings, case_id)
    assert "k1" in refused.value.detail and KEYRING_FILE in refused.value.detail


def test_after_key_rotation_every_record_reads_without_the_old_key(node, monkeypatch):
    before = {}
    with unit_of_work(node.factory) as db:
        for case_id, worker in node.case_ids:
            before[case_id] = service.view_case(db, worker, node.settings, case_id)
    ring = add_data_key(node.settings.data_dir)
    assert ring.active_id == "k2" and "k1" in ring.retired
    assert rekey.reseal_all(node.factory, ring, batch=2) > 0
    with unit_of_work(node.factory) as db:
        assert rekey.rows_to_reseal(db, ring) == 0
        for cls in (Person, Case, Note):
            assert db.scalar(select(func.count()).select_from(cls).where(cls.key_id != "k2")) == 0
    # Only the new key: everything still opens, so the old one is needed by nothing in the database.
    only_new = Keyring(active_id="k2", data_keys={"k2": ring.data_keys["k2"]}, index_key=ring.index_key)
    monkeypatch.setenv("QORGAU_PERSON_KEYS", json.dumps(only_new.as_json()))
    settings = Settings(data_dir=node.settings.data_dir, database_url=node.url)
    with unit_of_work(node.factory) as db:
        for case_id, worker in node.case_ids:
            after = service.view_case(db, worker, settings, case_id)
            for key in ("person", "narrative", "notes", "reference"):
                assert after[key] == before[case_id][key]
        # The blind indexes were not re-keyed, and still find people.
        found = service.list_cases(db, worker, settings, CaseSearch(name="Aliya Zhumabaeva"))
        assert [i["reference"] for i in found["items"]] == [before[node.case_ids[0][0]]["reference"]]


def test_qorgau_keys_rotate_re_seals_everything_and_says_so(node):
    import os
    import sys

    env = {**os.environ, "QORGAU_DATA_DIR": str(node.settings.data_dir), "QORGAU_DATABASE_URL": node.url}
    done = subprocess.run(
        [sys.executable, "-m", "qorgau", "keys", "rotate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Active key: k2" in done.stdout
    with unit_of_work(node.factory) as db:
        assert db.scalar(select(func.count()).select_from(Person).where(Person.key_id == "k1")) == 0
