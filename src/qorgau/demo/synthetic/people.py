"""Documents, phones and languages of synthetic people."""

from __future__ import annotations

from collections.abc import Callable

# --------------------------------------------------------------------------------------------------
# Documents, phones, languages
# --------------------------------------------------------------------------------------------------

# Mobile prefixes after the country code (E.164, no spaces).
_PHONES: dict[str, tuple[str, tuple[str, ...], int]] = {
    "KZ": ("+7", ("700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778"), 7),
    "UZ": ("+998", ("90", "91", "93", "94", "95", "97", "98", "99", "33", "88"), 7),
    "KG": (
        "+996",
        ("500", "502", "505", "507", "550", "555", "557", "700", "702", "705", "707", "770", "777"),
        6,
    ),
    "TJ": ("+992", ("90", "91", "92", "93", "98", "99"), 7),
    "RU": ("+7", tuple(str(p) for p in range(900, 1000)), 7),
}

_LANGUAGES: dict[str, list[tuple[tuple[str, ...], float]]] = {
    "KZ": [(("kk", "ru"), 60), (("ru",), 20), (("kk",), 10), (("kk", "ru", "en"), 10)],
    "UZ": [(("uz", "ru"), 45), (("uz",), 45), (("uz", "ru", "en"), 5), (("uz", "tg", "ru"), 5)],
    "KG": [(("ky", "ru"), 60), (("ky",), 25), (("ru",), 10), (("ky", "ru", "en"), 5)],
    "TJ": [(("tg", "ru"), 50), (("tg",), 40), (("tg", "uz"), 5), (("tg", "ru", "en"), 5)],
    "RU": [(("ru",), 85), (("ru", "en"), 15)],
}

# Chance of an identity card rather than a passport, at home and abroad.
_P_ID_CARD = {"KZ": (0.80, 0.15), "UZ": (0.20, 0.20), "KG": (0.30, 0.30), "TJ": (0.0, 0.0), "RU": (0.0, 0.0)}

_ROMAN = ("I", "II", "III", "IV", "V")
_BIRTH_LETTERS_CYR = ("АГ", "МЮ", "ЖТ", "КЛ", "ОН", "РЕ", "СВ", "ТД")
_BIRTH_LETTERS_LAT = ("TN", "SM", "AN", "BX", "FR", "QD")


def _document_number(country: str, kind: str, abroad: bool, g: Callable[[int], int]) -> str:
    """A made-up number in a plausible shape for the country (``g`` is Random.getrandbits); not
    checked against any real numbering scheme (no check digits, no real series)."""
    if kind == "birth_certificate":  # Soviet-style: series of a Roman numeral and two letters
        letters = _BIRTH_LETTERS_LAT if country == "UZ" else _BIRTH_LETTERS_CYR
        return f"{_ROMAN[g(32) % 5]}-{letters[g(32) % len(letters)]} {g(32) % 1000000:06d}"
    if country == "KZ":  # passport N12345678; identity card 9 digits
        return f"{g(32) % 1000000000:09d}" if kind == "id_card" else f"N{g(32) % 100000000:08d}"
    if country == "UZ":  # passports AA/AB/AC/FA + 7 digits; identity card AD + 7 digits
        series = "AD" if kind == "id_card" else ("AA", "AB", "AC", "FA")[g(2)]
        return f"{series}{g(32) % 10000000:07d}"
    if country == "KG":  # passport AC (older AN) + 7 digits; identity card ID + 7 digits
        series = "ID" if kind == "id_card" else ("AC", "AC", "AC", "AN")[g(2)]
        return f"{series}{g(32) % 10000000:07d}"
    if country == "TJ":  # passport: 9 digits starting with 4 or 5
        return f"{4 + g(1)}{g(32) % 100000000:08d}"
    # Russia: internal passport "45 12 345678" (region, year, number); abroad the passport for
    # travel "75 1234567".
    if abroad:
        return f"{70 + g(32) % 6} {g(32) % 10000000:07d}"
    return f"{1 + g(32) % 98:02d} {g(32) % 25:02d} {g(32) % 1000000:06d}"
