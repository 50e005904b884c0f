"""'Last used' stamps of tokens and sessions: written seldom, and never a failure under load."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from qorgau.auth.models import ApiToken
from qorgau.db import utcnow
from qorgau.permissions import Role
from tests.support import bearer, demo_server, make_user


def test_token_use_is_stamped_at_most_every_few_minutes(client, db):
    user = make_user(db, Role.ANALYST)
    headers = bearer(db, user)
    client.get("/api/v1/me", headers=headers)
    first = db.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id))
    assert first is not None
    client.get("/api/v1/me", headers=headers)
    db.expire_all()
    assert db.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id)) == first
    db.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id)
        .values(last_used_at=utcnow() - timedelta(minutes=6))
    )
    client.get("/api/v1/me", headers=headers)
    db.expire_all()
    assert db.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id)) > first


def test_many_concurrent_first_uses_of_a_token_all_succeed(tmp_path):
    # Many requests see the stamp as due at once; on SQLite a read snapshot cannot be upgraded
    # to a write once another writer committed, so the stamp must not ride on the read.
    with demo_server(tmp_path, "conc") as server:
        token = re.search(r"qg_\S+", server.qorgau("tokens", "create", "analyst").stdout).group(0)
        tokens = [token] + [
            re.search(r"qg_\S+", server.qorgau("tokens", "create", "auditor").stdout).group(0)
            for _ in range(2)
        ]

        def call(i: int) -> int:
            headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
            with httpx.Client(base_url=server.url, timeout=30) as c:
                return c.get("/api/v1/me", headers=headers).status_code

        with ThreadPoolExecutor(max_workers=24) as pool:
            statuses = list(pool.map(call, range(96)))
        assert statuses == [200] * 96, statuses
        assert "database is locked" not in server.log_path.read_text()
