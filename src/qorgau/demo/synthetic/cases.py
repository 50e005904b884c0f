"""The generator of synthetic cases, and the tables it draws from, prepared once at import."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, make_dataclass
from datetime import date
from itertools import accumulate

from qorgau.demo.synthetic.names import _SCRIPTS, _Script
from qorgau.demo.synthetic.people import _LANGUAGES, _P_ID_CARD, _PHONES, _document_number
from qorgau.demo.synthetic.routes import (
    _ABROAD,
    _INTERNAL,
    _ONE,
    _P_AGE_UNKNOWN,
    _P_CHILD,
    _P_FEMALE,
    _P_FOUND_HOME,
    _P_FOUND_TRANSIT,
    _P_NO_DOCUMENT,
    _P_NO_PHONE,
    _P_NO_PLACE,
    _P_RUSSIAN_NARRATIVE,
    _P_SECOND,
    _PROFILE,
    _RETRAFFICKED,
    _ROUTES,
    _SECOND,
    _SEX_UNKNOWN,
    _TOWNS,
    _TYPES,
    EXPLOITATION_WEIGHTS,
    NATIONALITY_WEIGHTS,
    _at,
    _fit,
    _story_parts,
)

__all__ = ["SyntheticCase", "SyntheticPerson", "generate_cases"]


@dataclass(frozen=True, slots=True)
class SyntheticPerson:
    family_name: str
    given_name: str
    patronymic: str | None
    family_name_latin: str
    given_name_latin: str
    sex: str
    birth_date: date | None
    estimated_age: int | None
    citizenship: str
    document_type: str | None
    document_number: str | None
    languages: tuple[str, ...]
    phone: str | None


@dataclass(frozen=True, slots=True)
class SyntheticCase:
    person: SyntheticPerson
    exploitation_types: tuple[str, ...]  # the main form first
    recruitment_country: str
    transit_countries: tuple[str, ...]
    destination_country: str
    found_in_country: str
    reported_on: date
    recruitment_place: str | None
    narrative: str


FIRST_REPORT = date(2019, 1, 1)
MIN_AGE, MAX_AGE = 14, 55

# --------------------------------------------------------------------------------------------------
# The prepared tables
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Nation:
    code: str
    scripts: tuple[_Script, ...]
    phone: tuple[str, tuple[str, ...], int]
    languages: tuple[tuple[str, ...], ...]
    languages_cum: tuple[int, ...]
    id_card: tuple[int, int]  # at home, abroad
    towns: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Route:
    nation: _Nation
    destination: str
    internal: bool
    transits: tuple[tuple[str, ...], ...]
    transits_cum: tuple[int, ...]
    places: tuple[tuple[str, str], ...]  # "in ..." for the narrative
    retrafficked_towns: tuple[tuple[str, str], ...]  # towns of the destination, if re-recruitment happens


@dataclass(frozen=True, slots=True)
class _Cell:
    route: _Route
    etype: str
    female: int  # below this a draw makes the person female; below _SEX_UNKNOWN_AT, of unknown sex
    second: tuple[str, ...]
    stories: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # by language: English, Russian


def _cumulative(weights: Sequence[float]) -> tuple[int, ...]:
    total = sum(weights)
    cum = [_at(w / total) for w in accumulate(weights)]
    cum[-1] = _ONE
    return tuple(cum)


def _build() -> tuple[tuple[_Cell, ...], tuple[int, ...]]:
    nations = {}
    for code in NATIONALITY_WEIGHTS:
        langs = _LANGUAGES[code]
        nations[code] = _Nation(
            code=code,
            scripts=_SCRIPTS[code],
            phone=_PHONES[code],
            languages=tuple(lang for lang, _ in langs),
            languages_cum=_cumulative([w for _, w in langs]),
            id_card=(_at(_P_ID_CARD[code][0]), _at(_P_ID_CARD[code][1])),
            towns=_TOWNS[code],
        )
    routes, row_weights, prior = [], [], []
    nationality_total = sum(NATIONALITY_WEIGHTS.values())
    for citizenship, destination, weight, profile, transits in _ROUTES:
        internal = citizenship == destination
        share = sum(w for c, _, w, _, _ in _ROUTES if c == citizenship)
        routes.append(
            _Route(
                nation=nations[citizenship],
                destination=destination,
                internal=internal,
                transits=tuple(t for t, _ in transits),
                transits_cum=_cumulative([w for _, w in transits]),
                places=_INTERNAL[citizenship] if internal else _ABROAD[destination],
                retrafficked_towns=_TOWNS[destination]
                if destination in ("RU", "KZ") and citizenship in ("UZ", "KG", "TJ")
                else (),
            )
        )
        row_weights.append(NATIONALITY_WEIGHTS[citizenship] / nationality_total * weight / share)
        prior.append([float(_PROFILE[profile].get(t, 0.0)) for t in _TYPES])
    type_total = sum(EXPLOITATION_WEIGHTS.values())
    fitted = _fit(prior, row_weights, [EXPLOITATION_WEIGHTS[t] / type_total for t in _TYPES])
    stories = {t: _story_parts(t) for t in _TYPES}
    cells, weights = [], []
    for route, row in zip(routes, fitted, strict=True):
        for etype, w in zip(_TYPES, row, strict=True):
            if w > 0:
                female = _at(_SEX_UNKNOWN + (1 - _SEX_UNKNOWN) * _P_FEMALE[etype])
                cells.append(_Cell(route, etype, female, _SECOND[etype], stories[etype]))
                weights.append(w)
    return tuple(cells), _cumulative(weights)


_CELLS, _CELLS_CUM = _build()


def _age_cumulative() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Ages 14-55: _P_CHILD under 18, adults mostly in their twenties and early thirties."""
    ages = tuple(range(MIN_AGE, MAX_AGE + 1))
    adult = {a: 1.0 if a <= 32 else 1.0 - 0.75 * (a - 32) / (MAX_AGE - 32) for a in range(18, MAX_AGE + 1)}
    adult_total = sum(adult.values())
    weights = [_P_CHILD / 4 if a < 18 else (1 - _P_CHILD) * adult[a] / adult_total for a in ages]
    return ages, _cumulative(weights)


