"""Case pages: the intake wizard, search by any spelling, the case page's forms (plain and htmx),
the shelter's referral inbox, the supervisor's decisions, and no name in any URL."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from qorgau.auth.models import AgencyKind
from qorgau.i18n import use_locale
from qorgau.l10n import format_date
from qorgau.nrm.models import Case, Person
from qorgau.nrm.pages import case_list
from qorgau.permissions import Role
from tests.support import bearer, csrf_from, ensure_agency, make_user, sign_in

PERSON = {
    "family_name": "Ахметова",
    "given_name": "Айгерим",
    "sex": "female",
    "birth_date": "1999-04-12",
    "citizenships": "KZ",
    "document_type": "passport",
    "document_number": "N 1234 5678",
    "document_country": "KZ",
    "languages": "kk, ru",
}
THE_CASE = {
    "exploitation_types": ["labour", "domestic_servitude"],
    "recruitment_country": "KZ",
    "destination_country": "AE",
    "found_in_country": "KZ",
    "narrative": "Recruited through a messenger group for cafe work; passport kept by the employer.",
    "potential_victim": "1",
}
# Every way the person's name could show up in an address: as typed, folded, percent-encoded.
NAME_PARTS = ["Ахметова", "Айгерим", "Akhmetova", "Aigerim"]
FORBIDDEN_IN_URLS = [v for n in NAME_PARTS for v in (n, n.lower(), quote(n), quote(n.lower()))] + [
    "1999-04-12",
    "1234",
]
URL_ATTRIBUTE = re.compile(r'\b(?:href|action|hx-post|hx-get|hx-put|hx-delete|src)="([^"]*)"')
CASE_URL = re.compile(r"^/cases/[0-9a-f-]{36}$")


@pytest.fixture
def team(app, client, db) -> Iterator[dict[str, TestClient]]:
    """Signed-in browsers (one cookie jar each): a case worker and a supervisor of an NGO, a
    shelter's case worker."""
    ensure_agency(db, "KZ-SOC-1", kind=AgencyKind.SOCIAL_SERVICE)
    ensure_agency(db, "KZ-SHL-1", kind=AgencyKind.SHELTER)
    users = {
        "worker": make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST"),
        "supervisor": make_user(db, Role.SUPERVISOR, agency_code="KZ-NGO-TST"),
        "shelter": make_user(db, Role.CASE_WORKER, agency_code="KZ-SHL-1"),
    }
    others = [TestClient(app, raise_server_exceptions=False) for _ in range(2)]
    browsers = {"worker": client, "supervisor": others[0], "shelter": others[1]}
    for name, browser in browsers.items():
        assert sign_in(browser, users[name].username).status_code == 303
    try:
        yield browsers
    finally:
        for other in others:
            other.close()


class UrlWatch:
    """Collects every URL the pages put in front of the browser: links, form targets, redirects."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def page(self, response) -> str:  # type: ignore[no-untyped-def]
        self.urls += URL_ATTRIBUTE.findall(response.text)
        if "location" in response.headers:
            self.urls.append(response.headers["location"])
        if "hx-redirect" in response.headers:
            self.urls.append(response.headers["hx-redirect"])
        return response.text

    def leaks(self) -> list[str]:
        return [u for u in self.urls if any(bad in u for bad in FORBIDDEN_IN_URLS)]


def token(browser: TestClient, path: str = "/cases/new") -> str:
    return csrf_from(browser.get(path).text)


def register(browser: TestClient, watch: UrlWatch | None = None, **changes: object) -> str:
    """Registers the person through the intake form; the new case's page address."""
    data = {**PERSON, **THE_CASE, **changes, "go": "register", "csrf_token": token(browser)}
    response = browser.post("/cases/new", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    if watch:
        watch.page(response)
    location = response.headers["location"]
    assert CASE_URL.match(location), location
    return location


def post(browser: TestClient, url: str, data: dict[str, object], page: str, **kw: object):  # type: ignore[no-untyped-def]
    return browser.post(url, data={**data, "csrf_token": token(browser, page)}, follow_redirects=False, **kw)


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model))


