"""Issue 11, item 11: API tokens never expired, survived a password change, and no page listed
them. Now they end after 90 days (or what their creator chose, up to a year), the account page
lists and revokes them, and a password change ends them unless the owner keeps them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from qorgau.auth.models import ApiToken
from qorgau.db import utcnow
from qorgau.permissions import Role
from tests.support import PASSWORD, bearer, csrf_from, make_user, sign_in

NEW_PASSWORD = "Another-Long-Password-42"


def _token(db, raw_headers) -> ApiToken:
    from qorgau.auth.crypto import token_hash

    raw = raw_headers["Authorization"].removeprefix("Bearer ")
    return db.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))


def test_a_new_token_ends_after_90_days_by_default(client, db):
    user = make_user(db, Role.ANALYST)
    headers = bearer(db, user)
    listed = client.get("/api/v1/me/tokens", headers=headers).json()
    assert "expires_at" in listed[0]
    token = _token(db, headers)
    assert timedelta(days=89, hours=23) < token.expires_at - utcnow() <= timedelta(days=90)


def test_an_expired_token_is_refused(client, db):
    user = make_user(db, Role.ANALYST)
    headers = bearer(db, user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    _token(db, headers).expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]


def test_the_lifetime_is_chosen_at_creation_within_bounds(client, db):
    headers = bearer(db, make_user(db, Role.ANALYST))
    week = client.post("/api/v1/me/tokens", json={"label": "week", "expires_in_days": 7}, headers=headers)
    assert week.status_code == 201
    lifetime = datetime.fromisoformat(week.json()["expires_at"]) - utcnow()
    assert timedelta(days=6) < lifetime <= timedelta(days=7)
    for days in (0, -1, 366, 10**9):
        too = client.post("/api/v1/me/tokens", json={"label": "x", "expires_in_days": days}, headers=headers)
        assert too.status_code == 422


def test_a_password_change_ends_the_tokens_unless_kept(client, db):
    user = make_user(db, Role.ANALYST)
    session_headers = bearer(db, user)  # the one that changes the password
    other = bearer(db, user)
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=session_headers,
    )
    assert changed.status_code == 204
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert client.get("/api/v1/me", headers=session_headers).status_code == 401

    kept_user = make_user(db, Role.ANALYST)
    kept = bearer(db, kept_user)
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "keep_api_tokens": True},
        headers=kept,
    )
    assert changed.status_code == 204
    assert client.get("/api/v1/me", headers=kept).status_code == 200


def test_the_password_form_ends_tokens_unless_the_box_is_ticked(client, db):
    user = make_user(db, Role.ANALYST)
    headers = bearer(db, user)
    sign_in(client, user.username)
    page = client.get("/account")
    assert 'name="keep_api_tokens"' in page.text
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "csrf_token": csrf_from(page.text)}
    kept = client.post("/account/password", data={**data, "keep_api_tokens": "true"})
    assert kept.status_code == 200 and client.get("/api/v1/me", headers=headers).status_code == 200
    data = {
        "current_password": NEW_PASSWORD,
        "new_password": PASSWORD + "-2",
        "csrf_token": csrf_from(page.text),
    }
    ended = client.post("/account/password", data=data)
    assert ended.status_code == 200 and "API tokens revoked" in ended.text
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_account_page_lists_creates_and_revokes_tokens(client, db):
    user = make_user(db, Role.ANALYST)
    sign_in(client, user.username)
    page = client.get("/account")
    token = csrf_from(page.text)
    created = client.post(
        "/account/tokens", data={"label": "nightly export", "expires_in_days": "30", "csrf_token": token}
    )
    assert created.status_code == 200
    raw = re.search(r'<code id="new-token">(qg_[^<]+)</code>', created.text).group(1)
    assert "nightly export" in created.text
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    listed = client.get("/account")
    assert "nightly export" in listed.text and raw not in listed.text  # shown once only
    token_id = client.get("/api/v1/me/tokens", headers=headers).json()[0]["id"]

    # Revoking is a state change: without the CSRF token it is refused.
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 403
    revoked = client.post(
        f"/account/tokens/{token_id}/revoke", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert (
        revoked.status_code == 200 and f'id="token-{token_id}"' in revoked.text and "Revoked" in revoked.text
    )
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_token_of_someone_else_cannot_be_revoked_from_the_account_page(client, db):
    owner = make_user(db, Role.ANALYST)
    headers = bearer(db, owner)
    token_id = client.get("/api/v1/me/tokens", headers=headers).json()[0]["id"]
    other = make_user(db, Role.ANALYST)
    sign_in(client, other.username)
    token = csrf_from(client.get("/account").text)
    assert client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token}).status_code == 404
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_a_bad_lifetime_on_the_page_is_a_422_with_a_message(client, db):
    user = make_user(db, Role.ANALYST)
    sign_in(client, user.username)
    token = csrf_from(client.get("/account").text)
    for days in ("0", "400", "lots", "٣"):
        bad = client.post(
            "/account/tokens", data={"label": "x", "expires_in_days": days, "csrf_token": token}
        )
        assert bad.status_code == 422 and 'id="err-days"' in bad.text


def test_the_migration_gives_existing_tokens_90_days_from_their_creation(tmp_path):
    import uuid

    import sqlalchemy as sa
    from alembic.script import ScriptDirectory

    from qorgau.db import make_engine
    from qorgau.migrate import alembic_config, upgrade
    from tests.support import fresh_database

    before = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("0010").down_revision
    assert isinstance(before, str)
    created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    ids = {name: uuid.uuid4() for name in ("agency", "user", "token")}
    with fresh_database(tmp_path, "tokmig") as url:
        engine = make_engine(url)
        try:
            upgrade(engine, before)
            ts = sa.DateTime(timezone=True)
            with engine.begin() as conn:
                conn.execute(
                    sa.table(
                        "agencies",
                        sa.column("id", sa.Uuid()),
                        sa.column("created_at", ts),
                        *(sa.column(c) for c in ("code", "name", "country", "kind")),
                    )
                    .insert()
                    .values(
                        id=ids["agency"],
                        code="KZ-TST-MIG",
                        name="A",
                        country="KZ",
                        kind="ngo",
                        created_at=created,
                    )
                )
                conn.execute(
                    sa.table(
                        "users",
                        sa.column("id", sa.Uuid()),
                        sa.column("agency_id", sa.Uuid()),
                        *(sa.column(c) for c in ("username", "display_name", "password_hash", "active")),
                        sa.column("created_at", ts),
                        sa.column("password_changed_at", ts),
                    )
                    .insert()
                    .values(
                        id=ids["user"],
                        agency_id=ids["agency"],
                        username="old-token-owner",
                        display_name="Owner",
                        password_hash="x",
                        active=True,
                        created_at=created,
                        password_changed_at=created,
                    )
                )
                conn.execute(
                    sa.table(
                        "api_tokens",
                        sa.column("id", sa.Uuid()),
                        sa.column("user_id", sa.Uuid()),
                        sa.column("label"),
                        sa.column("token_hash", sa.LargeBinary()),
                        sa.column("created_at", ts),
                    )
                    .insert()
                    .values(
                        id=ids["token"],
                        user_id=ids["user"],
                        label="old",
                        token_hash=b"h" * 32,
                        created_at=created,
                    )
                )
            upgrade(engine, "0010")
            with engine.connect() as conn:
                expires = conn.execute(
                    sa.select(sa.column("expires_at", ts)).select_from(sa.table("api_tokens"))
                ).scalar_one()
        finally:
            engine.dispose()
    if expires.tzinfo is None:  # SQLite keeps no zone
        expires = expires.replace(tzinfo=UTC)
    assert expires == created + timedelta(days=90)