_AGES, _AGES_CUM = _age_cumulative()
# Days back from the report date to a birthday that makes the person exactly `age` years old
# that day, plus 0..360 more days: int(age * 365.2425) + 2 is past the age-th birthday and
# + 362 still before the next one, whatever the leap years.
_AGE_DAYS = {a: int(a * 365.2425) + 2 for a in _AGES}
_MAX_AGE_DAYS = _AGE_DAYS[MAX_AGE] + 361


# --------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------


def _draft(cls: type) -> type:
    """A mutable twin of a frozen slotted dataclass: same slots in the same order, so that an
    instance can be filled in with plain attribute stores and then given the frozen class
    (``obj.__class__ = cls``, which CPython allows between classes of the same layout). The
    frozen __init__ sets each field through object.__setattr__, which made up a quarter of
    the time per case; the result is the same object, equal to and as immutable as one built
    the usual way."""
    return make_dataclass(f"_{cls.__name__}Draft", [f.name for f in fields(cls)], slots=True)


_PersonDraft, _CaseDraft = _draft(SyntheticPerson), _draft(SyntheticCase)


def generate_cases(count: int, *, seed: int = 0, today: date | None = None) -> Iterator[SyntheticCase]:
    """``count`` synthetic cases, reported between 2019-01-01 and ``today`` (default: the current
    date). The same arguments always give the same cases."""
    if count < 0:
        raise ValueError("count must not be negative")
    today = today or date.today()
    if today < FIRST_REPORT:
        raise ValueError(f"today must not be before {FIRST_REPORT.isoformat()}")
    return _generate(count, random.Random(seed), today)


