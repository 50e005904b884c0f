"""Secrets never reach the logs: not passwords, not tokens, not two-factor codes."""

from __future__ import annotations

import logging

from qorgau.permissions import Role
from tests.support import PASSWORD, bearer, csrf_from, make_user, sign_in


def test_sign_in_never_writes_a_password_or_token_to_the_logs(client, db, caplog):
    caplog.set_level(logging.DEBUG)  # everything, every logger: the strictest setting
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements and their parameters
    try:
        worker = make_user(db, Role.CASE_WORKER)
        wrong_password = "Wrong-Password-Almaty-2"
        sign_in(client, worker.username, wrong_password)
        sign_in(client, worker.username)
        session_cookie = client.cookies.get("qorgau_session")
        page = client.get("/account")
        client.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": "Tengri-Steppe-River-8",
                "csrf_token": csrf_from(page.text),
            },
        )
        headers = bearer(db, worker)
        raw_token = headers["Authorization"].removeprefix("Bearer ")
        client.get("/api/v1/me", headers=headers)
        created = client.post("/api/v1/me/tokens", json={"label": "x"}, headers=headers).json()["token"]
        client.get("/api/v1/me", headers={"Authorization": "Bearer qg_not-a-real-token-but-secret"})
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    text = caplog.text
    assert "qorgau.access" in text  # the logs were captured at all
    for secret in (
        PASSWORD,
        wrong_password,
        "Tengri-Steppe-River-8",
        session_cookie,
        raw_token,
        created,
        "qg_not-a-real-token-but-secret",
    ):
        assert secret and secret not in text
