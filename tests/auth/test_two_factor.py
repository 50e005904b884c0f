"""TOTP two-factor sign-in: required for administrators, optional for others."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import select

from qorgau.auth.models import User
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
        # The code used for enrolment is spent; the next time step gives a fresh one.
        totp = pyotp.TOTP(secret)
        replay = second.post(
            "/sign-in/two-factor", data={"code": totp.now(), "csrf_token": csrf_from(page.text)}
        )
        assert replay.status_code == 422
        fresh = totp.at(time.time() + 30)
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
    assert locked.status_code == 429 and "locked" in locked.text


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
