"""Agencies and user accounts through the JSON API."""

from __future__ import annotations

from sqlalchemy import select

from qorgau.auth.models import User
from qorgau.auth.passwords import verify_password
from qorgau.permissions import Role
from tests.support import bearer, make_user


def test_register_an_agency_and_find_it_in_the_directory(client, db):
    admin = bearer(db, make_user(db, Role.ADMINISTRATOR))
    created = client.post(
        "/api/v1/agencies",
        headers=admin,
        json={"code": "kg-bs-osh2", "name": "Border post Osh-2", "country": "kg", "kind": "border_service"},
    )
    assert created.status_code == 201
    assert created.json()["code"] == "KG-BS-OSH2" and created.json()["country"] == "KG"
    worker = bearer(db, make_user(db, Role.CASE_WORKER))
    directory = client.get("/api/v1/agencies", headers=worker).json()
    assert "KG-BS-OSH2" in {a["code"] for a in directory}
    again = client.post(
        "/api/v1/agencies",
        headers=admin,
        json={"code": "KG-BS-OSH2", "name": "Again", "country": "KG", "kind": "border_service"},
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "code"


def test_create_a_user_with_a_generated_password_shown_once(client, db):
    admin = bearer(db, make_user(db, Role.ADMINISTRATOR))
    response = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "Madina.K",
            "display_name": "Madina K.",
            "agency_code": "kz-ngo-tst",
            "roles": ["case_worker", "trainer"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "madina.k"
    # Case work is a grant of power: it waits for a second person (tests/security/test_two_person_rule.py).
    assert body["roles"] == ["trainer"] and body["pending_roles"] == ["case_worker"]
    generated = body["generated_password"]
    assert len(generated) >= 16
    stored = db.scalar(select(User).where(User.username == "madina.k"))
    assert verify_password(stored.password_hash, generated)
    assert generated not in stored.password_hash
    listed = client.get(f"/api/v1/users/{body['id']}", headers=admin).json()
    assert "generated_password" not in listed


def test_user_creation_errors_name_the_field(client, db):
    admin = bearer(db, make_user(db, Role.ADMINISTRATOR))
    base = {"username": "timur", "display_name": "Timur", "agency_code": "KZ-NGO-TST", "roles": ["analyst"]}
    cases = {
        "password": {**base, "password": "password123"},
        "agency_code": {**base, "agency_code": "XX-NONE"},
        "roles": {**base, "roles": ["wizard"]},
        "username": {**base, "username": "a b"},
    }
    for field, body in cases.items():
        response = client.post("/api/v1/users", headers=admin, json=body)
        assert response.status_code in (404, 422), (field, response.status_code)
        assert field in {e["field"].split(".")[0] for e in response.json()["errors"]}, (
            field,
            response.json(),
        )
    assert db.scalar(select(User).where(User.username == "timur")) is None


def test_disable_and_enable_an_account(client, db):
    admin_user = make_user(db, Role.ADMINISTRATOR)
    admin = bearer(db, admin_user)
    worker = make_user(db, Role.CASE_WORKER)
    assert client.post(f"/api/v1/users/{worker.id}/disable", headers=admin).json()["active"] is False
    assert client.post(f"/api/v1/users/{worker.id}/enable", headers=admin).json()["active"] is True
    own = client.post(f"/api/v1/users/{admin_user.id}/disable", headers=admin)
    assert own.status_code == 409


def test_change_own_password_through_the_api(client, db):
    user = make_user(db, Role.ANALYST)
    headers = bearer(db, user)
    bad = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "wrong", "new_password": "Zhibek-Zholy-Route-5"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "current_password"
    ok = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "Steppe-Wind-Karagandy-7", "new_password": "Zhibek-Zholy-Route-5"},
    )
    assert ok.status_code == 204
    db.refresh(user)
    assert verify_password(user.password_hash, "Zhibek-Zholy-Route-5")
