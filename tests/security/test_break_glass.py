"""Break-glass is read-only, always (issue 11, item 3). An officer of another agency who opened a
case by break-glass may read it; every write to it is refused (403), audited as denied, and
changes nothing: not its lifecycle (a "not a victim" decision, closing), consent, rights,
referrals, plan, notes, guardian, assignment or screenings."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qorgau.audit.models import AuditEvent
from qorgau.auth.models import AgencyKind
from qorgau.nrm.models import Case, CaseHistory, Consent, Note, PlanItem, Referral, Right
from qorgau.permissions import Role
from qorgau.screening.models import ScreeningDraft, ScreeningRecord
from tests.nrm.test_cases_api import intake
from tests.support import PASSWORD, bearer, csrf_from, ensure_agency, make_user, sign_in

REASON = "Person at the border now, the owning agency cannot be reached."


@pytest.fixture
def setup(client, db) -> dict[str, Any]:
    """A case of one agency, worked on (consent, a referral, a goal and a task), and a supervisor
    of another agency who opened it by break-glass."""
    ensure_agency(db, "KZ-SOC-1", kind=AgencyKind.SOCIAL_SERVICE)
    shelter = ensure_agency(db, "KZ-SHL-1", kind=AgencyKind.SHELTER)
    owner = make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST")
    colleague = make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST")
    outsider = make_user(db, Role.SUPERVISOR, agency_code="KZ-SHL-1")
    own, other = bearer(db, owner), bearer(db, outsider)
    made = client.post("/api/v1/cases", headers=own, json=intake())
    assert made.status_code == 201, made.text
    case_id = made.json()["id"]
    base = f"/api/v1/cases/{case_id}"
    consent = client.post(f"{base}/consents", headers=own, json={"purpose": "assistance"}).json()
    referral = client.post(
        f"{base}/referrals", headers=own, json={"to_agency_id": str(shelter.id), "service": "shelter"}
    ).json()
    goal = client.post(f"{base}/plan/goals", headers=own, json={"title": "Safe housing"}).json()
    task = client.post(f"{base}/plan/tasks", headers=own, json={"title": "Find a bed"}).json()
    assert client.post(f"{base}/actions", headers=own, json={"action": "start_screening"}).status_code == 200
    opened = client.post(f"{base}/break-glass", headers=other, json={"reason": REASON})
    assert opened.status_code == 201, opened.text
    return {
        "case_id": case_id,
        "outsider": outsider,
        "other": other,
        "consent_id": consent["id"],
        "referral_id": referral["id"],
        "goal_id": goal["id"],
        "task_id": task["id"],
        "colleague_id": str(colleague.id),
        "shelter_id": str(shelter.id),
    }


# Every write to a case the API has: (method, path, body). {case} etc. are filled in per test.
WRITES: list[tuple[str, str, Any]] = [
    ("POST", "/cases/{case}/actions", {"action": "decide_not_a_victim", "reason": "Not a victim, says I."}),
    ("POST", "/cases/{case}/actions", {"action": "mark_potential_victim"}),
    (
        "POST",
        "/cases/{case}/actions",
        {"action": "close", "closure_reason": "other", "reason": "Closing it."},
    ),
    ("PUT", "/cases/{case}/guardian", {"has_guardian": True, "guardian": "Someone"}),
    ("PUT", "/cases/{case}/assignee/{colleague}", None),
    ("POST", "/cases/{case}/consents", {"purpose": "share_country", "country": "UZ"}),
    ("POST", "/cases/{case}/consents/{consent}/withdraw", None),
    ("PUT", "/cases/{case}/rights", {"kind": "legal_aid", "status": "offered"}),
    ("POST", "/cases/{case}/referrals", {"to_agency_id": "{shelter}", "service": "medical"}),
    ("POST", "/referrals/{referral}/actions", {"action": "cancel", "reason": "Not needed any more."}),
    ("POST", "/cases/{case}/plan/goals", {"title": "Another goal"}),
    ("POST", "/cases/{case}/plan/tasks", {"title": "Another task", "goal_id": "{goal}"}),
    ("POST", "/cases/{case}/plan/tasks/{task}/done", None),
    ("POST", "/cases/{case}/notes", {"text": "A note by someone outside the case."}),
    ("POST", "/cases/{case}/screenings", {"indicators": ["act.recruitment", "purpose.labour"]}),
]


def _fill(value: Any, s: dict[str, Any]) -> Any:
    names = {
        "case": s["case_id"],
        "colleague": s["colleague_id"],
        "consent": s["consent_id"],
        "shelter": s["shelter_id"],
        "referral": s["referral_id"],
        "goal": s["goal_id"],
        "task": s["task_id"],
    }
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, s) for k, v in value.items()}
    return value


def _state(db: Session, case_id: str) -> tuple[Any, ...]:
    """Everything a write could change about the case, as plain values."""
    db.expire_all()
    cid = uuid.UUID(case_id)
    case = db.get(Case, cid)
    assert case is not None

    def count(model: Any) -> int:
        return db.scalar(select(func.count()).select_from(model).where(model.case_id == cid)) or 0

    return (
        case.status,
        case.closure_reason,
        case.assigned_user_id,
        case.has_guardian,
        case.sealed,
        [(c.id, c.withdrawn_on) for c in db.scalars(select(Consent).where(Consent.case_id == cid))],
        [(r.kind, r.status) for r in db.scalars(select(Right).where(Right.case_id == cid))],
        [(r.id, r.status) for r in db.scalars(select(Referral).where(Referral.case_id == cid))],
        [(p.id, p.done_on) for p in db.scalars(select(PlanItem).where(PlanItem.case_id == cid))],
        count(Note),
        count(CaseHistory),
        count(ScreeningRecord),
        count(ScreeningDraft),
    )


def _denials(db: Session, case_id: str) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "access.denied",
                AuditEvent.object_type == "case",
                AuditEvent.object_id == case_id,
            )
        )
    )


@pytest.mark.parametrize(
    ("method", "path", "body"), WRITES, ids=[f"{m} {p} {i}" for i, (m, p, _b) in enumerate(WRITES)]
)
def test_every_write_under_break_glass_is_refused_audited_and_changes_nothing(
    client, db, setup, method, path, body
):
    before = _state(db, setup["case_id"])
    denied_before = len(_denials(db, setup["case_id"]))
    url = "/api/v1" + _fill(path, setup)
    kwargs = {"json": _fill(body, setup)} if body is not None else {}
    answer = client.request(method, url, headers=setup["other"], **kwargs)
    assert answer.status_code == 403, answer.text
    assert _state(db, setup["case_id"]) == before
    denials = _denials(db, setup["case_id"])
    assert len(denials) == denied_before + 1
    assert denials[-1].outcome == "denied"
    assert denials[-1].actor_user_id == setup["outsider"].id
    assert denials[-1].details == {"access": "break_glass", "need": "write"}


def test_break_glass_still_reads_the_case_but_offers_no_step(client, db, setup):
    seen = client.get(f"/api/v1/cases/{setup['case_id']}", headers=setup["other"])
    assert seen.status_code == 200
    assert seen.json()["access"] == "break_glass"
    assert seen.json()["narrative"]  # read in full
    assert seen.json()["allowed_actions"] == []
    listed = client.get(f"/api/v1/cases/{setup['case_id']}/screenings", headers=setup["other"])
    assert listed.status_code == 200


def test_the_case_page_under_break_glass_has_no_forms_and_its_posts_are_refused(app, db, setup):
    from starlette.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as browser:
        assert sign_in(browser, setup["outsider"].username, PASSWORD).status_code in (200, 303)
        page = browser.get(f"/cases/{setup['case_id']}")
        assert page.status_code == 200
        assert "read it, not change it" in page.text
        assert f'action="/cases/{setup["case_id"]}/notes"' not in page.text
        assert f'action="/cases/{setup["case_id"]}/actions"' not in page.text
        assert 'href="/cases/{}/screening"'.format(setup["case_id"]) not in page.text
        token = csrf_from(page.text)
        before = _state(db, setup["case_id"])
        for url, data in (
            (
                f"/cases/{setup['case_id']}/actions",
                {"action": "decide_not_a_victim", "reason": "Not a victim."},
            ),
            (f"/cases/{setup['case_id']}/notes", {"text": "Outside note"}),
            (f"/cases/{setup['case_id']}/screening", {"step": "", "go": "next"}),
        ):
            refused = browser.post(url, data={**data, "csrf_token": token}, follow_redirects=False)
            assert refused.status_code == 403, (url, refused.status_code)
        assert _state(db, setup["case_id"]) == before
        assert browser.get(f"/cases/{setup['case_id']}/screening").status_code == 403
