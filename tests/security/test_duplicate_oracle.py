"""The possible-duplicate check is not a registered-or-not oracle (issue 11, item 6). Whether a
passport number or a name and birth date is registered anywhere is sensitive: every check is
audited with its outcome (never its terms), checks are limited per user (counted in the
database), and a match in a case the officer cannot see is told as "a possible duplicate
exists; ask", without its reference, its agency or how many."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from qorgau.app import create_app
from qorgau.audit.models import AuditEvent
from qorgau.auth.models import AgencyKind
from qorgau.db import make_sessionmaker
from qorgau.nrm import rules
from qorgau.nrm.models import Case
from qorgau.permissions import Role
from tests.nrm.test_cases_api import intake
from tests.support import bearer, ensure_agency, make_user

CHECK = "nrm.person.duplicate_check"
TERMS = ("Ахметова", "Akhmetova", "Айгерим", "1999-04-12", "1234", "5678", "N 1234 5678")


@pytest.fixture
def people(client, db):
    ensure_agency(db, "KZ-SOC-1", kind=AgencyKind.SOCIAL_SERVICE)
    ensure_agency(db, "KZ-SHL-1", kind=AgencyKind.SHELTER)
    owner = make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST")
    prober = make_user(db, Role.CASE_WORKER, agency_code="KZ-SHL-1")
    other = make_user(db, Role.CASE_WORKER, agency_code="KZ-SHL-1")
    made = client.post("/api/v1/cases", headers=bearer(db, owner), json=intake())
    assert made.status_code == 201, made.text
    return {
        "owner": bearer(db, owner),
        "prober": bearer(db, prober),
        "prober_id": prober.id,
        "other": bearer(db, other),
        "reference": made.json()["reference"],
    }


def _checks(db, user_id) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like(f"{CHECK}%"), AuditEvent.actor_user_id == user_id)
            .order_by(AuditEvent.id)
        )
    )


def test_a_match_in_another_agency_is_told_without_its_reference_or_count(client, db, people):
    by_document = intake(family_name="Other", given_name="Name", birth_date="1980-01-01")
    by_name = intake(documents=[])
    for body in (by_document, by_name):
        answer = client.post("/api/v1/cases", headers=people["prober"], json=body)
        assert answer.status_code == 409
        detail = answer.json()["detail"]
        assert people["reference"] not in detail
        assert "KZ-" not in detail and "elsewhere" not in detail
        assert not any(ch.isdigit() for ch in detail), detail  # no count, no reference
        assert "possible duplicate" in detail and "supervisor" in detail
    # The same answer whether one case matches or three: nothing says how many.
    for _ in range(2):
        body = {**intake(), "acknowledge_possible_duplicate": True}
        assert client.post("/api/v1/cases", headers=people["owner"], json=body).status_code == 201
    again = client.post("/api/v1/cases", headers=people["prober"], json=intake())
    assert again.json()["detail"] == detail


def test_the_owner_still_sees_the_references_of_cases_it_may_open(client, db, people):
    answer = client.post("/api/v1/cases", headers=people["owner"], json=intake())
    assert answer.status_code == 409
    assert people["reference"] in answer.json()["detail"]


def test_every_check_is_audited_with_its_outcome_never_its_terms(client, db, people):
    matched = client.post("/api/v1/cases", headers=people["prober"], json=intake())
    assert matched.status_code == 409
    fresh = intake(family_name="Karimova", given_name="Dilnoza", birth_date="1990-02-03", documents=[])
    assert client.post("/api/v1/cases", headers=people["prober"], json=fresh).status_code == 201
    events = _checks(db, people["prober_id"])
    assert [(e.action, e.outcome, e.details) for e in events] == [
        (CHECK, "denied", {"result": "match", "cases": [], "elsewhere": True}),
        (CHECK, "success", {"result": "none"}),
    ]
    logged = json.dumps([e.details for e in events], ensure_ascii=False)
    assert not any(term in logged for term in (*TERMS, "Karimova", "Dilnoza", "1990-02-03"))
    # An acknowledged registration makes no check, so it is not one.
    body = {**intake(), "acknowledge_possible_duplicate": True}
    assert client.post("/api/v1/cases", headers=people["prober"], json=body).status_code == 201
    assert len(_checks(db, people["prober_id"])) == 2


def test_checks_are_limited_per_user_across_restarts(
    client, app, db, people, settings, engine, connection, monkeypatch
):
    monkeypatch.setattr(rules, "DUPLICATE_CHECKS_PER_HOUR", 3)
    cases = db.scalar(select(func.count()).select_from(Case))
    for _ in range(3):
        assert client.post("/api/v1/cases", headers=people["prober"], json=intake()).status_code == 409
    limited = client.post("/api/v1/cases", headers=people["prober"], json=intake())
    assert limited.status_code == 429
    assert 0 < limited.json()["retry_after"] <= 3600
    assert people["reference"] not in limited.text
    # The limit is counted in the database: a new server process (here: a new app) keeps it.
    restarted = create_app(
        settings,
        engine=engine,
        session_factory=make_sessionmaker(connection, join_transaction_mode="create_savepoint"),
    )
    with TestClient(restarted, raise_server_exceptions=False) as after_restart:
        assert after_restart.post("/api/v1/cases", headers=people["prober"], json=intake()).status_code == 429
    # Refusals are audited, and do not count as checks made.
    events = _checks(db, people["prober_id"])
    assert [e.action for e in events] == [CHECK] * 3 + [f"{CHECK}_refused"] * 2
    assert all(e.outcome == "denied" for e in events)
    # Another officer is not limited by this one's checks; nothing was registered meanwhile.
    assert client.post("/api/v1/cases", headers=people["other"], json=intake()).status_code == 409
    assert db.scalar(select(func.count()).select_from(Case)) == cases
    # Registering without a check (the officer confirms it is a different person) still works.
    body = {**intake(), "acknowledge_possible_duplicate": True}
    assert client.post("/api/v1/cases", headers=people["prober"], json=body).status_code == 201


def test_the_wait_is_until_the_oldest_check_in_the_window_leaves_it():
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    n = rules.DUPLICATE_CHECKS_PER_HOUR
    assert rules.duplicate_check_wait([], now) == 0
    recent = [now - timedelta(minutes=50) + timedelta(seconds=i) for i in range(n)]
    assert rules.duplicate_check_wait(recent[:-1], now) == 0
    assert rules.duplicate_check_wait(recent, now) == 10 * 60
    stale = [now - timedelta(hours=2)] * n
    assert rules.duplicate_check_wait(stale, now) == 0
