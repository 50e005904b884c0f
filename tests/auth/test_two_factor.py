"""TOTP two-factor sign-in: required for administrators, optional for others."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pyotp
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, select
from starlette.testclient import TestClient

from qorgau import rekey
from qorgau.app import create_app
from qorgau.auth.models import User
from qorgau.config import Settings
from qorgau.db import make_sessionmaker
from qorgau.keyring import KEYRING_ENV, Keyring, add_data_key
from qorgau.permissions import Role
from tests.support import csrf_from, make_user, sign_in

SECRET_RE = r'data-secret="([A-Z2-7]+)"'


def _enrol(client) -> str:
    import re

    page = client.get("/account/two-factor")
    secret = re.search(SECRET_RE, page.text).group(1)
    response = client.post(
        "/account/two-factor",
        data={"secret": secret, "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    return secret


def test_administrator_must_enrol_before_anything_else(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    response = sign_in(client, admin.username)
    assert response.headers["location"] == "/account/two-factor"
    # Half signed in: nothing but enrolment and sign-out is open.
    assert client.get("/admin/users", follow_redirects=False).headers["location"] == "/sign-in/two-factor"
    assert client.get("/api/v1/me").status_code == 401
    _enrol(client)
    assert client.get("/admin/users").status_code == 200
    db.refresh(admin)
    assert admin.totp_secret_sealed is not None


def test_enrolled_user_needs_a_current_code_and_a_code_works_only_once(client, db, app):
    from starlette.testclient import TestClient

    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    secret = _enrol(client)
    # The seed is stored sealed, never in plain text.
    stored = db.scalar(select(User.totp_secret_sealed).where(User.id == admin.id))
    assert secret.encode() not in stored

    with TestClient(app) as second:
        assert sign_in(second, admin.username).headers["location"] == "/sign-in/two-factor"
        page = second.get("/sign-in/two-factor")
        wrong = second.post(
            "/sign-in/two-factor", data={"code": "000000", "csrf_token": csrf_from(page.text)}
        )
        assert wrong.status_code == 422
        assert second.get("/", follow_redirects=False).status_code == 303
        # The code used for enrolment is spent; the next time step gives a fresh one. (The spent
        # step is read back rather than taken as "now", which may have moved on meanwhile.)
        totp = pyotp.TOTP(secret)
        spent = db.scalar(select(User.totp_last_step).where(User.id == admin.id))
        replay = second.post(
            "/sign-in/two-factor",
            data={"code": totp.at(spent * totp.interval), "csrf_token": csrf_from(page.text)},
        )
        assert replay.status_code == 422
        fresh = totp.at(max(time.time(), (spent + 1) * totp.interval))
        ok = second.post(
            "/sign-in/two-factor",
            data={"code": fresh, "csrf_token": csrf_from(page.text)},
            follow_redirects=False,
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        assert second.get("/admin/users").status_code == 200


def test_second_factor_guesses_are_throttled(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    _enrol(client)
    client.cookies.clear()
    sign_in(client, admin.username)
    page = client.get("/sign-in/two-factor")
    for _ in range(5):
        client.post("/sign-in/two-factor", data={"code": "123456", "csrf_token": csrf_from(page.text)})
    locked = client.post("/sign-in/two-factor", data={"code": "123456", "csrf_token": csrf_from(page.text)})
    assert locked.status_code == 429 and "Too many wrong codes" in locked.text
    assert 1 <= int(locked.headers["Retry-After"]) <= 15


def test_wrong_enrolment_code_is_refused_with_a_clear_message(client, db):
    import re

    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    page = client.get("/account/two-factor")
    secret = re.search(SECRET_RE, page.text).group(1)
    response = client.post(
        "/account/two-factor", data={"secret": secret, "code": "999999", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 422 and "not correct" in response.text
    db.refresh(admin)
    assert admin.totp_secret_sealed is None


def test_case_worker_signs_in_without_a_second_factor(client, db):
    worker = make_user(db, Role.CASE_WORKER)
    assert sign_in(client, worker.username).headers["location"] == "/"


# --- one sealer: TOTP seeds are sealed with the keyring and rotate with it ------------------------


def _second_factor(client, secret: str, *, at: float) -> int:
    page = client.get("/sign-in/two-factor")
    answer = client.post(
        "/sign-in/two-factor",
        data={"code": pyotp.TOTP(secret).at(at), "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    return answer.status_code


def _legacy_seed(db, settings: Settings, user: User) -> str:
    """A seed as nodes sealed it before migration 0015: AES-GCM under the secrets file's
    secret-box key, associated data "totp:" + the user's id, no key id beside it."""
    secret = pyotp.random_base32()
    nonce = os.urandom(12)
    sealed = AESGCM(settings.secrets.secret_box_key).encrypt(nonce, secret.encode(), b"totp:" + user.id.bytes)
    user.totp_secret_sealed, user.totp_key_id = nonce + sealed, None
    db.flush()
    return secret


@pytest.fixture
def own_node(tmp_path: Path, database_url: str, engine, connection: Connection):
    """The suite's database with a keyring of this test's own, which it may rotate."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    return settings, factory, lambda s: create_app(s, engine=engine, session_factory=factory)


def test_keys_rotate_re_seals_totp_seeds_and_sign_in_works_with_only_the_new_key(own_node, db, monkeypatch):
    settings, factory, make_app = own_node
    admin = make_user(db, Role.ADMINISTRATOR)
    old = make_user(db, Role.ADMINISTRATOR)
    with TestClient(make_app(settings)) as first:
        sign_in(first, admin.username)
        secret = _enrol(first)
    db.refresh(admin)
    assert admin.totp_key_id == "k1"
    old_secret = _legacy_seed(db, settings, old)

    ring = add_data_key(settings.data_dir)
    with factory() as probe:
        assert rekey.rows_to_reseal(probe, ring) >= 2
    rekey.reseal_all(factory, ring, legacy_key=settings.secrets.secret_box_key)
    db.expire_all()
    assert (admin.totp_key_id, old.totp_key_id) == ("k2", "k2")

    # Only the new key (and another secret-box key): both still sign in with their codes.
    only_new = Keyring(active_id="k2", data_keys={"k2": ring.data_keys["k2"]}, index_key=ring.index_key)
    monkeypatch.setenv(KEYRING_ENV, json.dumps(only_new.as_json()))
    rotated = Settings(data_dir=settings.data_dir, database_url=settings.database_url)
    rotated.__dict__["secrets"] = replace(settings.secrets, secret_box_key=b"\x00" * 32)
    with TestClient(make_app(rotated)) as second:
        for user, seed in ((admin, secret), (old, old_secret)):
            second.cookies.clear()
            assert sign_in(second, user.username).headers["location"] == "/sign-in/two-factor"
            assert _second_factor(second, seed, at=time.time() + 30) == 303


def test_a_seed_sealed_before_the_keyring_still_verifies_and_is_re_sealed_with_it(client, db, settings):
    admin = make_user(db, Role.ADMINISTRATOR)
    secret = _legacy_seed(db, settings, admin)
    before = admin.totp_secret_sealed
    assert sign_in(client, admin.username).headers["location"] == "/sign-in/two-factor"
    assert _second_factor(client, secret, at=time.time()) == 303
    db.refresh(admin)
    assert admin.totp_key_id == settings.keyring.active_id and admin.totp_secret_sealed != before
    assert settings.keyring.open_row(admin.totp_key_id, admin.totp_secret_sealed, "totp", admin.id) == (
        secret.encode()
    )