def _generate(count: int, rng: random.Random, today: date) -> Iterator[SyntheticCase]:
    g = rng.getrandbits
    first, last = FIRST_REPORT.toordinal(), today.toordinal()
    span = last - first + 1
    base = first - _MAX_AGE_DAYS
    dates = [date.fromordinal(o) for o in range(base, last + 1)] if count else []
    cells, cells_cum = _CELLS, _CELLS_CUM
    ages, ages_cum, age_days = _AGES, _AGES_CUM, _AGE_DAYS
    number = _document_number
    second_at, unknown_at, age_unknown_at = _at(_P_SECOND), _at(_SEX_UNKNOWN), _at(_P_AGE_UNKNOWN)
    retrafficked_at, found_home_at = _at(_RETRAFFICKED), _at(_P_FOUND_HOME)
    found_away_at = _at(_P_FOUND_HOME + _P_FOUND_TRANSIT)
    no_document_at, birth_certificate_at = _at(_P_NO_DOCUMENT), _at(0.6)
    no_phone_at, no_place_at, russian_at = _at(_P_NO_PHONE), _at(_P_NO_PLACE), _at(_P_RUSSIAN_NARRATIVE)
    for _ in range(count):
        cell = cells[bisect_right(cells_cum, g(32))]
        route = cell.route
        nation = route.nation
        citizenship = nation.code
        etype = cell.etype

        # forms of exploitation, the main one first
        second = cell.second
        if second and g(32) < second_at:
            types: tuple[str, ...] = (etype, second[g(32) % len(second)])
        else:
            types = (etype,)

        # sex and name
        u = g(32)
        if u < unknown_at:
            sex, si = "unknown", g(1)
        elif u < cell.female:
            sex, si = "female", 1
        else:
            sex, si = "male", 0
        scripts = nation.scripts
        script = scripts[g(32) % len(scripts)] if len(scripts) > 1 else scripts[0]
        given_names = script.given[si]
        given, given_latin = given_names[g(32) % len(given_names)]
        family_names = script.family[si]
        family, family_latin, takes_patronymic = family_names[g(32) % len(family_names)]
        u = g(32)
        if u < script.p_none or not takes_patronymic:
            patronymic = None
        else:
            options = script.russian[si] if u < script.p_russian else script.traditional[si]
            patronymic = options[g(32) % len(options)]

        # dates: reported on a day up to today, aged `age` that day
        reported_ord = first + g(32) % span
        age = ages[bisect_right(ages_cum, g(32))]
        if g(32) < age_unknown_at:
            birth_date, estimated_age = None, age
        else:
            birth_date = dates[reported_ord - age_days[age] - g(32) % 361 - base]
            estimated_age = None

        # route
        transits = route.transits
        transit = transits[bisect_right(route.transits_cum, g(32))] if len(transits) > 1 else transits[0]
        destination = route.destination
        towns = nation.towns
        recruitment_country = citizenship
        if route.retrafficked_towns and g(32) < retrafficked_at:
            recruitment_country, transit, towns = destination, (), route.retrafficked_towns
        internal = route.internal
        u = g(32)
        if internal or u >= found_away_at:
            found_in = destination
        elif u < found_home_at:
            found_in = citizenship
        else:
            found_in = transit[-1] if transit else destination

        # documents and contacts
        if g(32) < no_document_at:
            document_type = document_number = None
        else:
            if age < 16 and g(32) < birth_certificate_at:
                document_type = "birth_certificate"
            elif g(32) < nation.id_card[not internal]:
                document_type = "id_card"
            else:
                document_type = "passport"
            document_number = number(citizenship, document_type, not internal, g)
        languages = nation.languages[bisect_right(nation.languages_cum, g(32))]
        if g(32) < no_phone_at:
            phone = None
        else:
            code, prefixes, digits = nation.phone
            phone = f"{code}{prefixes[g(32) % len(prefixes)]}{g(32) % 10**digits:0{digits}d}"

        # narrative, and the place of recruitment in the same language
        lang = 1 if g(32) < russian_at else 0
        beginnings, endings = cell.stories[lang]
        places = route.places
        narrative = (
            beginnings[g(32) % len(beginnings)]
            + places[g(32) % len(places)][lang]
            + "; "
            + endings[g(32) % len(endings)]
        )
        recruitment_place = None if g(32) < no_place_at else towns[g(32) % len(towns)][lang]

        person = _PersonDraft(
            family_name=family,
            given_name=given,
            patronymic=patronymic,
            family_name_latin=family_latin,
            given_name_latin=given_latin,
            sex=sex,
            birth_date=birth_date,
            estimated_age=estimated_age,
            citizenship=citizenship,
            document_type=document_type,
            document_number=document_number,
            languages=languages,
            phone=phone,
        )
        person.__class__ = SyntheticPerson
        case = _CaseDraft(
            person=person,
            exploitation_types=types,
            recruitment_country=recruitment_country,
            transit_countries=transit,
            destination_country=destination,
            found_in_country=found_in,
            reported_on=dates[reported_ord - base],
            recruitment_place=recruitment_place,
            narrative=narrative,
        )
        case.__class__ = SyntheticCase
        yield case
