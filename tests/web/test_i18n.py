"""Translations: the catalogs cover every marked string, and pages follow the chosen language
(cookie, Accept-Language, the switcher, the stored preference of a signed-in user).

When a test here fails because a string is missing from the catalogs, run scripts/i18n and
translate the new entries (Russian must translate every one of them)."""

from __future__ import annotations

import io
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import escape
from starlette.testclient import TestClient

from qorgau.config import SUPPORTED_LOCALES
from qorgau.i18n import LOCALE_DIR, LOCALE_NAMES, translations
from qorgau.permissions import Role
from tests.support import csrf_from, make_user, sign_in

ROOT = Path(__file__).resolve().parents[2]
# The keywords scripts/i18n passes to `pybabel extract`, on top of babel's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
# %(name)s-style placeholders, %% and any other lone %: all must survive translation unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%%|%")


@cache
def extracted() -> dict[str, tuple[str, ...]]:
    """Every message the source marks for translation, keyed by msgid (the singular for
    ngettext), with its forms; found with babel.cfg exactly as `pybabel extract` finds it."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(ROOT / "babel.cfg"))
    found: dict[str, tuple[str, ...]] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        forms = tuple(message) if isinstance(message, (tuple, list)) else (message,)
        if forms[0]:
            found[forms[0]] = forms
    return found


def catalog(locale: str) -> Catalog:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"no catalog for {locale}: run scripts/i18n"
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, abort_invalid=True)


def strings(message: object) -> tuple[str, ...]:
    return tuple(message) if isinstance(message, (tuple, list)) else (str(message),)


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def ru(msgid: str) -> str:
    translated = translations("ru").gettext(msgid)
    assert translated and translated != msgid, f"no Russian for {msgid!r}"
    return translated


# --- the catalogs ------------------------------------------------------------------------------


def test_extraction_finds_python_and_template_strings():
    found = extracted()
    assert "Unknown language." in found  # _() in Python
    assert "Case worker" in found  # N_() in Python, translated where shown
    assert "Sign in" in found  # {{ _("...") }} in a template
    assert "Welcome, %(name)s" in found  # newstyle gettext with a keyword argument
    assert "Qorgau %(version)s" in found


def test_every_locale_has_a_catalog_and_a_name():
    assert set(LOCALE_NAMES) == set(SUPPORTED_LOCALES)
    for locale in SUPPORTED_LOCALES:
        assert (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").exists(), locale


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_parses_compiles_and_is_consistent(locale):
    cat = catalog(locale)
    assert str(cat.locale) == locale
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries are never shown; translate them and drop the flag: {fuzzy}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in cat.check()]
    assert not problems, problems
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    assert buf.getvalue()
    for message in cat:
        if not message.id:
            continue
        source = strings(message.id)
        for i, translated in enumerate(strings(message.string)):
            if translated:
                expected = placeholders(source[min(i, len(source) - 1)])
                assert placeholders(translated) == expected, (locale, message.id, translated)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_holds_exactly_the_extracted_messages(locale):
    cat = catalog(locale)
    in_catalog = {strings(m.id)[0]: strings(m.id) for m in cat if m.id}
    missing = sorted(set(extracted()) - set(in_catalog))
    stale = sorted(set(in_catalog) - set(extracted()))
    assert not missing, f"not in the {locale} catalog (run scripts/i18n, then translate): {missing}"
    assert not stale, f"no longer in the source but still in the {locale} catalog (run scripts/i18n): {stale}"
    changed_plural = sorted(k for k, forms in extracted().items() if in_catalog[k] != forms)
    assert not changed_plural, f"plural forms differ from the source (run scripts/i18n): {changed_plural}"


def test_russian_translates_every_message():
    cat = catalog("ru")
    assert cat.num_plurals == 3
    untranslated = []
    for msgid, forms in extracted().items():
        message = cat.get(forms if len(forms) > 1 else msgid)
        assert message is not None, f"{msgid!r} missing from the Russian catalog; run scripts/i18n"
        translated = strings(message.string)
        expected_forms = cat.num_plurals if message.pluralizable else 1
        if message.fuzzy or len(translated) != expected_forms or not all(t.strip() for t in translated):
            untranslated.append(msgid)
            continue
        for form in translated:
            assert placeholders(form) == placeholders(forms[-1] if message.pluralizable else msgid), msgid
    assert not untranslated, f"translate into Russian (locale/ru/LC_MESSAGES/messages.po): {untranslated}"


def test_translated_catalogs_reach_the_runtime():
    assert translations("ru").gettext("Sign out") == "Выйти"
    assert translations("ru").gettext("Case worker") != "Case worker"
    # English needs no translation: the msgid is the text.
    assert translations("en").gettext("Sign in") == "Sign in"


# --- choosing the language -----------------------------------------------------------------------


def test_sign_in_page_in_russian_from_the_cookie(client):
    client.cookies.set("qorgau_lang", "ru")
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert '<html lang="ru"' in page.text
    assert ru("Sign in") in page.text
    assert ru("Username") in page.text and ru("Password") in page.text
    assert '<option value="ru" lang="ru" selected>' in page.text


def test_accept_language_picks_a_supported_language(client):
    page = client.get("/sign-in", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru"' in page.text and ru("Sign in") in page.text
    kazakh = client.get("/sign-in", headers={"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.8"})
    assert '<html lang="kk"' in kazakh.text


def test_unsupported_language_falls_back_to_english(client):
    page = client.get("/sign-in", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="en"' in page.text and ">Sign in<" in page.text


def test_the_cookie_wins_over_accept_language(client):
    client.cookies.set("qorgau_lang", "en")
    page = client.get("/sign-in", headers={"Accept-Language": "ru"})
    assert '<html lang="en"' in page.text


def test_switcher_sets_the_cookie_before_sign_in(client):
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/language", data={"locale": "ru", "next": "/sign-in", "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    assert response.cookies.get("qorgau_lang") == "ru"
    assert '<html lang="ru"' in client.get("/sign-in").text


def test_switcher_stores_the_preference_of_a_signed_in_user(app, client, db):
    user = make_user(db, Role.CASE_WORKER)
    assert sign_in(client, user.username).status_code == 303
    token = csrf_from(client.get("/").text)
    response = client.post(
        "/language", data={"locale": "ru", "next": "/", "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert response.cookies.get("qorgau_lang") == "ru"
    db.refresh(user)
    assert user.locale == "ru"

    home = client.get("/")
    assert '<html lang="ru"' in home.text
    assert escape(ru("Case worker")) in home.text  # a role label marked with N_()
    assert escape(ru("Welcome, %(name)s") % {"name": "Test User"}) in home.text

    signed_out = client.post("/sign-out", data={"csrf_token": csrf_from(home.text)}, follow_redirects=False)
    assert signed_out.status_code == 303

    with TestClient(app, raise_server_exceptions=False) as fresh:
        again = sign_in(fresh, user.username)
        assert again.status_code == 303
        assert again.cookies.get("qorgau_lang") == "ru"
        assert '<html lang="ru"' in fresh.get("/").text


def test_switcher_refuses_an_unknown_language(client):
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/language", data={"locale": "xx", "next": "/", "csrf_token": token}, follow_redirects=False
    )
    assert 400 <= response.status_code < 500
    assert "qorgau_lang" not in response.cookies


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example/", "/\\evil.example", "evil.example"]
)
def test_switcher_never_redirects_off_site(client, target):
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/language", data={"locale": "ru", "next": target, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert "evil.example" not in location or location.startswith("/%5C")


def test_switcher_needs_the_csrf_token_and_refuses_in_russian(client):
    client.cookies.set("qorgau_lang", "ru")
    client.get("/sign-in")
    response = client.post("/language", data={"locale": "en", "next": "/"}, follow_redirects=False)
    assert response.status_code == 403
    assert "qorgau_lang" not in response.cookies
    refusal = ru("The form expired or did not come from Qorgau. Reload the page and try again.")
    assert escape(refusal) in response.text


def test_an_error_raised_in_python_is_shown_in_russian(client, db):
    user = make_user(db, Role.CASE_WORKER)
    client.cookies.set("qorgau_lang", "ru")
    response = sign_in(client, user.username, "not-the-password-1")
    assert 400 <= response.status_code < 500
    assert '<html lang="ru"' in response.text
    message = "The username or password is not correct, or the account is disabled."
    assert escape(ru(message)) in response.text
    assert message not in response.text


# --- the fallback chain -------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["kk", "uz", "ky", "tg"])
def test_a_message_missing_in_a_central_asian_language_falls_back_to_russian(locale, monkeypatch):
    """Language -> Russian -> English: never straight to English while Russian has the message."""
    import gettext

    from qorgau import i18n

    msgid = "Case worker"
    real = i18n._catalog
    # The language's own catalog lacks everything; Russian's is the real one.
    monkeypatch.setattr(
        i18n, "_catalog", lambda loc: gettext.NullTranslations() if loc == locale else real(loc)
    )
    i18n.translations.cache_clear()
    try:
        assert i18n.translations(locale).gettext(msgid) == ru(msgid)
        assert i18n.translations(locale).gettext("no such message anywhere") == "no such message anywhere"
    finally:
        i18n.translations.cache_clear()
