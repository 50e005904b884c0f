"""A real browser against a live server, through one case: the case worker registers a potential
victim with a Cyrillic name, records her consent to assistance, finds her by a Latin spelling and
refers her to a shelter; the shelter's officer accepts the referral; the supervisor identifies her
as a victim; the case's timeline tells all of it. Her name never reaches the server's log.

Screenshots of each step: test-output/screenshots/case-NN-*.png (see tests/e2e/browser.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import DEMO_PASSWORD, Shots, Site

pytestmark = pytest.mark.e2e

CASE_PAGE = re.compile(r"/cases/[0-9a-f-]{36}$")


def sign_in(page: Page, username: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))


def go_to(page: Page, link: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def test_a_case_from_intake_to_identification(page: Page, site: Site) -> None:
    shot = Shots(page, "case-")

    # The case worker registers the person, in three steps.
    sign_in(page, "caseworker")
    go_to(page, "Cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    shot("caseworker-cases")
    page.get_by_role("link", name="Register a new case").click()
    expect(page.get_by_role("heading", name="Step 1 of 3: the person")).to_be_visible()
    page.get_by_label("Family name", exact=True).fill("Ахметова")
    page.get_by_label("Given name", exact=True).fill("Айгерим")
    page.get_by_label("Sex", exact=True).select_option("female")
    page.get_by_label("Birth date", exact=True).fill("1999-04-12")
    page.get_by_label("Citizenships", exact=True).fill("KZ")
    page.get_by_label("Document number", exact=True).fill("N 1234 5678")
    page.get_by_label("Issuing country", exact=True).fill("KZ")
    page.get_by_label("Languages", exact=True).fill("kk, ru")
    shot("intake-person")
    page.get_by_role("button", name="Next: the case").click()
    expect(page.get_by_role("heading", name="Step 2 of 3: the case")).to_be_visible()
    page.get_by_label("Labour exploitation", exact=True).check()
    page.get_by_label("Country of recruitment", exact=True).fill("KZ")
    page.get_by_label("Country of destination", exact=True).fill("AE")
    page.get_by_label("What happened", exact=True).fill(
        "Recruited through a messenger group for cafe work in Dubai; passport kept by the employer."
    )
    page.get_by_label("Register as a potential victim", exact=True).check()
    shot("intake-case")
    page.get_by_role("button", name="Next: review").click()
    review = page.get_by_role("region", name="Step 3 of 3: review and register")
    expect(review).to_contain_text("Ахметова Айгерим")
    expect(review).to_contain_text("Labour exploitation")
    expect(review).to_contain_text("United Arab Emirates (AE)")
    shot("intake-review")
    page.get_by_role("button", name="Register the case").click()
    expect(page).to_have_url(CASE_PAGE)
    case_url = page.url.removeprefix(site.url)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Case KZ-[0-9A-Z]{5}-[0-9A-Z]{5}$"))
    reference = heading.inner_text().removeprefix("Case ").strip()
    expect(page.locator(".case-line")).to_contain_text("Potential victim")
    expect(
        page.get_by_text(re.compile(r"^Reflection period: ends on [A-Z][a-z]{2} \d{1,2}, \d{4}$"))
    ).to_be_visible()
    shot("case-registered")

    # Her consent to assistance (htmx swaps the consent section in place).
    consents = page.locator("#case-consents")
    consents.get_by_label("Purpose", exact=True).select_option("assistance")
    consents.get_by_role("button", name="Record consent").click()
    expect(consents.get_by_role("row").filter(has_text="Assistance and referrals")).to_have_count(1)
    expect(page.locator("#case-timeline")).to_contain_text("Consent given: Assistance and referrals")
    expect(page).to_have_url(re.compile(re.escape(case_url) + "$"))
    shot("consent-recorded")

    # Found again by the Latin spelling of her name; the results replace the table in place.
    go_to(page, "Cases")
    page.get_by_label("Name", exact=True).fill("Aigerim Akhmetova")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#case-results")
    expect(results.get_by_role("heading", name="Search results")).to_be_visible()
    expect(results.get_by_role("row").filter(has_text=reference)).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/cases$"))  # the name went in the POST body only
    shot("search-latin-spelling")

    # Referred to the shelter in Shymkent.
    results.get_by_role("link", name=reference).click()
    expect(page).to_have_url(re.compile(re.escape(case_url) + "$"))
    form = page.get_by_role("form", name="Make a referral")
    agency = form.get_by_label("Agency", exact=True)
    agency.select_option(agency.locator("option", has_text="KZ-SHL-SHY").get_attribute("value"))
    form.get_by_label("Service", exact=True).select_option("shelter")
    form.get_by_label("Needs", exact=True).fill("A safe bed for one adult woman; speaks Kazakh and Russian.")
    shot("referral-form")
    form.get_by_role("button", name="Refer").click()
    referral_row = page.locator("#case-referrals").get_by_role("row").filter(has_text="KZ-SHL-SHY")
    expect(referral_row).to_contain_text("Requested")
    expect(referral_row).to_contain_text("waiting for")
    shot("referral-requested")
    sign_out(page)

    # The shelter's officer accepts it in the inbox.
    sign_in(page, "shelter")
    go_to(page, "Referrals")
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Requested")
    shot("shelter-inbox")
    row.get_by_role("button", name=re.compile(r"^Accept")).click()
    expect(page).to_have_url(re.compile(r"/referrals$"))
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Accepted")
    expect(row).to_contain_text("accepted after")
    shot("shelter-accepted")
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_role("note")).to_contain_text("Your agency sees only what its referral needs")
    expect(page.locator("#case-person")).to_contain_text("Ахметова Айгерим")
    expect(page.locator("#case-person")).not_to_contain_text("N 1234 5678")
    shot("shelter-limited-view")
    sign_out(page)

    # The supervisor takes the identification decision.
    sign_in(page, "supervisor")
    go_to(page, "Decisions")
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Potential victim")
    shot("supervisor-decisions")
    row.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Identify as victim").click()
    expect(page).to_have_url(re.compile(re.escape(case_url) + "$"))
    expect(page.locator(".case-line")).to_contain_text("Identified victim")
    shot("supervisor-identified")

    # The timeline shows the registration, the referral, its acceptance and the decision.
    timeline = page.locator("#case-timeline")
    for sentence in (
        "Case opened",
        "Status: Reported → Potential victim",
        "Consent given: Assistance and referrals",
        "Referred to KZ-SHL-SHY (Shelter)",
        "Referral accepted (Shelter)",
        "Status: Potential victim → Identified victim",
    ):
        expect(timeline).to_contain_text(sentence)
    timeline.scroll_into_view_if_needed()
    shot("timeline")

    # Her name reached neither a URL nor the server's log.
    server_log = site.server.log_path.read_text()
    assert "POST /cases/new 200" in server_log  # the log was written at all (htmx: HX-Redirect)
    assert "POST /cases/search 200" in server_log
    for secret in ("Ахметова", "Айгерим", "Aigerim", "Akhmetova", "1999-04-12", "1234 5678"):
        assert secret not in server_log
