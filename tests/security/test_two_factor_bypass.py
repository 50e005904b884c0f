"""Issue 11, item 1: a half-signed-in session (password only) must not be able to set its own
second factor on an account that has one, nor get past the code throttle by enrolling."""

from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import select
from starlette.testclient import TestClient

from qorgau.auth.models import User
from qorgau.permissions import Role
from tests.support import PASSWORD, csrf_from, make_user, sign_in

SECRET_RE = r'data-secret="([A-Z2-7]+)"'
ATTACKER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _enrol(client: TestClient) -> str:
    page = client.get("/account/two-factor")
    secret = re.search(SECRET_RE, page.text).group(1)
    response = client.post(
        "/account/two-factor",
        data={"secret": secret, "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    return secret


def _seed(db, user) -> bytes | None:
    db.expire_all()
    return db.scalar(select(User.totp_secret_sealed).where(User.id == user.id))


def _half_signed_in(app, username: str) -> TestClient:
    attacker = TestClient(app, raise_server_exceptions=False, client=("198.51.100.66", 40000))
    assert sign_in(attacker, username).headers["location"] == "/sign-in/two-factor"
    return attacker


def test_password_alone_cannot_replace_the_second_factor(client, db, app):
    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    _enrol(client)
    real_seed = _seed(db, admin)

    with _half_signed_in(app, admin.username) as attacker:
        token = csrf_from(attacker.get("/sign-in/two-factor").text)
        forged = attacker.post(
            "/account/two-factor",
            data={"secret": ATTACKER_SECRET, "code": pyotp.TOTP(ATTACKER_SECRET).now(), "csrf_token": token},
            follow_redirects=False,
        )
        assert forged.status_code == 403
        # Not let in, and the owner's seed is untouched.
        assert (
            attacker.get("/admin/users", follow_redirects=False).headers["location"] == "/sign-in/two-factor"
        )
        assert attacker.get("/api/v1/me").status_code == 401
        # The enrolment page is not even offered to such a session.
        page = attacker.get("/account/two-factor", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/sign-in/two-factor"
    assert _seed(db, admin) == real_seed


def test_enrolment_does_not_get_round_a_locked_code_throttle(client, db, app):
    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    _enrol(client)
    real_seed = _seed(db, admin)
    with _half_signed_in(app, admin.username) as attacker:
        token = csrf_from(attacker.get("/sign-in/two-factor").text)
        for _ in range(5):
            attacker.post("/sign-in/two-factor", data={"code": "123456", "csrf_token": token})
        assert (
            attacker.post("/sign-in/two-factor", data={"code": "123456", "csrf_token": token}).status_code
            == 429
        )
        forged = attacker.post(
            "/account/two-factor",
            data={"secret": ATTACKER_SECRET, "code": pyotp.TOTP(ATTACKER_SECRET).now(), "csrf_token": token},
            follow_redirects=False,
        )
        assert forged.status_code in (403, 429)
        assert attacker.get("/api/v1/me").status_code == 401
    assert _seed(db, admin) == real_seed


def test_wrong_enrolment_codes_count_in_the_code_throttle(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    page = client.get("/account/two-factor")
    secret = re.search(SECRET_RE, page.text).group(1)
    token = csrf_from(page.text)
    for _ in range(5):
        wrong = client.post(
            "/account/two-factor", data={"secret": secret, "code": "000000", "csrf_token": token}
        )
        assert wrong.status_code == 422
    right = client.post(
        "/account/two-factor",
        data={"secret": secret, "code": pyotp.TOTP(secret).now(), "csrf_token": token},
        follow_redirects=False,
    )
    assert right.status_code == 429 and "Retry-After" in right.headers
    assert _seed(db, admin) is None


def test_a_good_password_does_not_reset_the_count_of_wrong_codes(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    _enrol(client)
    client.cookies.clear()
    sign_in(client, admin.username)
    token = csrf_from(client.get("/sign-in/two-factor").text)
    for _ in range(5):
        client.post("/sign-in/two-factor", data={"code": "123456", "csrf_token": token})
    # Signing in again with the password must not buy five more guesses.
    client.cookies.clear()
    assert sign_in(client, admin.username).status_code == 303
    token = csrf_from(client.get("/sign-in/two-factor").text)
    assert client.post("/sign-in/two-factor", data={"code": "123456", "csrf_token": token}).status_code == 429


def test_moving_to_another_app_needs_the_password_and_a_current_code(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    sign_in(client, admin.username)
    old_secret = _enrol(client)
    old_seed = _seed(db, admin)
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and 'name="current_password"' in page.text
    assert 'name="current_code"' in page.text
    new_secret = re.search(SECRET_RE, page.text).group(1)
    token = csrf_from(page.text)
    new_code = pyotp.TOTP(new_secret).now()

    def attempt(**extra: str):
        data = {"secret": new_secret, "code": new_code, "csrf_token": token, **extra}
        return client.post("/account/two-factor", data=data, follow_redirects=False)

    assert attempt().status_code == 422  # someone at an unlocked screen, without the password
    assert attempt(current_password="not-the-password").status_code == 422
    assert attempt(current_password=PASSWORD, current_code="000000").status_code == 422
    assert _seed(db, admin) == old_seed
    current = pyotp.TOTP(old_secret).at(time.time() + 30)  # the enrolment spent the present step
    done = attempt(current_password=PASSWORD, current_code=current)
    assert done.status_code == 303
    assert _seed(db, admin) not in (None, old_seed)


def test_optional_enrolment_from_a_full_session_needs_the_password(client, db):
    worker = make_user(db, Role.CASE_WORKER)
    assert sign_in(client, worker.username).headers["location"] == "/"
    page = client.get("/account/two-factor")
    assert 'name="current_password"' in page.text and 'name="current_code"' not in page.text
    secret = re.search(SECRET_RE, page.text).group(1)
    data = {"secret": secret, "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)}
    assert client.post("/account/two-factor", data=data).status_code == 422
    assert _seed(db, worker) is None
    ok = client.post(
        "/account/two-factor", data={**data, "current_password": PASSWORD}, follow_redirects=False
    )
    assert ok.status_code == 303
    assert _seed(db, worker) is not None
