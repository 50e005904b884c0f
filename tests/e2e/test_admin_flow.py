"""A real browser against a live server: an administrator signs in (with two-factor enrolment),
registers an agency and a case worker, signs out; the case worker signs in, switches to Russian
and the page is in Russian, also after a reload and when signing in from a fresh browser.

Drives Debian's chromium (/usr/bin/chromium) through Playwright; `playwright install` is never
needed. Screenshots of each step go to test-output/screenshots/ at the repository root."""

from __future__ import annotations

import re

import pyotp
import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import DEMO_PASSWORD, REPO_ROOT, Shots, Site, open_page

pytestmark = pytest.mark.e2e

RU_CATALOG = REPO_ROOT / "src" / "qorgau" / "locale" / "ru" / "LC_MESSAGES" / "messages.po"


def russian(msgid: str) -> str:
    """The Russian catalog's translation of a message, read now (the catalog is edited by hand)."""
    assert RU_CATALOG.exists(), f"no Russian catalog at {RU_CATALOG}"
    with RU_CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    message = catalog.get(msgid)
    assert message is not None, f"{msgid!r} is not in {RU_CATALOG}"
    assert isinstance(message.string, str) and message.string.strip(), f"{msgid!r} has no Russian translation"
    assert not message.fuzzy, f"{msgid!r} is marked fuzzy in {RU_CATALOG}, so it is not used"
    return message.string


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_admin_registers_agency_and_case_worker_who_works_in_russian(
    page: Page, browser: Browser, site: Site
) -> None:
    shot = Shots(page)

    # The administrator signs in; the role requires a second factor, set up now.
    sign_in(page, "admin", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    assert secret, "the two-factor page shows no key"
    shot("admin-two-factor")
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Dana Sadykova")
    shot("admin-home")

    # Registers an agency.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agencies", exact=True).click()
    expect(page).to_have_url(re.compile(r"/agencies$"))
    form = page.locator("section", has=page.get_by_role("heading", name="Register an agency"))
    form.get_by_label("Code", exact=True).fill("KZ-NGO-KAR")
    form.get_by_label("Name").fill("Crisis centre for victims of trafficking (NGO), Karaganda")
    form.get_by_label("Country", exact=True).fill("KZ")
    form.get_by_label("Kind", exact=True).select_option("ngo")
    shot("admin-agency-form")
    form.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_contain_text("KZ-NGO-KAR")
    row = page.get_by_role("row").filter(has_text="KZ-NGO-KAR")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Karaganda")
    expect(row).to_contain_text("Non-governmental organisation")
    shot("admin-agency-registered")

    # Creates a case worker at that agency, with a generated password.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    form = page.locator("section", has=page.get_by_role("heading", name="Create an account"))
    form.get_by_label("Username", exact=True).fill("aliya.karaganda")
    form.get_by_label("Name", exact=True).fill("Aliya Serikovna")
    form.get_by_label("Agency", exact=True).select_option("KZ-NGO-KAR")
    form.get_by_label("Case worker", exact=True).check()
    expect(form.get_by_label("Password", exact=True)).to_have_value("")
    shot("admin-user-form")
    form.get_by_role("button", name="Create account").click()
    generated = page.locator("#generated-password")
    expect(generated).to_be_visible()
    password = generated.inner_text().strip()
    assert len(password) >= 12
    row = page.get_by_role("row").filter(has_text="aliya.karaganda")
    expect(row).to_contain_text("KZ-NGO-KAR")
    expect(row).to_contain_text("Case worker")
    shot("admin-user-created")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    shot("admin-signed-out")

    # The case worker signs in with that password; no second factor for this role.
    sign_in(page, "aliya.karaganda", password)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Aliya Serikovna")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Users", exact=True)).to_have_count(0)  # not an administrator

    # The first Tab reaches the skip link, which moves focus to the main content.
    skip = page.get_by_role("link", name="Skip to main content")
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    shot("case-worker-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    shot("case-worker-home")

    # Switches to Russian.
    sign_out_ru = russian("Sign out")
    page.get_by_label("Language", exact=True).select_option("ru")
    page.get_by_role("button", name="Change", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("button", name=sign_out_ru, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aliya Serikovna")
    expect(page.locator("#language-select")).to_have_value("ru")
    shot("case-worker-russian")

    # The choice is remembered.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("button", name=sign_out_ru, exact=True)).to_be_visible()
    shot("case-worker-russian-after-reload")

    # It is remembered with the account too: signing in from a fresh browser shows Russian.
    other = open_page(browser, site)
    try:
        sign_in(other, "aliya.karaganda", password)
        expect(other.locator("html")).to_have_attribute("lang", "ru")
        expect(other.get_by_role("button", name=sign_out_ru, exact=True)).to_be_visible()
        shot("case-worker-russian-new-browser", page=other)
    finally:
        other.context.close()

    # Nothing secret reached the server's log along the way.
    server_log = site.server.log_path.read_text()
    assert "GET /agencies 200" in server_log  # the log was written at all
    for secret in (DEMO_PASSWORD, password):
        assert secret not in server_log
