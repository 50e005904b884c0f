"""Audit events: written with the change in one transaction, never without it, and refusals
are recorded too."""

from __future__ import annotations

from sqlalchemy import func, select

from qorgau.audit.models import AuditEvent, AuditLeaf, Outcome
from qorgau.auth import service
from qorgau.auth.deps import AgencyAdmin
from qorgau.auth.models import Agency
from qorgau.auth.schemas import AgencyCreate
from qorgau.permissions import Role
from qorgau.web.deps import DB
from tests.support import bearer, make_user


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_change_and_its_audit_event_are_written_together(client, db):
    admin = make_user(db, Role.ADMINISTRATOR)
    response = client.post(
        "/api/v1/agencies",
        headers=bearer(db, admin) | {"X-Request-ID": "req-audit-0001"},
        json={"code": "UZ-NGO-AUD", "name": "Istiqbolli Avlod", "country": "UZ", "kind": "ngo"},
    )
    assert response.status_code == 201
    (event,) = [e for e in _events(db, "agency.create") if e.object_id == response.json()["id"]]
    assert event.actor_user_id == admin.id
    assert event.actor_agency_id == admin.agency_id
    assert event.object_type == "agency"
    assert event.outcome == Outcome.SUCCESS
    # A client's own request id is kept after the node's (tests/security/test_edge.py).
    assert event.request_id.endswith("~req-audit-0001")
    assert response.headers["x-request-id"] == event.request_id


def test_a_change_that_fails_part_way_leaves_neither_the_change_nor_its_event(app, client, db):
    # A route that writes an agency (and its audit event) and then fails, as a crash or a bug
    # half-way through a use case would.
    @app.post("/api/v1/test-only/half-done")
    def half_done(db_: DB, principal: AgencyAdmin) -> None:
        service.create_agency(
            db_, principal, AgencyCreate(code="TJ-HALF", name="Half", country="TJ", kind="ngo")
        )
        raise RuntimeError("the disk filled up")

    admin_headers = bearer(db, make_user(db, Role.ADMINISTRATOR))
    events_before = db.scalar(select(func.count()).select_from(AuditEvent))
    leaves_before = db.scalar(select(func.count()).select_from(AuditLeaf))
    response = client.post("/api/v1/test-only/half-done", headers=admin_headers)
    assert response.status_code == 500
    assert "disk" not in response.text and "Traceback" not in response.text
    assert db.scalar(select(Agency).where(Agency.code == "TJ-HALF")) is None
    assert not [e for e in _events(db, "agency.create") if e.request_id == response.headers["x-request-id"]]
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    assert db.scalar(select(func.count()).select_from(AuditLeaf)) == leaves_before


def test_a_refused_request_is_audited_though_nothing_else_of_it_is_kept(client, db):
    analyst = make_user(db, Role.ANALYST)
    response = client.post(
        "/api/v1/agencies",
        headers=bearer(db, analyst),
        json={"code": "KZ-NOPE", "name": "Nope", "country": "KZ", "kind": "ngo"},
    )
    assert response.status_code == 403
    denied = [e for e in _events(db, "access.denied") if e.actor_user_id == analyst.id]
    assert len(denied) == 1
    assert denied[0].outcome == Outcome.DENIED
    assert denied[0].object_id == "/api/v1/agencies"
    assert denied[0].details == {"permission": "agency.admin"}
    assert db.scalar(select(Agency).where(Agency.code == "KZ-NOPE")) is None


def test_sign_in_and_account_changes_are_audited(client, db):
    from tests.support import sign_in

    worker = make_user(db, Role.CASE_WORKER)
    sign_in(client, worker.username)
    starts = [e for e in _events(db, "session.start") if e.actor_user_id == worker.id]
    assert len(starts) == 1
    created = [e for e in _events(db, "user.create") if e.object_id == str(worker.id)]
    assert created and created[0].details == {"roles": ["case_worker"], "awaiting_approval": []}


def test_a_wrong_current_password_is_refused_and_the_refusal_kept(client, db):
    from tests.support import csrf_from, sign_in

    user = make_user(db, Role.ANALYST)
    api = client.post(
        "/api/v1/me/password",
        headers=bearer(db, user),
        json={"current_password": "guess-1", "new_password": "Irtysh-River-Bank-42"},
    )
    assert api.status_code == 422
    sign_in(client, user.username)
    page = client.get("/account")
    form = client.post(
        "/account/password",
        data={
            "current_password": "guess-2",
            "new_password": "Irtysh-River-Bank-42",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert form.status_code == 422 and "not correct" in form.text
    refusals = [e for e in _events(db, "user.password_change") if e.object_id == str(user.id)]
    assert [e.outcome for e in refusals] == [Outcome.DENIED, Outcome.DENIED]
