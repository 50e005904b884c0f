"""A screening recorded against a case: stored with its ruleset version and reproducible from it,
sealed at rest, and moving the case as far as the NRM rules allow — never to the identification
decision, which stays with a supervisor."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from qorgau.auth.models import AgencyKind
from qorgau.permissions import Role
from qorgau.screening import rules
from qorgau.screening.models import ScreeningRecord
from qorgau.screening.ruleset import load_ruleset
from tests.nrm.test_cases_api import intake
from tests.support import bearer, ensure_agency, make_user

DECEIVED_INTO_LABOUR = ["act.recruitment", "act.transportation", "means.deception", "purpose.labour"]


def open_case(client, headers, **person) -> dict:
    r = client.post("/api/v1/cases", headers=headers, json=intake(**person))
    assert r.status_code == 201, r.text
    return r.json()


def test_a_screening_with_indicators_makes_the_case_a_potential_victim_case(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    case = open_case(client, guard)
    r = client.post(
        f"/api/v1/cases/{case['id']}/screenings", headers=guard, json={"indicators": DECEIVED_INTO_LABOUR}
    )
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "likely_victim"
    assert r.json()["case_status"] == "potential_victim"
    view = client.get(f"/api/v1/cases/{case['id']}", headers=guard).json()
    assert view["status"] == "potential_victim"
    assert view["reflection_ends_on"] is not None
    assert "identify_as_victim" not in view["allowed_actions"]  # the decision stays a supervisor's
    assert [t["params"].get("outcome") for t in view["timeline"] if t["kind"] == "screening.recorded"] == [
        "likely_victim"
    ]


def test_too_few_indicators_leave_the_case_in_screening(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    case = open_case(client, guard)
    r = client.post(
        f"/api/v1/cases/{case['id']}/screenings", headers=guard, json={"indicators": ["act.recruitment"]}
    )
    assert r.json()["outcome"] == "insufficient_indicators"
    assert r.json()["case_status"] == "screening"


def test_a_person_the_screener_judges_a_child_is_referred_to_child_protection_once(client, db):
    ensure_agency(db, "KZ-SOC-SCR", kind=AgencyKind.SOCIAL_SERVICE)
    worker = bearer(db, make_user(db, Role.CASE_WORKER))
    # No birth date on the papers; the officer judges her a child.
    case = open_case(client, worker, birth_date=None, given_name="Үміт", family_name="Асанова")
    assert case["is_child"] is False and case["referrals"] == []
    url = f"/api/v1/cases/{case['id']}/screenings"
    body = {"indicators": ["act.recruitment", "purpose.sexual"], "is_child": True}
    assert client.post(url, headers=worker, json=body).json()["outcome"] == "refer_to_child_protection"
    assert client.post(url, headers=worker, json=body).status_code == 201  # screened again
    view = client.get(f"/api/v1/cases/{case['id']}", headers=worker).json()
    assert view["is_child"] is True
    assert [r["service"] for r in view["referrals"]] == ["child_protection"]  # once, not twice


def test_a_stored_screening_reproduces_from_its_ruleset_version(client, db, settings):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    case = open_case(client, guard)
    stored = client.post(
        f"/api/v1/cases/{case['id']}/screenings", headers=guard, json={"indicators": DECEIVED_INTO_LABOUR}
    ).json()
    listed = client.get(f"/api/v1/cases/{case['id']}/screenings", headers=guard).json()
    assert [s["id"] for s in listed] == [stored["id"]]
    again = rules.evaluate(
        load_ruleset(stored["ruleset_version"]),
        rules.ScreeningInput(stored["country"], 27, None, frozenset(stored["indicators"])),
    )
    assert again.outcome.value == stored["outcome"] and list(again.fired) == stored["fired"]
    record = db.scalar(select(ScreeningRecord).where(ScreeningRecord.case_id == uuid.UUID(case["id"])))
    assert b"means.deception" not in record.sealed  # what happened to the person is sealed


def test_only_officers_who_work_on_the_case_can_screen_it(client, db):
    owner = bearer(db, make_user(db, Role.BORDER_GUARD))
    other = bearer(db, make_user(db, Role.BORDER_GUARD))
    investigator = bearer(db, make_user(db, Role.INVESTIGATOR))
    case = open_case(client, owner)
    url = f"/api/v1/cases/{case['id']}/screenings"
    assert client.post(url, headers=other, json={"indicators": []}).status_code == 404
    assert client.post(url, headers=investigator, json={"indicators": []}).status_code == 403
    bad = client.post(url, headers=owner, json={"indicators": ["purpose.sorcery"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "indicators"
    assert client.get(url, headers=owner).json() == []  # the refused screening left nothing behind


def test_the_case_records_kazakhstans_statutory_status_apart_from_the_stage(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    case = open_case(client, guard)
    r = client.post(
        f"/api/v1/cases/{case['id']}/screenings",
        headers=guard,
        json={"indicators": [*DECEIVED_INTO_LABOUR, "kz.factor.dependency"]},
    )
    assert r.status_code == 201, r.text
    record = db.scalars(select(ScreeningRecord).where(ScreeningRecord.case_id == uuid.UUID(case["id"]))).one()
    assert record.country == "KZ"  # the intake's case is in Kazakhstan
    assert record.legal_status == "kz.law_110.potential_victim"
    assert [s["code"] for s in r.json()["statuses"]] == ["kz.law_110.potential_victim"]
    assert record.outcome.value == "likely_victim"  # the stage stays the referral mechanism's
