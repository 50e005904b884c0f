"""The screening questionnaire of a case, one step at a time: each step saved as a sealed draft
that a later visit resumes, the last one recording the screening (the case moves on); the result
page in words; the printable record (PDF), every download audited; a forged answer refused."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from qorgau.audit.models import AuditEvent
from qorgau.nrm import people
from qorgau.permissions import Role
from qorgau.screening import drafts, record_pdf
from qorgau.screening.models import ScreeningDraft, ScreeningRecord
from qorgau.screening.record_pdf import RecordValues, build_record_pdf
from qorgau.screening.ruleset import current_ruleset
from tests.screening.test_case_screening import open_case
from tests.support import bearer, csrf_from, make_user, sign_in

PALERMO = ["act.recruitment", "act.transportation", "means.deception", "purpose.labour"]
ILO = ["ilo.retention_of_identity_documents"]
RESULT_URL = re.compile(r"^/cases/([0-9a-f-]{36})/screenings/([0-9a-f-]{36})$")


@pytest.fixture
def guard(client: TestClient, db) -> tuple[TestClient, dict]:  # type: ignore[no-untyped-def]
    """A border guard signed in to the browser, and a case of theirs (reported, in Kazakhstan)."""
    user = make_user(db, Role.BORDER_GUARD)
    case = open_case(client, bearer(db, user))
    assert sign_in(client, user.username).status_code == 303
    return client, case


def step(browser: TestClient, case_id: str, step_id: str, go: str, codes: list[str], **kw: object):  # type: ignore[no-untyped-def]
    url = f"/cases/{case_id}/screening"
    data = {"step": step_id, "go": go, "indicator": codes, "csrf_token": csrf_from(browser.get(url).text)}
    return browser.post(url, data=data, follow_redirects=False, **kw)


def ticked(html: str, code: str) -> bool:
    return re.search(rf'value="{re.escape(code)}"\s+aria-describedby="[^"]+" checked', html) is not None


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model))


def test_the_steps_fit_the_person_and_the_country() -> None:
    adult = [s.id for s in drafts.questionnaire(current_ruleset(), child=False, country="KZ")]
    assert adult == [
        "person", "palermo", "ilo", "delphi-adult_labour", "delphi-adult_sexual", "factors", "review"
    ]  # fmt: skip
    child = [s.id for s in drafts.questionnaire(current_ruleset(), child=True, country="UZ")]
    assert child == ["person", "palermo", "ilo", "delphi-child_labour", "delphi-child_sexual", "review"]


def test_each_step_is_saved_as_a_sealed_draft_and_a_later_visit_resumes_it(guard, db) -> None:
    browser, case = guard
    first = browser.get(f"/cases/{case['id']}/screening")
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    assert "Step 1 of 7" in first.text and "I judge this person to be a child" in first.text
    r = step(browser, case["id"], "palermo", "next", PALERMO)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case['id']}/screening"
    row = db.scalar(select(ScreeningDraft))
    assert row is not None and b"means.deception" not in row.sealed  # sealed
    # Leaving and coming back: the ILO step, nothing ticked there yet.
    again = browser.get(f"/cases/{case['id']}/screening").text
    assert "Step 3 of 7" in again and 'value="ilo.deception"' in again
    # Back to the first step: its answers are kept.
    step(browser, case["id"], "ilo", "back", ILO)
    first_again = browser.get(f"/cases/{case['id']}/screening").text
    assert "Step 2 of 7" in first_again
    assert ticked(first_again, "means.deception") and not ticked(first_again, "means.fraud")
    # htmx: the next step comes back in the answer, not as a redirect.
    swapped = step(browser, case["id"], "palermo", "next", PALERMO, headers={"HX-Request": "true"})
    assert swapped.status_code == 200 and "Step 3 of 7" in swapped.text
    assert ticked(swapped.text, "ilo.retention_of_identity_documents")
    assert count(db, ScreeningDraft) == 1  # one draft per case and officer


def test_the_last_step_records_the_screening_and_the_case_becomes_a_potential_victim_case(guard, db) -> None:
    browser, case = guard
    step(browser, case["id"], "palermo", "next", PALERMO)
    step(browser, case["id"], "ilo", "next", ILO)
    for s in ("delphi-adult_labour", "delphi-adult_sexual", "factors"):
        step(browser, case["id"], s, "next", [])
    review = browser.get(f"/cases/{case['id']}/screening").text
    assert "Step 7 of 7" in review and "Deception" in review and "Retention of identity documents" in review
    done = step(browser, case["id"], "review", "record", [])
    assert done.status_code == 303
    match = RESULT_URL.match(done.headers["location"])
    assert match and match.group(1) == case["id"]
    assert count(db, ScreeningDraft) == 0  # the draft is gone
    assert db.scalar(select(ScreeningRecord.outcome)).value == "likely_victim"

    result = browser.get(done.headers["location"])
    assert result.status_code == 200 and result.headers["cache-control"] == "no-store"
    assert "Likely victim of trafficking" in result.text
    assert "the three elements of trafficking in an adult" in result.text  # the rationale
    assert "Deception" in result.text and "means.deception" not in result.text  # labels, not codes
    assert "Potential victim" in result.text  # the case's new status
    assert "2026.2" in result.text
    case_page = browser.get(f"/cases/{case['id']}").text
    assert f'href="{done.headers["location"]}"' in case_page and "Likely victim of trafficking" in case_page
    assert f'href="/cases/{case["id"]}/screening"' in case_page  # "Screen"

    before = count(db, AuditEvent)
    pdf = browser.get(done.headers["location"] + ".pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert case["reference"].encode() in pdf.content
    disposition = pdf.headers["content-disposition"]
    assert re.fullmatch(
        rf'attachment; filename="screening-{case["reference"]}-\d{{4}}-\d\d-\d\d\.pdf"', disposition
    )
    assert count(db, AuditEvent) == before + 2  # the read of the screening and the download
    assert db.scalar(select(func.count()).where(AuditEvent.action == "screening.download")) == 1


def test_the_result_of_another_case_or_an_unknown_screening_is_not_found(guard, db) -> None:
    browser, case = guard
    assert browser.get(f"/cases/{case['id']}/screenings/{uuid.uuid4()}").status_code == 404
    assert browser.get(f"/cases/{case['id']}/screenings/{uuid.uuid4()}.pdf").status_code == 404


def test_an_indicator_the_step_does_not_ask_about_is_refused_and_nothing_is_stored(guard, db) -> None:
    browser, case = guard
    r = step(browser, case["id"], "palermo", "next", ["act.recruitment", "purpose.sorcery"])
    assert r.status_code == 422
    assert "Step 2 of 7" in r.text and "purpose.sorcery" in r.text
    assert count(db, ScreeningDraft) == 0
    # An indicator of another step is refused too (a stale or forged form).
    assert step(browser, case["id"], "palermo", "next", ["ilo.deception"]).status_code == 422
    assert step(browser, case["id"], "review", "record", ["act.recruitment"]).status_code == 422
    assert count(db, ScreeningDraft) == 0 and count(db, ScreeningRecord) == 0


def test_an_officer_who_may_only_read_cases_cannot_screen(client, db) -> None:
    investigator = make_user(db, Role.INVESTIGATOR)
    owner = make_user(db, Role.BORDER_GUARD)
    case = open_case(client, bearer(db, owner))
    assert sign_in(client, investigator.username).status_code == 303
    assert client.get(f"/cases/{case['id']}/screening").status_code == 403


def test_without_the_font_the_pdf_is_a_503_naming_the_package_to_install(guard, db, monkeypatch, tmp_path):
    browser, case = guard
    step(browser, case["id"], "palermo", "next", PALERMO)
    done = step(browser, case["id"], "review", "record", [])
    monkeypatch.setattr(record_pdf, "FONT_DIR", tmp_path)  # a machine without fonts-dejavu-core
    r = browser.get(done.headers["location"] + ".pdf")
    assert r.status_code == 503 and "fonts-dejavu-core" in r.text
    assert db.scalar(select(func.count()).where(AuditEvent.action == "screening.download")) == 0


def test_the_record_pdf_builds_from_plain_values_in_cyrillic() -> None:
    body = build_record_pdf(
        RecordValues(
            reference="KZ-2026-000042",
            screened_at="2026-11-23 10:00 UTC",
            officer="Ғабит Серікұлы",
            country="Казахстан (KZ)",
            ruleset_version="2026.1",
            outcome="Вероятная жертва торговли людьми",
            rationale=["Есть действие, способ и цель эксплуатации."],
            fired=["Вербовка"],
            indicators=["Обман"],
        )
    )
    assert body.startswith(b"%PDF") and b"KZ-2026-000042" in body and b"DejaVu" in body


def person_step(browser: TestClient, case_id: str, child: bool, **kw: object):  # type: ignore[no-untyped-def]
    url = f"/cases/{case_id}/screening"
    data = {"step": "person", "go": "next", "csrf_token": csrf_from(browser.get(url).text)}
    if child:
        data["child"] = "yes"
    return browser.post(url, data=data, follow_redirects=False, **kw)


CHILD_LABOUR = "delphi.child_labour.exploitative_conditions.excessive_working_hours"
ADULT_LABOUR = "delphi.adult_labour.deceptive_recruitment.deceived_about_nature_of_job"


def test_an_officer_who_judges_the_person_a_child_gets_the_child_lists_and_a_child_outcome(
    client: TestClient, db
) -> None:
    user = make_user(db, Role.BORDER_GUARD)
    # No birth date and no estimated age: only the officer can say this may be a child.
    case = open_case(client, bearer(db, user), birth_date=None)
    assert sign_in(client, user.username).status_code == 303
    assert person_step(client, case["id"], child=True).status_code == 303
    assert "Step 2 of 7" in client.get(f"/cases/{case['id']}/screening").text
    # An act and a purpose, no means: for a child that is trafficking (Palermo art. 3(c)).
    step(client, case["id"], "palermo", "next", ["act.recruitment", "purpose.labour"])
    step(client, case["id"], "ilo", "next", [])
    operational = client.get(f"/cases/{case['id']}/screening").text
    assert f'value="{CHILD_LABOUR}"' in operational and f'value="{ADULT_LABOUR}"' not in operational
    done = step(client, case["id"], "review", "record", [])
    assert done.status_code == 303 and RESULT_URL.match(done.headers["location"])
    assert db.scalar(select(ScreeningRecord.outcome)).value == "refer_to_child_protection"
    view = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(db, user)).json()
    assert view["is_child"] is True


def sealed_draft(db, settings) -> dict:  # type: ignore[no-untyped-def]
    row = db.scalar(select(ScreeningDraft))
    return people.open_row(settings.keyring, row, "screening_drafts", row.id)


def test_changing_the_judgement_drops_the_answers_no_longer_asked(guard, db, settings) -> None:
    browser, case = guard
    person_step(browser, case["id"], child=True)
    step(browser, case["id"], "delphi-child_labour", "next", [CHILD_LABOUR])
    step(browser, case["id"], "palermo", "next", ["act.recruitment"])
    assert set(sealed_draft(db, settings)["indicators"]) == {CHILD_LABOUR, "act.recruitment"}
    person_step(browser, case["id"], child=False)
    draft = sealed_draft(db, settings)
    assert draft["child"] is False
    assert draft["indicators"] == ["act.recruitment"]  # the child list's answer went with it


def test_saving_a_step_is_audited_without_the_answers_and_discarding_throws_the_draft_away(guard, db) -> None:
    browser, case = guard
    step(browser, case["id"], "palermo", "next", PALERMO)
    saved = db.scalars(select(AuditEvent).where(AuditEvent.action == "screening.draft_save")).all()
    assert [(e.object_id, e.details) for e in saved] == [(case["id"], {"step": "ilo"})]
    gone = step(browser, case["id"], "ilo", "discard", ILO)
    assert gone.status_code == 303 and gone.headers["location"] == f"/cases/{case['id']}"
    assert count(db, ScreeningDraft) == 0
    assert db.scalar(select(func.count()).where(AuditEvent.action == "screening.draft_discard")) == 1
    # Back to the questionnaire: it starts again, nothing ticked.
    again = browser.get(f"/cases/{case['id']}/screening").text
    assert "Step 1 of 7" in again and not ticked(again, "means.deception")


def test_the_result_says_what_the_law_of_the_country_gives_the_person(guard, db) -> None:
    browser, case = guard
    step(browser, case["id"], "palermo", "next", ["act.recruitment", "means.deception"])
    done = step(browser, case["id"], "review", "record", [])
    page = browser.get(done.headers["location"]).text
    assert "What the law of Kazakhstan (KZ) gives the person" in page
    assert "No period in law; this node's policy: 30 days" in page  # Kazakh law sets no reflection period
