"""Translations: the current request's locale, gettext for Python code and templates.

Catalogs are the .po files under qorgau/locale; they are compiled in memory on first use, so
no build step or committed binary .mo files are needed.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from qorgau.config import SUPPORTED_LOCALES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

LOCALE_NAMES = {
    "en": "English",
    "ru": "Русский",
    "kk": "Қазақша",
    "uz": "Oʻzbekcha",
    "ky": "Кыргызча",
    "tg": "Тоҷикӣ",
}

# A message still missing in a Central Asian language is shown in Russian, which the region's
# officials read, before English: language -> Russian -> English (the msgid).
FALLBACK = {"kk": "ru", "uz": "ru", "ky": "ru", "tg": "ru"}

_current: ContextVar[str] = ContextVar("qorgau_locale", default="en")
log = logging.getLogger("qorgau.i18n")


class _Fallback(_gettext.NullTranslations):
    """The next catalog of the chain, noting at DEBUG level (development) each message that
    fell through, so a missing translation is seen without production logs filling up."""

    def __init__(self, locale: str, fallback: _gettext.NullTranslations) -> None:
        super().__init__()
        self.locale = locale
        self.add_fallback(fallback)

    def gettext(self, message: str) -> str:
        log.debug("no %s translation for %r", self.locale, message)
        return super().gettext(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        log.debug("no %s translation for %r", self.locale, msgid1)
        return super().ngettext(msgid1, msgid2, n)


def _catalog(locale: str) -> _gettext.NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The locale's catalog, falling back along FALLBACK for messages it lacks."""
    found = _catalog(locale)
    if locale in FALLBACK:
        found.add_fallback(_Fallback(locale, translations(FALLBACK[locale])))
    return found


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in SUPPORTED_LOCALES else "en")


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = _current.set(locale if locale in SUPPORTED_LOCALES else "en")
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where it is shown."""
    return message


def negotiate(accept_language: str | None) -> str | None:
    """The best supported locale for an Accept-Language header, or None."""
    if not accept_language:
        return None
    weighted = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.replace("-", "_")))
    preferred = [tag for _q, _p, tag in sorted(weighted)]
    try:
        found = Locale.negotiate(preferred, list(SUPPORTED_LOCALES), sep="_")
    except (UnknownLocaleError, ValueError):
        return None
    return found.language if found else None
