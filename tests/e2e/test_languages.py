"""Every role's main pages in Kazakh, Uzbek, Kyrgyz and Tajik show no English interface words
(issue 18). The English interface vocabulary is the words of the catalog's English messages,
less the words the target language's own translations use too (codes, names, "Qorgau", "PDF",
Uzbek words that happen to be English ones); a page's visible text is matched against it word
by word. Data typed by people (names, agency codes) is not interface text and is excepted.

Screenshots: test-output/screenshots/language-<locale>-case-file.png."""

from __future__ import annotations

import re
from functools import cache

import pyotp
import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from tests.e2e.browser import DEMO_PASSWORD, REPO_ROOT, SCREENSHOTS, Site

pytestmark = pytest.mark.e2e

LOCALES = ("kk", "uz", "ky", "tg")
LOCALE_DIR = REPO_ROOT / "src" / "qorgau" / "locale"
CASE_PAGE = re.compile(r"/cases/[0-9a-f-]{36}$")
RESULT_PAGE = re.compile(r"/cases/[0-9a-f-]{36}/screenings/[0-9a-f-]{36}$")
WORD = re.compile(r"[A-Za-z][A-Za-z']+")
# Names and codes that are the same in every language: the product, the language switcher's
# "English", standards and formats.
# Data on the pages, not interface text: usernames in the users table, and the countries' legal
# profiles (statements and sources quoted from the laws, kept in English for now, see issue 18).
DATA = "tr[id^=user-] > td:first-child, tr[id^=user-] button .visually-hidden, table.comparison tbody td"
PROPER = {
    "qorgau",
    "english",
    "pdf",
    "api",
    "totp",
    "iso",
    "utc",
    "json",
    "csv",
    "ilo",
    "iom",
    "delphi",
    "palermo",
}


def _messages(locale: str) -> list[tuple[str, str]]:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    pairs = []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strs = m.string if isinstance(m.string, tuple) else (m.string,)
        pairs += [(i, s or "") for i in ids for s in strs]
    return pairs


def _words(text: str) -> set[str]:
    text = re.sub(r"%\(\w+\)\w|<[^>]+>|&\w+;", " ", text)
    return {w.lower().strip("'") for w in WORD.findall(text) if len(w.strip("'")) > 2}


@cache
def vocabulary(locale: str) -> frozenset[str]:
    """The English interface words that must not appear on a page in `locale`."""
    pairs = _messages(locale)
    english = set().union(*(_words(i) for i, _s in pairs))
    same = set().union(*(_words(s) for _i, s in pairs))
    return frozenset(english - same - PROPER)


def english_words(page: Page, locale: str) -> list[str]:
    """English interface words on the page as shown: visible text, titles, labels of controls.
    Words in capitals are codes (KZ-NGO-ALA), the time-zone picker's list is IANA's names."""
    text = page.evaluate(
        """(DATA) => {
        for (const o of document.querySelectorAll('#time_zone option:not(:checked)')) o.remove();
        for (const e of document.querySelectorAll(DATA)) e.remove();
        const attrs = [...document.querySelectorAll('[placeholder],[title],[aria-label],input[type=submit]')]
            .map(e => [e.getAttribute('placeholder'), e.getAttribute('title'), e.getAttribute('aria-label'),
                       e.type === 'submit' ? e.value : ''].join(' '));
        return document.title + ' ' + document.body.innerText + ' ' + attrs.join(' ');
    }""",
        DATA,
    )
    found = {w for w in WORD.findall(text) if not w.isupper() and w.lower().strip("'") in vocabulary(locale)}
    return sorted(found)


def use_language(page: Page, site: Site, locale: str) -> None:
    page.context.add_cookies([{"name": "qorgau_lang", "value": locale, "url": site.url}])


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.locator("#username").fill(username)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form[action='/sign-in'] button[type=submit]").click()


def make_case(page: Page, site: Site) -> tuple[str, str]:
    """A case registered, screened and referred by the case worker (English pages): its URL and
    its screening result's URL. The data typed is Kazakh, as an officer would write it."""
    sign_in(page, "caseworker")
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/cases/new")
    page.locator("#intake-family_name").fill("Сәрсенова")
    page.locator("#intake-given_name").fill("Гүлнұр")
    page.locator("#intake-sex").select_option("female")
    page.locator("#intake-birth_date").fill("1998-02-14")
    page.locator("#intake-citizenships").fill("KZ")
    page.locator("#intake-languages").fill("kk, ru")
    page.locator('button[name="go"][value="2"]').click()
    page.locator('input[name="exploitation_types"][value="labour"]').check()
    page.locator("#intake-found_in_country").fill("KZ")
    page.locator("#intake-narrative").fill(
        "Дубайдағы кафеге жұмысқа шақырылды; төлқұжатын жұмыс беруші алып қойды."
    )
    page.locator('button[name="go"][value="3"]').click()
    page.locator('button[name="go"][value="register"]').click()
    expect(page).to_have_url(CASE_PAGE)
    case_url = page.url

    consents = page.locator("#case-consents")
    consents.locator("select[name=purpose]").select_option("assistance")
    consents.locator("button[type=submit]").first.click()
    expect(consents.get_by_role("row")).not_to_have_count(0)
    form = page.get_by_role("form", name="Make a referral")
    agency = form.locator("select[name=to_agency_id]")
    agency.select_option(agency.locator("option", has_text="KZ-SHL-SHY").get_attribute("value"))
    form.locator("select[name=service_type]").select_option("shelter")
    form.locator("textarea[name=needs]").fill("Бір ересек әйелге қауіпсіз орын.")
    form.locator("button[type=submit]").click()
    expect(page.locator("#case-referrals").get_by_role("row").filter(has_text="KZ-SHL-SHY")).to_have_count(1)

    page.goto(case_url + "/screening")
    for step in range(2, 8):
        page.locator('button[name="go"][value="next"]').click()
        expect(page.get_by_role("heading", level=2)).to_contain_text(f"Step {step} of 7")
    page.locator('button[name="go"][value="record"]').click()
    expect(page).to_have_url(RESULT_PAGE)
    return case_url.removeprefix(site.url), page.url.removeprefix(site.url)


def admin_signed_in(page: Page) -> None:
    sign_in(page, "admin")
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    assert secret
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.locator("form[action='/account/two-factor'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_every_roles_pages_have_no_english_in_four_languages(page: Page, site: Site) -> None:
    case_url, result_url = make_case(page, site)
    # (who, their pages): each role's main pages.
    journeys: list[tuple[str, list[str]]] = [
        ("caseworker", ["/", "/cases", case_url, case_url + "/screening", result_url, "/account"]),
        ("shelter", ["/referrals"]),
        ("supervisor", ["/decisions"]),
        ("admin", ["/", "/admin/users", "/agencies", "/admin/grants", "/account", "/fund/report"]),
        ("", ["/screening/profiles", "/fund/report", "/sign-in"]),
    ]
    found: dict[str, list[str]] = {}
    for who, paths in journeys:
        if who == "admin":
            admin_signed_in(page)
        elif who:
            sign_in(page, who)
            expect(page).to_have_url(re.compile(r"/$"))
        else:
            page.context.clear_cookies()
        for locale in LOCALES:
            use_language(page, site, locale)
            for path in paths:
                page.goto(path)
                expect(page.locator("html")).to_have_attribute("lang", locale)
                if words := english_words(page, locale):
                    found[f"{locale} {who or 'public'} {path}"] = words
                if who == "caseworker" and path == case_url:
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(
                        path=str(SCREENSHOTS / f"language-{locale}-case-file.png"), full_page=True
                    )
    assert not found, "English interface words on pages:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())
