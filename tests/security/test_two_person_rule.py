"""Issue 11 item 2: one administrator alone can no longer reach case data nor pass maker-checker.

Each attack from the issue, as an administrator would try it over the API: a supervisor account
made and signed into; a social-service agency registered to catch every child's referral; a
self-made account approving the administrator's own payment. Grants of power wait for a second
person (auth/grants.py), and every request, approval and refusal is audited.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from qorgau.audit.models import AuditEvent, Outcome
from qorgau.auth.models import User
from qorgau.permissions import Role
from tests.nrm.test_cases_api import intake
from tests.support import PASSWORD, bearer, ensure_agency, make_user, sign_in


def create_account(
    client: TestClient, admin: dict[str, str], *roles: str, agency: str = "KZ-NGO-TST"
) -> dict:
    response = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": f"made-{uuid.uuid4().hex[:10]}",
            "display_name": "Made by an administrator",
            "agency_code": agency,
            "roles": list(roles),
            "password": PASSWORD,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def pending_grant(client: TestClient, approver: dict[str, str], **match: str) -> dict:
    listed = client.get("/api/v1/grants", headers=approver)
    assert listed.status_code == 200, listed.text
    found = [g for g in listed.json() if all(g[k] == v for k, v in match.items())]
    assert len(found) == 1, listed.json()
    return found[0]


def events(db, action: str, grant_id: str) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.object_id == grant_id))
    )


@pytest.fixture
def admins(db):
    ensure_agency(db)
    first, second = make_user(db, Role.ADMINISTRATOR), make_user(db, Role.ADMINISTRATOR)
    return {"a": bearer(db, first), "b": bearer(db, second), "a_user": first, "b_user": second}


def test_a_supervisor_account_made_by_one_administrator_sees_no_case_until_a_second_approves(
    app, client, db, admins
):
    made = create_account(client, admins["a"], "supervisor")
    assert made["roles"] == [] and made["pending_roles"] == ["supervisor"]

    # The administrator signs in as the account they made: it holds nothing yet.
    with TestClient(app) as browser:
        assert sign_in(browser, made["username"]).status_code == 303
        assert browser.get("/api/v1/cases").status_code == 403
        assert browser.get(f"/api/v1/users/{made['id']}").status_code == 403
        me = browser.get("/api/v1/me").json()  # an account holder, and no more
        assert me["roles"] == [] and set(me["permissions"]) == {
            "account.self",
            "agency.read",
            "training.take",
        }

        grant = pending_grant(client, admins["b"], user_id=made["id"])
        assert grant["role"] == "supervisor" and grant["status"] == "pending"
        # The maker cannot be the second person.
        self_approval = client.post(f"/api/v1/grants/{grant['id']}/approve", headers=admins["a"])
        assert self_approval.status_code == 403
        assert browser.get("/api/v1/cases").status_code == 403

        approved = client.post(f"/api/v1/grants/{grant['id']}/approve", headers=admins["b"])
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        assert approved.json()["decided_by"] == str(admins["b_user"].id)
        # Roles are read on every request: the same session now holds the approved role.
        assert browser.get("/api/v1/cases").status_code == 200

    user = db.get(User, uuid.UUID(made["id"]))
    db.refresh(user)
    assert user.roles == {Role.SUPERVISOR}
    assert [e.outcome for e in events(db, "grant.request", grant["id"])] == [Outcome.SUCCESS]
    assert [e.outcome for e in events(db, "grant.approve", grant["id"])] == [Outcome.DENIED, Outcome.SUCCESS]
    assert [e.actor_user_id for e in events(db, "grant.approve", grant["id"])] == [
        admins["a_user"].id,
        admins["b_user"].id,
    ]


def test_an_agency_registered_by_one_administrator_gets_no_child_referral_until_approved(client, db, admins):
    ensure_agency(db, "KZ-NGO-TST")
    worker = bearer(db, make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST"))
    registered = client.post(
        "/api/v1/agencies",
        headers=admins["a"],
        json={"code": "KZ-AAA-SOC", "name": "Catch-all", "country": "KZ", "kind": "social_service"},
    )
    assert registered.status_code == 201
    agency_id = registered.json()["id"]
    child_dob = (date.today() - timedelta(days=365 * 14)).isoformat()

    def child_case(given_name: str) -> dict:
        person = intake(birth_date=child_dob, given_name=given_name, documents=[])
        response = client.post("/api/v1/cases", headers=worker, json=person)
        assert response.status_code == 201, response.text
        return response.json()

    before = child_case("Нұрлан")
    assert before["is_child"] is True
    assert all(r["to_agency_id"] != agency_id for r in before["referrals"])
    assert registered.json()["active"] is False
    # Nor can anyone refer to it by hand.
    by_hand = client.post(
        f"/api/v1/cases/{before['id']}/referrals",
        headers=worker,
        json={
            "to_agency_id": agency_id,
            "service": "shelter",
            "needs": "A bed",
            "consent_exception": "child",
            "exception_reason": "A child",
        },
    )
    assert by_hand.status_code == 422 and by_hand.json()["errors"][0]["field"] == "to_agency_id", by_hand.text
    assert not any(
        r["to_agency_id"] == agency_id
        for r in client.get(f"/api/v1/cases/{before['id']}", headers=worker).json()["referrals"]
    )

    grant = pending_grant(client, admins["b"], kind="agency", agency_id=agency_id)
    assert client.post(f"/api/v1/grants/{grant['id']}/approve", headers=admins["a"]).status_code == 403
    assert client.post(f"/api/v1/grants/{grant['id']}/approve", headers=admins["b"]).status_code == 200

    after = child_case("Ерлан")
    assert [r["to_agency_id"] for r in after["referrals"]] == [agency_id]


@pytest.fixture
def fund_accounts(client, db, admins):
    accounts = [("DONOR-USD", "donor"), ("FUND-USD", "fund"), ("COST-USD", "cost")]
    for code, kind in accounts:
        response = client.post(
            "/api/v1/fund/accounts",
            headers=admins["a"],
            json={"code": code, "name": code, "kind": kind, "currency": "USD"},
        )
        assert response.status_code == 201, response.text
    contribution = {
        "kind": "contribution",
        "description": "Donation",
        "occurred_on": "2026-10-01",
        "postings": [
            {"account": "DONOR-USD", "amount": "-50000.00"},
            {"account": "FUND-USD", "amount": "50000.00"},
        ],
    }
    assert client.post("/api/v1/fund/transactions", headers=admins["a"], json=contribution).status_code == 201


def big_payment(client: TestClient, maker: dict[str, str]) -> str:
    body = {
        "kind": "payment",
        "description": "Return travel",
        "country": "AE",
        "occurred_on": "2026-11-02",
        "postings": [
            {"account": "FUND-USD", "amount": "-20000.00"},
            {"account": "COST-USD", "amount": "20000.00"},
        ],
    }
    response = client.post("/api/v1/fund/transactions", headers=maker, json=body)
    assert response.status_code == 201 and response.json()["status"] == "pending_approval", response.text
    return response.json()["id"]


def test_an_account_the_administrator_made_cannot_approve_their_payment(client, db, admins, fund_accounts):
    made = create_account(client, admins["a"], "supervisor")
    grant = pending_grant(client, admins["b"], user_id=made["id"])
    assert client.post(f"/api/v1/grants/{grant['id']}/approve", headers=admins["b"]).status_code == 200
    accomplice = bearer(db, db.get(User, uuid.UUID(made["id"])))

    txn = big_payment(client, admins["a"])
    refused = client.post(f"/api/v1/fund/transactions/{txn}/approve", headers=accomplice)
    assert refused.status_code == 403
    # A supervisor nobody of the two made is a second person indeed.
    checker = bearer(db, make_user(db, Role.SUPERVISOR))
    approved = client.post(f"/api/v1/fund/transactions/{txn}/approve", headers=checker)
    assert approved.status_code == 200 and approved.json()["status"] == "posted"


def test_nor_can_the_administrator_approve_a_payment_of_an_account_they_made(
    client, db, admins, fund_accounts
):
    made = create_account(client, admins["a"], "consular_officer")
    grant = pending_grant(client, admins["b"], user_id=made["id"])
    assert client.post(f"/api/v1/grants/{grant['id']}/approve", headers=admins["b"]).status_code == 200
    consul = bearer(db, db.get(User, uuid.UUID(made["id"])))
    txn = big_payment(client, consul)
    assert client.post(f"/api/v1/fund/transactions/{txn}/approve", headers=admins["a"]).status_code == 403
    # The administrator who approved the consul's role is kept apart from it too.
    assert client.post(f"/api/v1/fund/transactions/{txn}/approve", headers=admins["b"]).status_code == 403


def test_an_account_made_and_empowered_by_one_cannot_approve_that_ones_grants(client, db, admins):
    second_admin = create_account(client, admins["a"], "administrator")
    grant = pending_grant(client, admins["b"], user_id=second_admin["id"])
    assert client.post(f"/api/v1/grants/{grant['id']}/approve", headers=admins["b"]).status_code == 200
    made_admin = bearer(db, db.get(User, uuid.UUID(second_admin["id"])))

    worker = create_account(client, admins["a"], "case_worker")
    worker_grant = pending_grant(client, admins["b"], user_id=worker["id"])
    refused = client.post(f"/api/v1/grants/{worker_grant['id']}/approve", headers=made_admin)
    assert refused.status_code == 403


def test_a_supervisor_of_the_agency_concerned_may_approve_and_others_may_refuse(client, db, admins):
    ensure_agency(db, "KZ-NGO-TST")
    ensure_agency(db, "KZ-SHL-9")
    own_supervisor = bearer(db, make_user(db, Role.SUPERVISOR, agency_code="KZ-NGO-TST"))
    other_supervisor = bearer(db, make_user(db, Role.SUPERVISOR, agency_code="KZ-SHL-9"))
    worker = create_account(client, admins["a"], "case_worker", "trainer")
    assert worker["roles"] == ["trainer"] and worker["pending_roles"] == ["case_worker"]
    grant = pending_grant(client, own_supervisor, user_id=worker["id"])
    assert client.get("/api/v1/grants", headers=other_supervisor).json() == []
    assert client.post(f"/api/v1/grants/{grant['id']}/approve", headers=other_supervisor).status_code == 404
    assert client.post(f"/api/v1/grants/{grant['id']}/approve", headers=own_supervisor).status_code == 200

    # A refusal needs a reason, gives nothing, and is final.
    analyst = create_account(client, admins["a"], "supervisor", "analyst")
    grant = pending_grant(client, admins["b"], user_id=analyst["id"])
    no_reason = client.post(f"/api/v1/grants/{grant['id']}/refuse", headers=admins["b"], json={"reason": ""})
    assert no_reason.status_code == 422
    refused = client.post(
        f"/api/v1/grants/{grant['id']}/refuse",
        headers=admins["b"],
        json={"reason": "Not needed for this post"},
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert client.post(f"/api/v1/grants/{grant['id']}/approve", headers=admins["b"]).status_code == 409
    assert db.get(User, uuid.UUID(analyst["id"])).roles == {Role.ANALYST}
    (event,) = events(db, "grant.refuse", grant["id"])
    assert "Not needed" not in str(event.details)
    from qorgau.auth.models import Grant  # here: the module also runs on the code before

    assert db.get(Grant, uuid.UUID(grant["id"])).reason == "Not needed for this post"


def test_the_pages_list_pending_grants_and_approve_after_confirmation(app, client, db, admins):
    made = create_account(client, admins["a"], "investigator")
    users_page = client.get("/admin/users", headers=admins["b"])
    assert "awaiting approval" in users_page.text
    page = client.get("/admin/grants", headers=admins["b"])
    assert page.status_code == 200 and made["username"] in page.text
    grant = pending_grant(client, admins["b"], user_id=made["id"])
    review = client.get(f"/admin/grants/{grant['id']}", headers=admins["b"])
    assert review.status_code == 200 and "Yes, approve" in review.text
    own = client.post(f"/admin/grants/{grant['id']}/approve", headers=admins["a"])
    assert own.status_code == 403 and "second person" in own.text
    done = client.post(f"/admin/grants/{grant['id']}/approve", headers=admins["b"])
    assert done.status_code == 200 and "Approved" in done.text
    assert db.get(User, uuid.UUID(made["id"])).roles == {Role.INVESTIGATOR}