def test_intake_wizard_goes_step_by_step_then_registers_and_shows_the_case(team, db):
    worker = team["worker"]
    first = worker.get("/cases/new")
    assert first.status_code == 200 and "Step 1 of 3" in first.text
    assert first.headers["cache-control"] == "no-store"
    step2 = worker.post(
        "/cases/new", data={**PERSON, "go": "2", "csrf_token": csrf_from(first.text)}, follow_redirects=False
    )
    assert step2.status_code == 200 and "Step 2 of 3" in step2.text
    # The first step's answers travel on in hidden fields of the POST body.
    assert '<input type="hidden" name="family_name" value="Ахметова">' in step2.text
    review = worker.post(
        "/cases/new",
        data={**PERSON, **THE_CASE, "go": "3", "csrf_token": csrf_from(step2.text)},
        follow_redirects=False,
    )
    assert review.status_code == 200 and "Step 3 of 3" in review.text
    assert "Labour exploitation, Domestic servitude" in review.text and "Kazakhstan (KZ)" in review.text
    assert count(db, Case) == 0  # nothing is written before the last step

    location = register(worker)
    page = worker.get(location)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    case = db.get(Case, uuid.UUID(location.rsplit("/", 1)[1]))
    assert case is not None and case.status == "potential_victim"
    assert case.reference in page.text
    assert "Ахметова Айгерим" in page.text and "N 1234 5678" in page.text
    assert "Potential victim" in page.text
    with use_locale("en"):  # the date in the page's language (issue 18)
        assert f"Reflection period: ends on {format_date(case.reflection_ends_on)}" in page.text
    # A case worker may screen and assist, not decide.
    assert ">Start assistance<" in page.text and "Identify as victim" not in page.text


def test_a_bad_birth_date_comes_back_next_to_its_field_and_nothing_is_written(team, db):
    worker = team["worker"]
    people, cases = count(db, Person), count(db, Case)
    for bad in ("1999-02-30", "2199-01-01"):
        data = {**PERSON, **THE_CASE, "birth_date": bad, "go": "register", "csrf_token": token(worker)}
        response = worker.post("/cases/new", data=data, follow_redirects=False)
        assert response.status_code == 422
        # Back on the first step, the value kept, the field marked, its message right after it.
        assert "Step 1 of 3" in response.text
        field = re.search(r'<input id="intake-birth_date"[^>]*>', response.text, re.S).group(0)
        assert 'aria-invalid="true"' in field and f'value="{bad}"' in field
        after = response.text[response.text.index('id="intake-birth_date"') :]
        assert re.match(r'[^<]*>\s*(<p class="hint"[^<]*</p>\s*)?<p class="field-error"', after)
        # The other answers are carried on, the family name among them.
        assert 'value="Ахметова"' in response.text
    assert (count(db, Person), count(db, Case)) == (people, cases)


def test_a_possible_duplicate_is_shown_and_registered_only_when_acknowledged(team, db):
    worker = team["worker"]
    first = register(worker)
    reference = db.get(Case, uuid.UUID(first.rsplit("/", 1)[1])).reference
    latin = {"family_name": "Akhmetova", "given_name": "Aigerim"}
    data = {**PERSON, **THE_CASE, **latin, "go": "register", "csrf_token": token(worker)}
    warned = worker.post("/cases/new", data=data, follow_redirects=False)
    assert warned.status_code == 409
    assert reference in warned.text and 'name="acknowledge_possible_duplicate"' in warned.text
    register(worker, **latin, acknowledge_possible_duplicate="1")
    assert count(db, Case) == 2


