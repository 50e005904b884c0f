"""CSRF: a state-changing request from a browser must carry the token our page gave it."""

from __future__ import annotations

from sqlalchemy import select

from qorgau.auth.models import Agency
from qorgau.permissions import Role
from tests.support import bearer, csrf_from, make_user, sign_in

NEW_AGENCY = {"code": "KG-NGO-CSRF", "name": "Crisis centre", "country": "KG", "kind": "ngo"}


def _admin_session(client, db):
    # Staff roles with agency.admin need two-factor; give a trainer the permission test via the
    # language form instead where two-factor would get in the way.
    user = make_user(db, Role.CASE_WORKER)
    sign_in(client, user.username)
    return user


def test_sign_in_without_the_form_token_is_refused(client, db):
    user = make_user(db, Role.CASE_WORKER)
    client.get("/sign-in")
    response = client.post("/sign-in", data={"username": user.username, "password": "x"})
    assert response.status_code == 403
    assert "did not come from Qorgau" in response.text
    assert "qorgau_session" not in client.cookies


def test_state_change_with_a_missing_or_forged_token_is_refused_and_changes_nothing(client, db):
    user = _admin_session(client, db)
    for token in (None, "0" * 64):
        data = {"current_password": "Steppe-Wind-Karagandy-7", "new_password": "Another-Long-Password-9"}
        if token:
            data["csrf_token"] = token
        response = client.post("/account/password", data=data)
        assert response.status_code == 403
    db.refresh(user)
    from qorgau.auth.passwords import verify_password

    assert verify_password(user.password_hash, "Steppe-Wind-Karagandy-7")


def test_a_token_from_another_session_is_refused(app, client, db):
    from starlette.testclient import TestClient

    _admin_session(client, db)
    other_user = make_user(db, Role.CASE_WORKER)
    with TestClient(app) as other:
        sign_in(other, other_user.username)
        foreign_token = csrf_from(other.get("/account").text)
    response = client.post("/sign-out", data={"csrf_token": foreign_token}, follow_redirects=False)
    assert response.status_code == 403


def test_the_page_token_is_accepted_in_the_form_and_in_the_htmx_header(client, db):
    _admin_session(client, db)
    token = csrf_from(client.get("/account").text)
    assert (
        client.post(
            "/language", data={"locale": "ru", "next": "/", "csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    assert (
        client.post(
            "/language",
            data={"locale": "en", "next": "/"},
            headers={"X-CSRF-Token": token},
            follow_redirects=False,
        ).status_code
        == 303
    )


def test_api_calls_with_a_bearer_token_need_no_csrf_token(client, db):
    # A bearer token is never sent by a browser on its own, so it cannot be forged cross-site.
    admin = make_user(db, Role.ADMINISTRATOR)
    response = client.post("/api/v1/agencies", json=NEW_AGENCY, headers=bearer(db, admin))
    assert response.status_code == 201
    assert db.scalar(select(Agency).where(Agency.code == "KG-NGO-CSRF")) is not None


def test_a_cookie_session_cannot_call_the_api_without_the_token(client, db):
    admin = make_user(db, Role.CASE_WORKER)
    sign_in(client, admin.username)
    response = client.post("/api/v1/me/tokens", json={"label": "x"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
