"""Case management over HTTP: intake, search in any script, the lifecycle with its protections,
consent, referrals with the receiving agency's partial view, break-glass, and bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from qorgau.audit.models import AuditEvent
from qorgau.auth.models import AgencyKind
from qorgau.nrm.models import Case, Person
from qorgau.permissions import Role
from tests.support import bearer, ensure_agency, make_user


def intake(**person: object) -> dict:
    body = {
        "person": {
            "family_name": "Ахметова",
            "given_name": "Айгерим",
            "sex": "female",
            "birth_date": "1999-04-12",
            "citizenships": ["KZ"],
            "documents": [{"type": "passport", "number": "N 1234 5678", "issuing_country": "KZ"}],
            "languages": ["kk", "ru"],
            **person,
        },
        "exploitation_types": ["labour"],
        "recruitment_country": "KZ",
        "destination_country": "AE",
        "found_in_country": "KZ",
        "narrative": "Recruited through a messenger group for cafe work; passport kept by the employer.",
    }
    return body


@pytest.fixture
def team(client, db):
    ensure_agency(db, "KZ-SOC-1", kind=AgencyKind.SOCIAL_SERVICE)
    shelter = ensure_agency(db, "KZ-SHL-1", kind=AgencyKind.SHELTER)
    worker = make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST")
    supervisor = make_user(db, Role.SUPERVISOR, agency_code="KZ-NGO-TST")
    colleague = make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST")
    shelter_worker = make_user(db, Role.CASE_WORKER, agency_code="KZ-SHL-1")
    admin = make_user(db, Role.ADMINISTRATOR, agency_code="KZ-NGO-TST")
    return {
        "worker": bearer(db, worker),
        "supervisor": bearer(db, supervisor),
        "colleague": bearer(db, colleague),
        "shelter": bearer(db, shelter_worker),
        "admin": bearer(db, admin),
        "shelter_id": str(shelter.id),
        "worker_id": str(worker.id),
    }


def open_case(client, headers, **person) -> dict:
    r = client.post("/api/v1/cases", headers=headers, json=intake(**person))
    assert r.status_code == 201, r.text
    return r.json()


def test_intake_opens_a_reported_case_and_the_officer_sees_it_in_full(client, team, db):
    case = open_case(client, team["worker"])
    assert case["status"] == "reported"
    assert case["access"] == "full"
    assert case["person"]["given_name"] == "Айгерим"
    assert case["person"]["documents"][0]["number"] == "N 1234 5678"
    assert case["reference"].startswith("KZ-")
    reads = db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "nrm.case.read", AuditEvent.object_id == case["id"])
    )
    assert reads == 1


def test_a_latin_spelling_finds_a_person_registered_in_cyrillic(client, team):
    case = open_case(client, team["worker"])
    for query in (
        {"name": "Aigerim Akhmetova"},
        {"name": "aygerim"},
        {"birth_date": "1999-04-12"},
        {"document_number": "n12345678"},
    ):
        found = client.post("/api/v1/cases/search", headers=team["worker"], json=query)
        assert found.status_code == 200, found.text
        assert [c["reference"] for c in found.json()["items"]] == [case["reference"]], query
    none = client.post("/api/v1/cases/search", headers=team["worker"], json={"name": "Gulnara"})
    assert none.json()["items"] == []


def test_a_second_intake_of_the_same_person_warns_of_a_possible_duplicate(client, team):
    first = open_case(client, team["worker"])
    again = client.post(
        "/api/v1/cases", headers=team["worker"], json=intake(family_name="Akhmetova", given_name="Aigerim")
    )
    assert again.status_code == 409
    assert first["reference"] in again.json()["detail"]
    body = intake(family_name="Akhmetova", given_name="Aigerim")
    body["acknowledge_possible_duplicate"] = True
    assert client.post("/api/v1/cases", headers=team["worker"], json=body).status_code == 201


def test_other_officers_and_administrators_do_not_see_the_case(client, team):
    case = open_case(client, team["worker"])
    assert client.get(f"/api/v1/cases/{case['id']}", headers=team["colleague"]).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}", headers=team["admin"]).status_code == 403
    assert client.get(f"/api/v1/cases/{case['id']}", headers=team["supervisor"]).json()["access"] == "full"
    listed = client.get("/api/v1/cases", headers=team["colleague"]).json()["items"]
    assert case["id"] not in [c["id"] for c in listed]


def test_identification_decision_is_the_supervisors(client, team):
    case = open_case(client, team["worker"])
    url = f"/api/v1/cases/{case['id']}/actions"
    assert (
        client.post(url, headers=team["worker"], json={"action": "mark_potential_victim"}).status_code == 200
    )
    refused = client.post(url, headers=team["worker"], json={"action": "identify_as_victim"})
    assert refused.status_code == 403
    decided = client.post(url, headers=team["supervisor"], json={"action": "identify_as_victim"})
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == "identified_victim"
    kinds = [t["kind"] for t in body["timeline"]]
    assert kinds.count("status.changed") == 2


def test_no_forced_step_during_the_reflection_period(client, team):
    case = open_case(client, team["worker"])
    url = f"/api/v1/cases/{case['id']}/actions"
    moved = client.post(url, headers=team["worker"], json={"action": "mark_potential_victim"}).json()
    assert moved["reflection_ends_on"] == (date.today() + timedelta(days=30)).isoformat()
    assert any(r["kind"] == "reflection_period" for r in moved["rights"])
    refused = client.post(
        url,
        headers=team["supervisor"],
        json={"action": "decide_not_a_victim", "reason": "No indicators found at the interview."},
    )
    assert refused.status_code == 409
    assert moved["reflection_ends_on"] in refused.json()["detail"]


def test_a_child_is_referred_to_child_protection_at_once_and_cannot_close_without_a_guardian(client, team):
    child_dob = (date.today() - timedelta(days=365 * 15)).isoformat()
    case = open_case(client, team["worker"], birth_date=child_dob, given_name="Нұрлан", family_name="Серіков")
    assert case["is_child"] is True
    assert [(r["service"], r["consent_exception"]) for r in case["referrals"]] == [
        ("child_protection", "child")
    ]
    url = f"/api/v1/cases/{case['id']}/actions"
    close = {"action": "close", "closure_reason": "lost_contact", "reason": "Left the shelter, phone off."}
    refused = client.post(url, headers=team["supervisor"], json={**close, "at_persons_request": True})
    assert refused.status_code == 409
    guardian = client.put(
        f"/api/v1/cases/{case['id']}/guardian",
        headers=team["worker"],
        json={"has_guardian": True, "guardian": "Aunt"},
    )
    assert guardian.status_code == 200
    closed = client.post(url, headers=team["supervisor"], json=close)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"


def test_a_foreign_nationals_home_country_is_notified_only_with_consent(client, team):
    case = open_case(client, team["worker"], citizenships=["UZ"], given_name="Шахзод", family_name="Каримов")
    assert case["home_notifications"] == [{"country": "UZ", "status": "awaiting_consent"}]
    consent = client.post(
        f"/api/v1/cases/{case['id']}/consents",
        headers=team["worker"],
        json={"purpose": "share_country", "country": "UZ"},
    )
    assert consent.status_code == 201
    view = client.get(f"/api/v1/cases/{case['id']}", headers=team["worker"]).json()
    assert view["home_notifications"] == [{"country": "UZ", "status": "ready"}]
    client.post(
        f"/api/v1/cases/{case['id']}/consents/{consent.json()['id']}/withdraw", headers=team["worker"]
    )
    view = client.get(f"/api/v1/cases/{case['id']}", headers=team["worker"]).json()
    assert view["home_notifications"] == [{"country": "UZ", "status": "awaiting_consent"}]


def test_referral_needs_consent_and_the_shelter_sees_only_what_it_needs(client, team):
    case = open_case(client, team["worker"])
    refer = {
        "to_agency_id": team["shelter_id"],
        "service": "shelter",
        "needs": "Safe bed for one adult woman",
    }
    url = f"/api/v1/cases/{case['id']}/referrals"
    assert client.post(url, headers=team["worker"], json=refer).status_code == 409
    client.post(
        f"/api/v1/cases/{case['id']}/consents", headers=team["worker"], json={"purpose": "assistance"}
    )
    referral = client.post(url, headers=team["worker"], json=refer)
    assert referral.status_code == 201, referral.text
    inbox = client.get("/api/v1/referrals/inbox", headers=team["shelter"]).json()
    assert [r["id"] for r in inbox] == [referral.json()["id"]]
    seen = client.get(f"/api/v1/cases/{case['id']}", headers=team["shelter"]).json()
    assert seen["access"] == "referral"
    assert seen["person"]["given_name"] == "Айгерим"
    assert seen["person"]["documents"] == [] and seen["narrative"] is None and seen["notes"] == []
    accept = client.post(
        f"/api/v1/referrals/{referral.json()['id']}/actions",
        headers=team["shelter"],
        json={"action": "accept"},
    )
    assert accept.status_code == 200
    assert accept.json()["status"] == "accepted" and accept.json()["hours_to_accept"] is not None
    # The shelter cannot change the case itself.
    assert (
        client.post(
            f"/api/v1/cases/{case['id']}/notes", headers=team["shelter"], json={"text": "x"}
        ).status_code
        == 403
    )
    # When the referral ends, so does the shelter's view.
    client.post(
        f"/api/v1/referrals/{referral.json()['id']}/actions",
        headers=team["shelter"],
        json={"action": "start"},
    )
    client.post(
        f"/api/v1/referrals/{referral.json()['id']}/actions",
        headers=team["shelter"],
        json={"action": "complete"},
    )
    assert client.get(f"/api/v1/cases/{case['id']}", headers=team["shelter"]).status_code == 404


def test_break_glass_opens_a_case_for_hours_with_a_reason_and_waits_for_review(client, team):
    case = open_case(client, team["worker"])
    url = f"/api/v1/cases/{case['id']}/break-glass"
    assert client.post(url, headers=team["colleague"], json={"reason": "short"}).status_code == 422
    opened = client.post(
        url, headers=team["colleague"], json={"reason": "Person at the border now, owner unreachable."}
    )
    assert opened.status_code == 201
    assert (
        client.get(f"/api/v1/cases/{case['id']}", headers=team["colleague"]).json()["access"] == "break_glass"
    )
    pending = client.get("/api/v1/break-glass/pending", headers=team["supervisor"]).json()
    assert [p["case_reference"] for p in pending] == [case["reference"]]
    assert (
        client.post(f"/api/v1/break-glass/{pending[0]['id']}/review", headers=team["supervisor"]).status_code
        == 204
    )
    assert client.get("/api/v1/break-glass/pending", headers=team["supervisor"]).json() == []


def test_plan_tasks_make_a_case_overdue_and_notes_are_kept(client, team):
    case = open_case(client, team["worker"])
    base = f"/api/v1/cases/{case['id']}"
    goal = client.post(f"{base}/plan/goals", headers=team["worker"], json={"title": "Safe housing"}).json()
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    task = client.post(
        f"{base}/plan/tasks",
        headers=team["worker"],
        json={"title": "Visit shelter", "goal_id": goal["id"], "due_on": yesterday},
    )
    assert task.status_code == 201
    overdue = client.get("/api/v1/cases?overdue=true", headers=team["worker"]).json()["items"]
    assert [c["id"] for c in overdue] == [case["id"]]
    client.post(f"{base}/plan/tasks/{task.json()['id']}/done", headers=team["worker"])
    assert client.get("/api/v1/cases?overdue=true", headers=team["worker"]).json()["items"] == []
    client.post(f"{base}/notes", headers=team["worker"], json={"text": "Met her at the bus station."})
    view = client.get(base, headers=team["worker"]).json()
    assert view["notes"][0]["text"] == "Met her at the bus station."


@pytest.mark.parametrize(
    ("person", "extra", "field"),
    [
        ({"birth_date": "2199-01-01"}, {}, "person.birth_date"),
        ({"birth_date": "1999-02-30"}, {}, "person.birth_date"),
        ({"citizenships": ["XX"]}, {}, "person.citizenships.0"),
        ({"sex": "dragon"}, {}, "person.sex"),
        ({"family_name": "x" * 101}, {}, "person.family_name"),
        ({}, {"exploitation_types": ["slavery"]}, "exploitation_types.0"),
        ({}, {"destination_country": "ZZ"}, "destination_country"),
        ({}, {"narrative": "x" * 10_001}, "narrative"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(client, team, db, person, extra, field):
    people_before = db.scalar(select(func.count()).select_from(Person))
    cases_before = db.scalar(select(func.count()).select_from(Case))
    body = intake(**person)
    body.update(extra)
    r = client.post("/api/v1/cases", headers=team["worker"], json=body)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert db.scalar(select(func.count()).select_from(Person)) == people_before
    assert db.scalar(select(func.count()).select_from(Case)) == cases_before


def test_a_search_never_puts_the_name_in_the_audit_log(client, team, db):
    open_case(client, team["worker"])
    client.post("/api/v1/cases/search", headers=team["worker"], json={"name": "Айгерим"})
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "nrm.case.list")).all()[-1]
    assert "Айгерим" not in str(event.details)
    assert event.details["criteria"] == ["name"]
