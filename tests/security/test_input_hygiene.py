"""Crafted input and probing (issue 11, item 15, the NRM's part): a read of a case one may not
see is audited (and stays a 404, the same as a case that does not exist); a NUL byte or another
control character in any text field of the API is refused with a 422 naming the field."""

from __future__ import annotations

import json
import uuid

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from qorgau.audit.models import AuditEvent
from qorgau.auth.models import AgencyKind
from qorgau.auth.schemas import AgencyCreate, PasswordChange, TokenCreate, UserCreate
from qorgau.fund.schemas import AccountCreate, ReversalCreate, TransactionCreate
from qorgau.nrm.models import Case, Note, Person
from qorgau.permissions import Role
from qorgau.text import Input
from tests.nrm.test_cases_api import intake
from tests.support import bearer, ensure_agency, make_user


@pytest.fixture
def team(client, db):
    ensure_agency(db, "KZ-SOC-1", kind=AgencyKind.SOCIAL_SERVICE)
    worker = make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST")
    colleague = make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST")
    headers = bearer(db, worker)
    made = client.post("/api/v1/cases", headers=headers, json=intake())
    assert made.status_code == 201, made.text
    return {
        "worker": headers,
        "colleague": bearer(db, colleague),
        "colleague_id": colleague.id,
        "case_id": made.json()["id"],
    }


def _denied(db, user_id) -> list[tuple[str | None, dict | None, str]]:
    db.expire_all()
    rows = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "access.denied", AuditEvent.actor_user_id == user_id)
        .order_by(AuditEvent.id)
    )
    return [(e.object_id, e.details, e.outcome) for e in rows]


# --- Out-of-scope reads are audited, and still answer 404 ------------------------------------------


def test_a_read_of_a_case_out_of_scope_is_audited_and_answers_like_a_missing_one(client, db, team):
    outside = client.get(f"/api/v1/cases/{team['case_id']}", headers=team["colleague"])
    missing_id = str(uuid.uuid4())
    missing = client.get(f"/api/v1/cases/{missing_id}", headers=team["colleague"])
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["detail"] == missing.json()["detail"]
    assert _denied(db, team["colleague_id"]) == [
        (team["case_id"], {"access": "none"}, "denied"),
        (missing_id, {"access": "none"}, "denied"),
    ]


def test_writes_and_pages_out_of_scope_are_audited_too(client, db, team):
    note = client.post(
        f"/api/v1/cases/{team['case_id']}/notes", headers=team["colleague"], json={"text": "x"}
    )
    assert note.status_code == 404
    glass = client.post(
        f"/api/v1/cases/{uuid.uuid4()}/break-glass",
        headers=team["colleague"],
        json={"reason": "Person at the border now, owner unreachable."},
    )
    assert glass.status_code == 404
    denied = _denied(db, team["colleague_id"])
    assert [d[0] for d in denied][:1] == [team["case_id"]] and len(denied) == 2


def test_a_case_id_that_is_not_a_uuid_is_refused_before_any_lookup(client, db, team):
    answer = client.get("/api/v1/cases/not-a-uuid%00", headers=team["colleague"])
    assert answer.status_code == 422
    assert _denied(db, team["colleague_id"]) == []


# --- No control characters in text -------------------------------------------------------------------

BAD_CASES = [
    (("person", "family_name"), "Ахме\x00това", "person.family_name"),
    (("person", "given_name"), "Ай\nгерим", "person.given_name"),
    (("person", "other_names"), ["Aigerim", "Ay\x00gerim"], "person.other_names"),
    (("person", "contacts"), [{"kind": "phone", "value": "+7 700\x00"}], "person.contacts.0.value"),
    (("narrative",), "Recruited\x00 online", "narrative"),
    (("narrative",), "Escape \x1b[31mred", "narrative"),
    (("recruitment_place",), "Almaty\x00", "recruitment_place"),
    (("recruitment_place",), "Almaty\ud800", "recruitment_place"),
]


@pytest.mark.parametrize(
    ("where", "value", "field"), BAD_CASES, ids=[c[2] + f"-{i}" for i, c in enumerate(BAD_CASES)]
)
def test_control_characters_in_an_intake_are_refused_naming_the_field(client, db, team, where, value, field):
    body = intake(family_name="Karimova", given_name="Dilnoza", documents=[])
    target = body
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    people = db.scalar(select(Person.id).order_by(Person.id.desc()).limit(1))
    # As JSON escapes (ensure_ascii), the way a client sends a lone surrogate.
    raw = json.dumps(body).encode()
    headers = {**team["worker"], "Content-Type": "application/json"}
    answer = client.post("/api/v1/cases", headers=headers, content=raw)
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert db.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) == people