def test_the_search_finds_a_person_registered_in_cyrillic_by_a_latin_spelling(team, db):
    worker = team["worker"]
    location = register(worker)
    reference = db.get(Case, uuid.UUID(location.rsplit("/", 1)[1])).reference
    listed = worker.get("/cases")
    assert reference in listed.text and f'href="{location}"' in listed.text
    found = post(worker, "/cases/search", {"name": "Aigerim Akhmetova"}, "/cases")
    assert found.status_code == 200 and reference in found.text and "Search results" in found.text
    assert found.headers["cache-control"] == "no-store"
    # With htmx, only the results region comes back, to replace the table.
    partial = post(worker, "/cases/search", {"name": "aygerim"}, "/cases", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<section id="case-results"') and "<html" not in partial.text
    assert reference in partial.text
    by_document = post(worker, "/cases/search", {"document_number": "n12345678"}, "/cases")
    assert reference in by_document.text
    nobody = post(worker, "/cases/search", {"name": "Gulnara"}, "/cases")
    assert reference not in nobody.text and "No case matches." in nobody.text
    empty = post(worker, "/cases/search", {}, "/cases")
    assert empty.status_code == 422 and "Enter a name, a birth date or a document number." in empty.text


def test_the_list_filters_by_status_and_pages_on(team, monkeypatch):
    worker = team["worker"]
    first = register(worker)
    second = register(
        worker,
        given_name="Динара",
        family_name="Сейтова",
        birth_date="2001-01-02",
        document_number="",
        document_country="",
        potential_victim="",
    )
    listed = worker.get("/cases")
    assert f'href="{first}"' in listed.text and f'href="{second}"' in listed.text
    potential = worker.get("/cases?status=potential_victim").text
    assert f'href="{first}"' in potential and f'href="{second}"' not in potential
    assert "No cases." in worker.get("/cases?status=closed").text
    # One case a page: the link to the next carries the filters and a cursor, nothing personal.
    monkeypatch.setattr(case_list, "PAGE_SIZE", 1)
    page_one = worker.get("/cases?overdue=&country=kz").text
    assert f'href="{second}"' in page_one and f'href="{first}"' not in page_one  # newest first
    next_url = re.search(r'<a href="([^"]+)" rel="next">', page_one).group(1).replace("&amp;", "&")
    assert re.fullmatch(r"/cases\?country=KZ&after=[0-9a-f-]{36}", next_url), next_url
    page_two = worker.get(next_url).text
    assert f'href="{first}"' in page_two and f'href="{second}"' not in page_two
    assert 'rel="next"' not in page_two
    bad = worker.get("/cases?country=ZZ")
    assert bad.status_code == 422 and re.search(
        r'<input id="filter-country"[^>]*aria-invalid="true"', bad.text
    )


def test_consent_referral_and_the_shelters_inbox(team, db):
    worker, shelter = team["worker"], team["shelter"]
    location = register(worker)
    case_id = location.rsplit("/", 1)[1]
    shelter_id = str(ensure_agency(db, "KZ-SHL-1").id)
    referral = {"to_agency_id": shelter_id, "service_type": "shelter", "needs": "A safe bed for one woman"}

    # Without consent the referral is refused, with the reason on the case page.
    refused = post(worker, f"{location}/referrals", referral, location)
    assert refused.status_code == 409 and "has not consented" in refused.text
    given = post(worker, f"{location}/consents", {"purpose": "assistance"}, location)
    assert given.status_code == 303 and given.headers["location"].startswith(location)
    referred = post(worker, f"{location}/referrals", referral, location)
    assert referred.status_code == 303

    inbox = shelter.get("/referrals")
    reference = db.get(Case, uuid.UUID(case_id)).reference
    assert inbox.status_code == 200 and reference in inbox.text and "A safe bed for one woman" in inbox.text
    assert "waiting for" in inbox.text
    referral_id = re.search(r'action="/referrals/([0-9a-f-]{36})/actions"', inbox.text).group(1)
    # Rejecting needs a reason: the inbox comes back with the message.
    short = post(
        shelter, f"/referrals/{referral_id}/actions", {"action": "reject", "reason": "no"}, "/referrals"
    )
    assert short.status_code == 422 and "at least 10 characters" in short.text
    early = post(shelter, f"/referrals/{referral_id}/actions", {"action": "complete"}, "/referrals")
    assert early.status_code == 409 and "not possible in the referral&#39;s current status" in early.text
    accepted = post(shelter, f"/referrals/{referral_id}/actions", {"action": "accept"}, "/referrals")
    assert accepted.status_code == 303 and accepted.headers["location"] == "/referrals"
    after = shelter.get("/referrals")
    assert "Accepted" in after.text and "accepted after" in after.text and ">Start the service<" in after.text

    # The shelter's view of the case: what the referral needs, not the document or the story.
    limited = shelter.get(location)
    assert limited.status_code == 200 and "Айгерим" in limited.text
    assert "N 1234 5678" not in limited.text and "messenger group" not in limited.text
    assert f'action="{location}/notes"' not in limited.text
    refused = post(shelter, f"{location}/notes", {"text": "Arrived safely."}, location)
    assert refused.status_code == 403 and "only the part of this case its referral needs" in refused.text


def test_the_timeline_tells_what_happened_and_htmx_updates_it_with_a_note(team, db):
    worker, supervisor, shelter = team["worker"], team["supervisor"], team["shelter"]
    location = register(worker)
    shelter_id = str(ensure_agency(db, "KZ-SHL-1").id)
    post(worker, f"{location}/consents", {"purpose": "assistance"}, location)
    post(worker, f"{location}/referrals", {"to_agency_id": shelter_id, "service_type": "shelter"}, location)
    inbox = shelter.get("/referrals").text
    referral_id = re.search(r'action="/referrals/([0-9a-f-]{36})/actions"', inbox).group(1)
    post(shelter, f"/referrals/{referral_id}/actions", {"action": "accept"}, "/referrals")

    # The supervisor finds the case among those waiting for a decision and takes it.
    decisions = supervisor.get("/decisions")
    assert decisions.status_code == 200 and f'href="{location}"' in decisions.text
    decided = post(supervisor, f"{location}/actions", {"action": "identify_as_victim"}, location)
    assert decided.status_code == 303 and decided.headers["location"] == location
    assert f'href="{location}"' not in supervisor.get("/decisions").text

    # A note through htmx: the notes section comes back, and the timeline out of band.
    note = post(
        worker,
        f"{location}/notes",
        {"text": "Met her at the bus station."},
        location,
        headers={"HX-Request": "true"},
    )
    assert note.status_code == 200 and "<html" not in note.text
    assert (
        note.text.lstrip().startswith('<section id="case-notes"')
        and "Met her at the bus station." in note.text
    )
    assert (
        'id="case-timeline"' in note.text and 'hx-swap-oob="true"' in note.text and "Note added" in note.text
    )

    timeline = worker.get(location).text
    timeline = timeline[timeline.index('id="case-timeline"') :]
    for sentence in (
        "Case opened",
        "Status: Reported → Potential victim",
        "Right offered: Reflection period",
        "Consent given: Assistance and referrals",
        "Referred to KZ-SHL-1 (Shelter)",
        "Referral accepted (Shelter)",
        "Status: Potential victim → Identified victim",
        "Note added",
    ):
        assert sentence in timeline, sentence
    assert re.search(
        # In the reader's format and zone (issue 18): "Mar 4, 2025, 3:05 PM", Asia/Almaty.
        r"<time datetime=\"\d{4}-\d\d-\d\dT[^\"]+\">[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d\s[AP]M</time>",
        timeline,
    )


def test_refused_case_forms_come_back_with_the_message_plain_or_with_htmx(team, db):
    worker, supervisor = team["worker"], team["supervisor"]
    location = register(worker)
    people = count(db, Person)
    empty = post(worker, f"{location}/notes", {"text": ""}, location)
    assert empty.status_code == 422 and 'id="note-text"' in empty.text
    assert re.search(r'<textarea id="note-text"[^>]*aria-invalid="true"', empty.text)
    with_htmx = post(worker, f"{location}/notes", {"text": ""}, location, headers={"HX-Request": "true"})
    assert with_htmx.status_code == 200 and 'class="field-error"' in with_htmx.text
    # A step from a page that is out of date: the message still shows, at the top of the steps.
    stale = post(
        worker,
        f"{location}/actions",
        {"action": "start_screening", "form_id": "action-start_screening"},
        location,
    )
    assert stale.status_code == 409 and "reload the case to see its steps" in stale.text
    # A forced step during the reflection period: only at the person's request, with a reason.
    page = supervisor.get(location).text
    assert 'id="action-close-asked"' in page and 'id="action-close"' not in page
    close = {
        "action": "close",
        "closure_reason": "lost_contact",
        "reason": "Left, phone off",
        "form_id": "action-close-asked",
    }
    held = post(supervisor, f"{location}/actions", close, location)
    assert held.status_code == 409 and "reflection period" in held.text
    assert re.search(r"<details open>\s*<summary>Steps held back", held.text)
    closed = post(supervisor, f"{location}/actions", {**close, "at_persons_request": "1"}, location)
    assert closed.status_code == 303
    assert (
        "Status: Potential victim → Closed · Lost contact · at the person&#39;s request"
        in supervisor.get(location).text
    )
    assert count(db, Person) == people


def test_no_name_birth_date_or_document_number_in_any_url(team, db):
    worker, shelter, supervisor = team["worker"], team["shelter"], team["supervisor"]
    watch = UrlWatch()
    location = register(worker, watch)
    shelter_id = str(ensure_agency(db, "KZ-SHL-1").id)
    for response in (
        worker.get("/cases"),
        worker.get("/cases/new"),
        post(worker, "/cases/search", {"name": "Aigerim Akhmetova", "birth_date": "1999-04-12"}, "/cases"),
        post(worker, "/cases/search", {"name": "Айгерим"}, "/cases", headers={"HX-Request": "true"}),
        post(worker, f"{location}/consents", {"purpose": "assistance"}, location),
        post(
            worker, f"{location}/referrals", {"to_agency_id": shelter_id, "service_type": "shelter"}, location
        ),
        post(worker, f"{location}/notes", {"text": "Aigerim Akhmetova"}, location),
        worker.get(location),
        shelter.get("/referrals"),
        shelter.get(location),
        supervisor.get("/decisions"),
        supervisor.get(location),
    ):
        assert response.status_code in (200, 303), response.text
        watch.page(response)
    with_htmx = {**PERSON, **THE_CASE, "go": "register", "acknowledge_possible_duplicate": "1"}
    registered = worker.post(
        "/cases/new",
        data={**with_htmx, "csrf_token": token(worker)},
        headers={"HX-Request": "true"},
        follow_redirects=False,
    )
    assert registered.status_code == 200 and CASE_URL.match(registered.headers["hx-redirect"])
    watch.page(registered)
    assert len(watch.urls) > 50
    assert watch.leaks() == []
    # And no page sends a person's data by GET: every form that carries it is a POST.
    for page in (worker.get("/cases").text, worker.get("/cases/new").text, worker.get(location).text):
        for form in re.findall(r"<form\b[^>]*>", page):
            if 'method="get"' in form:
                assert 'action="/cases"' in form  # the list filters: status, country, type, overdue


def test_the_supervisor_reviews_break_glass_accesses(team, client, db):
    worker, supervisor = team["worker"], team["supervisor"]
    location = register(worker)
    colleague = make_user(db, Role.CASE_WORKER, agency_code="KZ-NGO-TST")
    opened = client.post(
        f"/api/v1{location}/break-glass",
        headers=bearer(db, colleague),
        json={"reason": "Person at the border now, owner unreachable."},
    )
    assert opened.status_code == 201, opened.text
    assert "Emergency access opened by an officer outside the case (break-glass)" in worker.get(location).text
    decisions = supervisor.get("/decisions").text
    assert "Person at the border now, owner unreachable." in decisions
    grant_id = re.search(r'action="/decisions/break-glass/([0-9a-f-]{36})/review"', decisions).group(1)
    reviewed = post(supervisor, f"/decisions/break-glass/{grant_id}/review", {}, "/decisions")
    assert reviewed.status_code == 303 and reviewed.headers["location"] == "/decisions"
    assert "Nothing to review." in supervisor.get("/decisions").text
    again = post(supervisor, f"/decisions/break-glass/{grant_id}/review", {}, "/decisions")
    assert again.status_code == 409 and "This access was already reviewed." in again.text


def test_a_child_gets_the_banner_the_automatic_referral_and_a_guardian_form(team):
    worker = team["worker"]
    location = register(
        worker,
        family_name="Серіков",
        given_name="Нұрлан",
        birth_date="",
        estimated_age="15",
        document_number="",
        document_country="",
    )
    page = worker.get(location).text
    assert "This person is a child." in page and "No guardian is appointed yet." in page
    assert "(estimated)" in page
    assert "Referred to KZ-SOC-1 (Child protection) · automatically" in page
    assert "The child&#39;s best interests" in page  # the referral's consent exception
    saved = post(
        worker, f"{location}/guardian", {"has_guardian": "1", "guardian": "Aunt, in Shymkent"}, location
    )
    assert saved.status_code == 303
    page = worker.get(location).text
    assert "A guardian is appointed." in page and "Guardian recorded" in page
