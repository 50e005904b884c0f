"""Localised data: dates, times and numbers in the current locale's format (CLDR, through
Babel), times in the signed-in user's time zone, country and language names in the user's
language, agency names per language.

The locale is the request's (qorgau.i18n); the time zone is carried the same way, in a
ContextVar set when the principal is known (auth.deps) and reset for every request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.numbers import format_decimal as _babel_decimal

from qorgau.i18n import current_locale

# The zone a new user's times are shown in, by the country of the user's agency.
COUNTRY_ZONES = {
    "KZ": "Asia/Almaty",
    "UZ": "Asia/Tashkent",
    "KG": "Asia/Bishkek",
    "TJ": "Asia/Dushanbe",
    "RU": "Europe/Moscow",
    "TH": "Asia/Bangkok",
    "AE": "Asia/Dubai",
    "TR": "Europe/Istanbul",
}
DEFAULT_ZONE = "UTC"

_zone: ContextVar[str] = ContextVar("qorgau_time_zone", default=DEFAULT_ZONE)


def default_zone(country: str | None) -> str:
    return COUNTRY_ZONES.get(country or "", DEFAULT_ZONE)


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name of the tz database, for the account page's picker."""
    zones = (n for n in available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/")))
    return tuple(sorted(zones))


def is_zone(name: str) -> bool:
    return name == DEFAULT_ZONE or name in zone_names()


def current_zone() -> str:
    return _zone.get()


def set_zone(name: str | None) -> None:
    _zone.set(name if name and is_zone(name) else DEFAULT_ZONE)


@contextmanager
def use_zone(name: str) -> Iterator[None]:
    token = _zone.set(name if is_zone(name) else DEFAULT_ZONE)
    try:
        yield
    finally:
        _zone.reset(token)


def _tz() -> ZoneInfo:
    try:
        return ZoneInfo(_zone.get())
    except ZoneInfoNotFoundError:  # pragma: no cover - set_zone admits only known names
        return ZoneInfo(DEFAULT_ZONE)


def format_datetime(value: datetime | None) -> str:
    """A moment in the current locale's format and the user's zone, to the minute
    ("4 мар. 2025 г., 15:05"). Naive values are UTC, as the database stores them."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(_tz())
    locale = Locale.parse(current_locale())
    day = _babel_date(local.date(), "medium", locale=locale)
    time = _babel_time(local, "short", tzinfo=local.tzinfo, locale=locale)
    joined = str(locale.datetime_formats["medium"]).replace("'", "")
    return joined.replace("{1}", day).replace("{0}", time)


def format_date(value: date | datetime | str | None, width: str = "medium") -> str:
    """A day in the current locale's format ("4 мар. 2025 г."); a string that is not an ISO date
    (a form's value being reviewed) is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(_tz()).date()
    return _babel_date(value, width, locale=current_locale())


def format_number(value: int | float | Decimal | str | None) -> str:
    if value is None or value == "":
        return ""
    return _babel_decimal(Decimal(str(value)), locale=current_locale())


def zone_label(name: str) -> str:
    """A zone as the picker shows it: its IANA name and its present offset from UTC."""
    offset = datetime.now(ZoneInfo(name)).strftime("%z")
    return f"{name} (UTC{offset[:3]}:{offset[3:]})"


def country_name(code: str | None) -> str:
    """The country's name in the current language, from CLDR; the code itself if unknown."""
    if not code:
        return ""
    return Locale.parse(current_locale()).territories.get(code.upper(), code)


def language_name(code: str | None) -> str:
    if not code:
        return ""
    name = Locale.parse(current_locale()).languages.get(code.replace("-", "_").lower())
    return name or code


class _Named(Protocol):
    name: str
    names: dict[str, str] | None


def localized_name(names: Mapping[str, str] | None, default: str) -> str:
    """A name entered per language ({locale: name}), in the current language or the default."""
    if names:
        found = names.get(current_locale())
        if found:
            return found
    return default


def agency_name(agency: _Named | None) -> str:
    if agency is None:
        return ""
    return localized_name(getattr(agency, "names", None), agency.name)


def install(env: Any) -> None:
    """The Jinja filters and globals for localised data."""
    env.filters.update(
        dt=format_datetime,
        date=format_date,
        number=format_number,
        country_name=country_name,
        language_name=language_name,
        agency_name=agency_name,
    )
    env.globals.update(agency_name=agency_name, country_name=country_name, language_name=language_name)
