"""Sign-in over HTTP: cookies, throttling (growing delays), disabled accounts, expiry, sign-out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from qorgau.auth.models import WebSession
from qorgau.db import utcnow
from qorgau.permissions import Role
from tests.support import PASSWORD, csrf_from, make_user, sign_in


def test_sign_in_sets_a_protected_session_cookie_and_opens_the_home_page(client, db):
    user = make_user(db, Role.CASE_WORKER)
    response = sign_in(client, user.username)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("qorgau_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    home = client.get("/")
    assert home.status_code == 200 and "Test User" in home.text


def test_session_cookie_is_secure_behind_https(app, db, settings):
    from starlette.testclient import TestClient

    settings.secure_cookies = True
    user = make_user(db, Role.CASE_WORKER)
    with TestClient(app, base_url="https://testserver") as https_client:
        cookie = next(
            h
            for h in sign_in(https_client, user.username).headers.get_list("set-cookie")
            if h.startswith("qorgau_session=")
        )
    assert "Secure" in cookie


def test_wrong_password_and_unknown_user_get_the_same_message(client, db):
    user = make_user(db, Role.CASE_WORKER)
    wrong = sign_in(client, user.username, "not-the-password-1")
    unknown = sign_in(client, "nobody-here", "not-the-password-1")
    assert wrong.status_code == unknown.status_code == 422
    assert "username or password is not correct" in wrong.text
    assert "username or password is not correct" in unknown.text


def test_five_failures_make_the_account_wait_even_for_the_right_password(client, db):
    user = make_user(db, Role.CASE_WORKER)
    for _ in range(5):
        assert sign_in(client, user.username, "wrong-password-123").status_code == 422
    delayed = sign_in(client, user.username, PASSWORD)
    assert delayed.status_code == 429
    assert "Too many failed sign-in attempts for this account" in delayed.text
    # A short, growing delay, not a 15-minute lock (see tests/security/test_sign_in_lockout.py).
    assert 1 <= int(delayed.headers["Retry-After"]) <= 15
    assert "Try again in" in delayed.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still not signed in


def test_the_wait_ends(client, db):
    from qorgau.auth.models import SignInAttempt

    user = make_user(db, Role.CASE_WORKER)
    for _ in range(5):
        sign_in(client, user.username, "wrong-password-123")
    db.execute(
        update(SignInAttempt)
        .where(SignInAttempt.username == user.username)
        .values(at=utcnow() - timedelta(seconds=16))
    )
    assert sign_in(client, user.username).status_code == 303


def test_a_success_clears_earlier_failures(client, db):
    user = make_user(db, Role.CASE_WORKER)
    for _ in range(4):
        sign_in(client, user.username, "wrong-password-123")
    assert sign_in(client, user.username).status_code == 303
    client.cookies.clear()
    for _ in range(4):
        sign_in(client, user.username, "wrong-password-123")
    assert sign_in(client, user.username).status_code == 303


def test_address_is_throttled_across_accounts(client, db):
    # Password spraying: one address, many usernames.
    for i in range(20):
        sign_in(client, f"spray-target-{i}", "Summer2024!!")
    victim = make_user(db, Role.CASE_WORKER)
    blocked = sign_in(client, victim.username)
    assert blocked.status_code == 429
    assert "from this address" in blocked.text


def test_disabled_account_cannot_sign_in_and_loses_its_sessions(client, db):
    from qorgau.auth import service
    from qorgau.principal import system_principal

    user = make_user(db, Role.CASE_WORKER)
    assert sign_in(client, user.username).status_code == 303
    service.set_user_active(db, system_principal(), user, False)
    db.flush()
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"
    client.cookies.clear()
    assert sign_in(client, user.username).status_code == 422


def test_idle_session_expires(client, db):
    user = make_user(db, Role.CASE_WORKER)
    sign_in(client, user.username)
    assert client.get("/").status_code == 200
    db.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id)
        .values(last_seen_at=utcnow() - timedelta(minutes=31))
    )
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    assert client.get("/api/v1/me").status_code == 401


def test_session_expires_after_its_absolute_lifetime_even_when_used(client, db):
    user = make_user(db, Role.CASE_WORKER)
    sign_in(client, user.username)
    db.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id)
        .values(created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow())
    )
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_on_the_server(client, db):
    user = make_user(db, Role.CASE_WORKER)
    sign_in(client, user.username)
    stolen = client.cookies.get("qorgau_session")
    home = client.get("/")
    assert (
        client.post(
            "/sign-out", data={"csrf_token": csrf_from(home.text)}, follow_redirects=False
        ).status_code
        == 303
    )
    client.cookies.set("qorgau_session", stolen)
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_a_success_does_not_reset_the_address_counter(client, db):
    # A sprayer holding one valid account must not clear the address's failures with it.
    own = make_user(db, Role.CASE_WORKER)
    for i in range(19):
        sign_in(client, f"spray-target-{i}", "Summer2024!!")
    assert sign_in(client, own.username).status_code == 303
    client.cookies.clear()
    sign_in(client, "spray-target-last", "Summer2024!!")
    assert sign_in(client, own.username).status_code == 429
