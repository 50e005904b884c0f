"""POST /api/v1/analytics/mse: analysts and auditors only; bad tables get a 4xx."""

from __future__ import annotations

import pytest

from qorgau.permissions import Role
from tests.support import bearer, make_user

WESTERN = {
    "lists": ["A", "B", "C", "D", "E"],
    "rows": [
        {"history": h, "count": c}
        for h, c in [
            ([1, 0, 0, 0, 0], 5),
            ([0, 1, 0, 0, 0], 30),
            ([0, 0, 1, 0, 0], 40),
            ([1, 1, 0, 0, 0], 3),
            ([0, 1, 1, 0, 0], 6),
            ([0, 0, 0, 1, 0], 20),
            ([0, 0, 0, 0, 1], 25),
            ([1, 0, 0, 0, 1], 4),
            ([0, 0, 1, 1, 0], 2),
        ]
    ],
}


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR])
def test_analysts_and_auditors_get_an_estimate(client, db, role):
    response = client.post("/api/v1/analytics/mse", json=WESTERN, headers=bearer(db, make_user(db, role)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] > body["observed"] == 135
    assert body["interval"]["kind"] == "model"
    assert any(c["id"] == "mse.assumptions" for c in body["caveats"])


def test_case_workers_may_not(client, db):
    response = client.post(
        "/api/v1/analytics/mse", json=WESTERN, headers=bearer(db, make_user(db, Role.CASE_WORKER))
    )
    assert response.status_code == 403


def test_a_bad_table_is_a_4xx_not_a_500(client, db):
    headers = bearer(db, make_user(db, Role.ANALYST))
    bad = {"lists": ["A", "B"], "rows": [{"history": [0, 0], "count": 5}]}
    assert client.post("/api/v1/analytics/mse", json=bad, headers=headers).status_code == 422
    everyone_on_a = {
        "lists": ["A", "B"],
        "rows": [{"history": [1, 0], "count": 5}, {"history": [1, 1], "count": 2}],
    }
    assert client.post("/api/v1/analytics/mse", json=everyone_on_a, headers=headers).status_code == 422
    too_many = dict(WESTERN, bootstrap=10_000)
    assert client.post("/api/v1/analytics/mse", json=too_many, headers=headers).status_code == 422
