"""ISO 3166-1 alpha-2 country codes, from Babel's CLDR data (no list kept by hand)."""

from __future__ import annotations

from functools import cache

from babel import Locale


@cache
def _codes() -> frozenset[str]:
    # CLDR territory keys include regions ("001", "150") and pseudo-codes; keep the two-letter
    # ones, less the CLDR-only codes that are not assigned in ISO 3166-1.
    not_iso = {"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
    codes = (str(k) for k in Locale("en").territories)
    return frozenset(k for k in codes if len(k) == 2 and k.isalpha() and k not in not_iso)


def is_country(code: str) -> bool:
    return code in _codes()


def country_name(code: str, locale: str = "en") -> str:
    try:
        return Locale.parse(locale).territories.get(code, code)
    except ValueError:
        return code
