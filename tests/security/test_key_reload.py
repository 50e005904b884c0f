"""Key rotation under a running node: `qorgau keys rotate` replaces the keyring file and re-seals
the records while the server serves. The server must see the new key at once, without a
restart: records re-sealed under it read, and new records are sealed with it, not the retired one."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from qorgau import rekey
from qorgau.app import create_app
from qorgau.config import Settings
from qorgau.db import make_sessionmaker
from qorgau.keyring import KEYRING_FILE, add_data_key
from qorgau.models import load_all
from qorgau.nrm import people
from qorgau.nrm.models import Case, Person
from qorgau.permissions import Role
from tests.nrm.test_cases_api import intake
from tests.support import bearer, make_user

OTHER_PERSON = {
    "family_name": "Serikova",
    "given_name": "Dana",
    "birth_date": "2001-09-30",
    "documents": [{"type": "passport", "number": "N 8765 4321", "issuing_country": "KZ"}],
}


@pytest.fixture
def node(tmp_path: Path, database_url, engine, connection):  # type: ignore[no-untyped-def]
    load_all()
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    app = create_app(settings, engine=engine, session_factory=factory)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield settings, factory, client


def _key_of_case(db: Session, case_id: str) -> tuple[str, str]:
    case = db.get(Case, uuid.UUID(case_id))
    assert case is not None
    person = db.get(Person, case.person_id)
    assert person is not None
    return case.key_id, person.key_id


def test_a_rotation_under_a_running_server_is_used_at_once(node, db):
    settings, factory, client = node
    worker = bearer(db, make_user(db, Role.CASE_WORKER))
    before = client.post("/api/v1/cases", headers=worker, json=intake())
    assert before.status_code == 201, before.text
    assert _key_of_case(db, before.json()["id"]) == ("k1", "k1")

    # What `qorgau keys rotate` does, in another process as far as the app can tell.
    ring = add_data_key(settings.data_dir)
    assert ring.active_id == "k2"
    assert rekey.reseal_all(factory, ring) > 0
    db.expire_all()
    assert _key_of_case(db, before.json()["id"]) == ("k2", "k2")

    # The re-sealed record reads (it was a 503 until a restart) ...
    read = client.get(f"/api/v1/cases/{before.json()['id']}", headers=worker)
    assert read.status_code == 200, read.text
    assert read.json()["person"]["given_name"] == "Айгерим"
    # ... and a new record is sealed with the new key, not the retired one.
    after = client.post("/api/v1/cases", headers=worker, json=intake(**OTHER_PERSON))
    assert after.status_code == 201, after.text
    assert _key_of_case(db, after.json()["id"]) == ("k2", "k2")


def test_a_keyring_in_hand_before_the_rotation_still_opens_what_it_re_sealed(node, db):
    """A request that took the keyring just before the rotation meets a row under the new key:
    the unknown key id makes it read the file again, once, instead of refusing."""
    settings, factory, client = node
    held = settings.keyring
    worker = bearer(db, make_user(db, Role.CASE_WORKER))
    case_id = client.post("/api/v1/cases", headers=worker, json=intake()).json()["id"]
    rekey.reseal_all(factory, add_data_key(settings.data_dir))
    db.expire_all()
    case = db.get(Case, uuid.UUID(case_id))
    assert case is not None and case.key_id == "k2" and "k2" not in held.data_keys
    assert held.open_json(case.key_id, case.sealed, people.aad("nrm_cases", case.id))


def test_a_broken_keyring_file_keeps_the_keyring_in_use(node, db):
    settings, _factory, client = node
    worker = bearer(db, make_user(db, Role.CASE_WORKER))
    case_id = client.post("/api/v1/cases", headers=worker, json=intake()).json()["id"]
    path = settings.data_dir / KEYRING_FILE
    good = path.read_text()
    path.write_text("{half a file")
    assert client.get(f"/api/v1/cases/{case_id}", headers=worker).status_code == 200
    path.write_text(json.dumps({**json.loads(good), "data_keys": {}}))
    assert client.get(f"/api/v1/cases/{case_id}", headers=worker).status_code == 200
    path.unlink()
    assert client.get(f"/api/v1/cases/{case_id}", headers=worker).status_code == 200
    assert not path.exists()  # no new keys made behind the operator's back
    assert os.environ.get("QORGAU_PERSON_KEYS") is None