def test_free_text_keeps_line_breaks_and_tabs_but_not_nul(client, db, team):
    url = f"/api/v1/cases/{team['case_id']}/notes"
    kept = client.post(url, headers=team["worker"], json={"text": "First line\r\nsecond\tline"})
    assert kept.status_code == 201
    assert kept.json()["text"] == "First line\r\nsecond\tline"
    for bad in ("a\x00b", "bell\x07", "del\x7f", "c1\x85"):
        refused = client.post(url, headers=team["worker"], json={"text": bad})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "text"
    notes = db.scalars(select(Note).where(Note.case_id == uuid.UUID(team["case_id"]))).all()
    assert len(notes) == 1


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/cases/search", {"name": "Ай\x00"}, "name"),
        ("/cases/search", {"document_number": "N1\x00"}, "document_number"),
        ("/cases/{case}/actions", {"action": "start_screening", "reason": "why\x00 not"}, "reason"),
        ("/cases/{case}/plan/goals", {"title": "Safe\x00 housing"}, "title"),
        ("/cases/{case}/plan/goals", {"title": "Safe\nhousing"}, "title"),
        ("/cases/{case}/break-glass", {"reason": "Emergency at the border\x00 now, really"}, "reason"),
        ("/screening/evaluate", {"country": "KZ", "indicators": ["act.recruitment\x00"]}, "indicators"),
    ],
)
def test_other_api_text_fields_refuse_nul(client, db, team, path, body, field):
    answer = client.post("/api/v1" + path.format(case=team["case_id"]), headers=team["worker"], json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field


def test_a_note_with_nul_from_the_page_is_refused_and_shown(client, db, team):
    from tests.support import PASSWORD, csrf_from, sign_in

    worker = db.get(Case, uuid.UUID(team["case_id"])).assigned_user_id
    from qorgau.auth.models import User

    user = db.get(User, worker)
    assert sign_in(client, user.username, PASSWORD).status_code in (200, 303)
    page = client.get(f"/cases/{team['case_id']}")
    refused = client.post(
        f"/cases/{team['case_id']}/notes",
        data={"text": "note\x00", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "control characters" in refused.text


# Every schema the API reads derives from Input, so every text field in it is checked.


def _models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found = [annotation]
        for f in annotation.model_fields.values():
            found += _models(f.annotation)
        return found
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models(arg)]


def test_every_input_schema_of_the_api_checks_its_text(app):
    seen: set[type[BaseModel]] = set()

    def walk(dependant):  # type: ignore[no-untyped-def]
        yield dependant
        for sub in dependant.dependencies:
            yield from walk(sub)

    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.path.startswith("/api/"):
            for dep in walk(route.dependant):
                for param in dep.body_params + dep.query_params:
                    seen.update(_models(param.field_info.annotation))
    assert len(seen) >= 15
    unchecked = sorted(m.__qualname__ for m in seen if not issubclass(m, Input))
    assert unchecked == []


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (AgencyCreate, {"code": "KZ-NGO-X", "name": "Agency\x00", "country": "KZ", "kind": "ngo"}, "name"),
        (
            UserCreate,
            {
                "username": "ali\x00",
                "display_name": "Ali",
                "agency_code": "KZ-NGO-X",
                "roles": ["case_worker"],
            },
            "username",
        ),
        (
            PasswordChange,
            {"current_password": "x", "new_password": "pass\x00word-long-enough"},
            "new_password",
        ),
        (TokenCreate, {"label": "laptop\x00"}, "label"),
        (AccountCreate, {"code": "1000", "name": "Cash\x00", "kind": "asset", "currency": "KZT"}, "name"),
        (ReversalCreate, {"reason": "typo\x00"}, "reason"),
        (TransactionCreate, {"description": "Rent\x00", "postings": []}, "description"),
    ],
)
def test_auth_and_fund_schemas_refuse_nul_too(model, values, field):
    with pytest.raises(ValidationError) as refused:
        model.model_validate(values)
    assert field in [e["loc"][0] for e in refused.value.errors() if "control" in e["msg"]]
