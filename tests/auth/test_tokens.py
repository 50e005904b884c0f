"""API tokens: shown once, stored hashed, revocable, refused once the account is disabled."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from qorgau.auth import service
from qorgau.auth.models import ApiToken
from qorgau.permissions import Role
from qorgau.principal import system_principal
from tests.support import bearer, make_user


def test_token_authenticates_and_is_stored_only_as_a_hash(client, db):
    user = make_user(db, Role.ANALYST)
    headers = bearer(db, user)
    raw = headers["Authorization"].removeprefix("Bearer ")
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json()["username"] == user.username
    assert me.json()["authenticated_via"] == "token"
    for stored in db.scalars(select(ApiToken.token_hash)):
        assert raw.encode() not in stored


def test_revoked_token_is_refused(client, db):
    user = make_user(db, Role.ANALYST)
    headers = bearer(db, user)
    token_id = uuid.UUID(client.get("/api/v1/me/tokens", headers=headers).json()[0]["id"])
    service.revoke_api_token(db, system_principal(), token_id)
    db.flush()
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token is not valid, has expired or was revoked."
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_user_revokes_their_own_token_through_the_api(client, db):
    user = make_user(db, Role.ANALYST)
    headers = bearer(db, user)
    created = client.post("/api/v1/me/tokens", json={"label": "report script"}, headers=headers)
    assert created.status_code == 201
    second = {"Authorization": "Bearer " + created.json()["token"]}
    assert client.get("/api/v1/me", headers=second).status_code == 200
    listed = client.get("/api/v1/me/tokens", headers=headers).json()
    assert all("token" not in t for t in listed)  # shown once, at creation only
    assert client.delete(f"/api/v1/me/tokens/{created.json()['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=second).status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_someone_elses_token_cannot_be_revoked(client, db):
    owner, other = make_user(db, Role.ANALYST), make_user(db, Role.ANALYST)
    owner_headers = bearer(db, owner)
    token_id = client.get("/api/v1/me/tokens", headers=owner_headers).json()[0]["id"]
    assert client.delete(f"/api/v1/me/tokens/{token_id}", headers=bearer(db, other)).status_code == 404
    assert client.get("/api/v1/me", headers=owner_headers).status_code == 200


def test_disabling_an_account_revokes_its_tokens(client, db):
    user = make_user(db, Role.ANALYST)
    headers = bearer(db, user)
    service.set_user_active(db, system_principal(), user, False)
    db.flush()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_malformed_authorization_header_gets_a_clear_401(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
