"""Synthetic victims and cases for demos and benchmarks: reproducible, shaped like the trafficking
patterns of Central Asia, and with names and documents as each country writes them."""

from __future__ import annotations

import dataclasses
import pickle
import re
import unicodedata
from collections import Counter
from datetime import date

import pytest

from qorgau.countries import is_country
from qorgau.demo.synthetic import SyntheticCase, SyntheticPerson, generate_cases

# Under pytest-xdist (scripts/test) this module's tests stay on one worker, which builds the
# module's costly fixture once.
pytestmark = pytest.mark.xdist_group("nrm_synthetic")

TODAY = date(2025, 6, 30)
N = 20_000
TYPES = {
    "sexual",
    "labour",
    "domestic_servitude",
    "forced_begging",
    "forced_criminality",
    "organ_removal",
    "forced_marriage",
    "other",
}


@pytest.fixture(scope="module")
def cases() -> list[SyntheticCase]:
    return list(generate_cases(N, seed=7, today=TODAY))


def share(items: list[SyntheticCase], pred) -> float:  # type: ignore[no-untyped-def]
    return sum(1 for c in items if pred(c)) / len(items)


def age_on(c: SyntheticCase) -> int:
    p = c.person
    if p.birth_date is None:
        assert p.estimated_age is not None
        return p.estimated_age
    b, r = p.birth_date, c.reported_on
    return r.year - b.year - ((r.month, r.day) < (b.month, b.day))


def is_cyrillic(text: str) -> bool:
    return all(ch in " -" or unicodedata.name(ch, "").startswith("CYRILLIC") for ch in text)


def names(c: SyntheticCase) -> list[str]:
    p = c.person
    return [p.family_name, p.given_name] + ([p.patronymic] if p.patronymic else [])


LATIN = re.compile(r"[A-Za-z][A-Za-z' -]*")


# --- reproducible ----------------------------------------------------------------------------------


def test_the_same_seed_and_day_give_the_same_cases() -> None:
    first = list(generate_cases(500, seed=42, today=TODAY))
    assert first == list(generate_cases(500, seed=42, today=TODAY))
    assert first != list(generate_cases(500, seed=43, today=TODAY))


def test_a_longer_run_starts_with_the_cases_of_a_shorter_one() -> None:
    assert (
        list(generate_cases(50, seed=1, today=TODAY)) == list(generate_cases(200, seed=1, today=TODAY))[:50]
    )


def test_it_gives_exactly_the_number_of_cases_asked_for() -> None:
    assert len(list(generate_cases(1234, today=TODAY))) == 1234
    assert list(generate_cases(0, today=TODAY)) == []


def test_a_negative_count_or_a_day_before_2019_is_refused_at_once() -> None:
    with pytest.raises(ValueError):
        generate_cases(-1)
    with pytest.raises(ValueError):
        generate_cases(10, today=date(2018, 12, 31))


def test_cases_are_ordinary_frozen_values(cases: list[SyntheticCase]) -> None:
    c = cases[0]
    assert type(c) is SyntheticCase and type(c.person) is SyntheticPerson
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.narrative = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.person.given_name = "changed"  # type: ignore[misc]
    rebuilt = SyntheticCase(
        **{f.name: getattr(c, f.name) for f in dataclasses.fields(SyntheticCase) if f.name != "person"},
        person=SyntheticPerson(
            **{f.name: getattr(c.person, f.name) for f in dataclasses.fields(SyntheticPerson)}
        ),
    )
    assert rebuilt == c and hash(rebuilt) == hash(c)
    assert pickle.loads(pickle.dumps(c)) == c  # noqa: S301 (our own bytes)
    assert dataclasses.replace(c, narrative="x").narrative == "x"


# --- the mix of the region -------------------------------------------------------------------------


def test_nationalities_follow_the_regional_mix(cases: list[SyntheticCase]) -> None:
    expected = {"UZ": 0.30, "KZ": 0.25, "KG": 0.20, "TJ": 0.20, "RU": 0.05}
    counts = Counter(c.person.citizenship for c in cases)
    assert set(counts) == set(expected)
    for country, target in expected.items():
        assert counts[country] / N == pytest.approx(target, abs=0.015), country


def test_the_main_migration_and_trafficking_corridors_carry_the_expected_shares(
    cases: list[SyntheticCase],
) -> None:
    expected = {
        ("UZ", "RU"): 0.114,
        ("UZ", "KZ"): 0.096,
        ("UZ", "TR"): 0.042,
        ("KG", "RU"): 0.110,
        ("KG", "KZ"): 0.056,
        ("TJ", "RU"): 0.140,
        ("TJ", "KZ"): 0.024,
        ("KZ", "KZ"): 0.095,
        ("KZ", "AE"): 0.040,
        ("KZ", "KR"): 0.040,
        ("KZ", "TR"): 0.030,
        ("KZ", "TH"): 0.020,
        ("RU", "RU"): 0.020,
    }
    counts = Counter((c.person.citizenship, c.destination_country) for c in cases)
    for route, target in expected.items():
        assert counts[route] / N == pytest.approx(target, abs=0.012), route
    destinations = {c.destination_country for c in cases}
    assert destinations == {"RU", "KZ", "TR", "AE", "TH", "KR", "UZ", "KG", "TJ"}


def test_routes_have_the_typical_exploitation(cases: list[SyntheticCase]) -> None:
    def main_type(cit: str, dest: str) -> Counter[str]:
        return Counter(
            c.exploitation_types[0]
            for c in cases
            if c.person.citizenship == cit and c.destination_country == dest
        )

    for cit in ("UZ", "KG", "TJ"):
        to_russia = main_type(cit, "RU")
        assert to_russia["labour"] / to_russia.total() > 0.6, cit
    for dest in ("AE", "TH"):
        gulf = main_type("KZ", dest)
        assert gulf["sexual"] / gulf.total() > 0.6, dest
    internal = main_type("KZ", "KZ")
    assert internal["labour"] + internal["sexual"] > 0.5 * internal.total()


def test_tajik_migrants_to_russia_sometimes_cross_kazakhstan(cases: list[SyntheticCase]) -> None:
    tajik_to_russia = [c for c in cases if c.person.citizenship == "TJ" and c.destination_country == "RU"]
    assert 0.25 < share(tajik_to_russia, lambda c: "KZ" in c.transit_countries) < 0.5


def test_cases_are_mostly_opened_in_the_destination_country(cases: list[SyntheticCase]) -> None:
    assert share(cases, lambda c: c.found_in_country == c.destination_country) > 0.65
    # the others at home after return, or at a border on the way
    assert all(
        c.found_in_country in (c.person.citizenship, *c.transit_countries, c.destination_country)
        for c in cases
    )
    assert share(cases, lambda c: c.found_in_country in c.transit_countries) > 0


def test_most_are_recruited_at_home(cases: list[SyntheticCase]) -> None:
    assert share(cases, lambda c: c.recruitment_country == c.person.citizenship) > 0.95
    # the others were recruited where they already worked, in Russia or Kazakhstan
    assert {c.recruitment_country for c in cases if c.recruitment_country != c.person.citizenship} <= {
        "RU",
        "KZ",
    }


def test_every_country_code_is_a_real_iso_code(cases: list[SyntheticCase]) -> None:
    codes = set()
    for c in cases:
        codes |= {c.person.citizenship, c.recruitment_country, c.destination_country, c.found_in_country}
        codes |= set(c.transit_countries)
    assert codes and all(is_country(code) for code in codes), sorted(codes)


# --- forms of exploitation and sex ----------------------------------------------------------------


def test_each_case_has_one_or_two_forms_of_exploitation(cases: list[SyntheticCase]) -> None:
    for c in cases:
        assert 1 <= len(c.exploitation_types) <= 2
        assert set(c.exploitation_types) <= TYPES
        assert len(set(c.exploitation_types)) == len(c.exploitation_types)
    assert 0.05 < share(cases, lambda c: len(c.exploitation_types) == 2) < 0.2


def test_the_main_form_of_exploitation_follows_the_regional_mix(cases: list[SyntheticCase]) -> None:
    expected = {
        "labour": 0.55,
        "sexual": 0.30,
        "domestic_servitude": 0.06,
        "forced_begging": 0.03,
        "forced_criminality": 0.02,
        "forced_marriage": 0.02,
        "organ_removal": 0.005,
        "other": 0.015,
    }
    counts = Counter(c.exploitation_types[0] for c in cases)
    for etype, target in expected.items():
        assert counts[etype] / N == pytest.approx(target, abs=max(0.015, target * 0.3)), etype


def test_victims_of_sexual_exploitation_are_mostly_women_and_of_labour_mostly_men(
    cases: list[SyntheticCase],
) -> None:
    sexual = [c for c in cases if c.exploitation_types[0] == "sexual"]
    labour = [c for c in cases if c.exploitation_types[0] == "labour"]
    assert share(sexual, lambda c: c.person.sex == "female") > 0.85
    assert share(labour, lambda c: c.person.sex == "male") > 0.65
    assert {c.person.sex for c in cases} == {"female", "male", "unknown"}
    assert share(cases, lambda c: c.person.sex == "unknown") < 0.02


# --- ages and dates --------------------------------------------------------------------------------


def test_nobody_is_born_in_the_future_and_ages_run_from_14_to_55(cases: list[SyntheticCase]) -> None:
    for c in cases:
        if c.person.birth_date is not None:
            assert c.person.birth_date < c.reported_on <= TODAY
        assert 14 <= age_on(c) <= 55


def test_about_one_in_eight_is_a_child(cases: list[SyntheticCase]) -> None:
    assert share(cases, lambda c: age_on(c) < 18) == pytest.approx(0.12, abs=0.02)


def test_about_one_in_ten_birth_dates_is_unknown_and_the_age_estimated(cases: list[SyntheticCase]) -> None:
    unknown = share(cases, lambda c: c.person.birth_date is None)
    assert unknown == pytest.approx(0.10, abs=0.02)
    assert all((c.person.birth_date is None) == (c.person.estimated_age is not None) for c in cases)


def test_cases_are_reported_between_2019_and_today(cases: list[SyntheticCase]) -> None:
    days = [c.reported_on for c in cases]
    assert min(days) >= date(2019, 1, 1) and max(days) <= TODAY
    assert {d.year for d in days} == set(range(2019, 2026))


# --- names -----------------------------------------------------------------------------------------


def test_names_in_kazakhstan_kyrgyzstan_tajikistan_and_russia_are_in_cyrillic(
    cases: list[SyntheticCase],
) -> None:
    for c in cases:
        if c.person.citizenship in ("KZ", "KG", "TJ", "RU"):
            assert all(is_cyrillic(n) for n in names(c)), names(c)


def test_uzbek_names_are_in_latin_or_cyrillic_about_half_each(cases: list[SyntheticCase]) -> None:
    uzbeks = [c for c in cases if c.person.citizenship == "UZ"]
    for c in uzbeks:
        written = names(c)
        assert all(is_cyrillic(n) for n in written) or all(LATIN.fullmatch(n) for n in written), written
    assert share(uzbeks, lambda c: is_cyrillic(c.person.family_name)) == pytest.approx(0.5, abs=0.05)


def test_latin_forms_are_plain_ascii_letters_as_in_a_passport(cases: list[SyntheticCase]) -> None:
    for c in cases:
        for n in (c.person.family_name_latin, c.person.given_name_latin):
            assert LATIN.fullmatch(n), n


def test_names_use_the_letters_of_their_own_language(cases: list[SyntheticCase]) -> None:
    def letters(country: str) -> set[str]:
        return {ch for c in cases if c.person.citizenship == country for n in names(c) for ch in n.upper()}

    assert set("ӘҒҚҢӨҰҮІ") <= letters("KZ")
    assert set("ӨҮҢ") <= letters("KG")
    assert set("ҶӮҲҒҚӢ") <= letters("TJ")
    assert set("ЁЬ") <= letters("RU")
    assert {"Ў", "Ғ", "Қ", "Ҳ"} <= letters("UZ")


def test_passport_spellings_follow_each_countrys_practice(cases: list[SyntheticCase]) -> None:
    seen = {}
    for c in cases:
        p = c.person
        seen[p.given_name] = p.given_name_latin
        seen[p.family_name] = p.family_name_latin
    expected = {
        "Әлия": "Aliya",  # Kazakhstan
        "Нұрлан": "Nurlan",
        "Жансая": "Zhansaya",
        "Өмүрбек": "Omurbek",  # Kyrgyzstan
        "Жылдыз": "Zhyldyz",
        "Ҷамшед": "Jamshed",  # Tajikistan
        "Ӯмед": "Umed",
        "Хуршед": "Khurshed",
        "Қурбонов": "Qurbonov",
        "Шоҳрух": "Shohrukh",
        "Наталья": "Natalia",  # Russia, ICAO 9303
        "Юлия": "Iuliia",
        "Ғуломов": "G'ulomov",  # Uzbekistan, the Latin alphabet
        "Хуршид": "Xurshid",
        "Ўткир": "O'tkir",
    }
    for native, latin in expected.items():
        assert seen.get(native) == latin, native


def test_women_carry_the_female_form_of_the_family_name(cases: list[SyntheticCase]) -> None:
    women = [c for c in cases if c.person.sex == "female" and c.person.citizenship in ("RU", "KZ", "KG")]
    endings = ("ова", "ева", "ёва", "ина", "ая", "қызы", "кызы")
    assert share(women, lambda c: c.person.family_name.endswith(endings)) > 0.95
    assert not any(c.person.family_name.endswith(("ов", "ев", "ин")) for c in women)


def test_patronymics_follow_each_countrys_custom(cases: list[SyntheticCase]) -> None:
    def with_patronymic(country: str) -> float:
        return share([c for c in cases if c.person.citizenship == country], lambda c: c.person.patronymic)

    assert with_patronymic("RU") > 0.9
    assert with_patronymic("TJ") < 0.6
    men = [c.person.patronymic for c in cases if c.person.sex == "male" and c.person.patronymic]
    women = [c.person.patronymic for c in cases if c.person.sex == "female" and c.person.patronymic]
    assert all(p.endswith(("ич", "ұлы", "уулу", "ўғли", "o'g'li")) for p in men)
    assert all(p.endswith(("на", "қызы", "кызы", "қизи", "qizi")) for p in women)
    # a name such as "Асан уулу" is already a patronymic and gets no second one
    assert not any(c.person.patronymic and c.person.family_name.endswith(("уулу", "кызы")) for c in cases)


def test_each_nationality_has_a_wide_choice_of_names(cases: list[SyntheticCase]) -> None:
    for country in ("UZ", "KZ", "KG", "TJ", "RU"):
        people = [c.person for c in cases if c.person.citizenship == country]
        for sex in ("male", "female"):
            assert len({p.given_name_latin for p in people if p.sex == sex}) >= 40, (country, sex)
        assert len({p.family_name_latin for p in people if p.sex == "male"}) >= 40, country


# --- documents, phones, languages, narrative -------------------------------------------------------

DOCUMENTS = {
    ("KZ", "passport"): r"N\d{8}",
    ("KZ", "id_card"): r"\d{9}",
    ("UZ", "passport"): r"(AA|AB|AC|FA)\d{7}",
    ("UZ", "id_card"): r"AD\d{7}",
    ("KG", "passport"): r"A[CN]\d{7}",
    ("KG", "id_card"): r"ID\d{7}",
    ("TJ", "passport"): r"[45]\d{8}",
    ("RU", "passport"): r"\d\d \d\d \d{6}|7\d \d{7}",
}
PHONES = {
    "KZ": r"\+77\d{9}",
    "UZ": r"\+998\d{9}",
    "KG": r"\+996[57]\d{8}",
    "TJ": r"\+9929\d{8}",
    "RU": r"\+79\d{9}",
}


def test_document_numbers_and_phones_look_like_each_countrys(cases: list[SyntheticCase]) -> None:
    for c in cases:
        p = c.person
        assert (p.document_type is None) == (p.document_number is None)
        if p.document_type == "birth_certificate":
            assert age_on(c) < 16
            assert re.fullmatch(r"[IV]+-\w\w \d{6}", p.document_number or "")
        elif p.document_type is not None:
            assert re.fullmatch(DOCUMENTS[p.citizenship, p.document_type], p.document_number or ""), p
        if p.phone is not None:
            assert re.fullmatch(PHONES[p.citizenship], p.phone), p.phone
    assert share(cases, lambda c: c.person.document_type is None) == pytest.approx(0.15, abs=0.02)


def test_languages_are_bcp47_codes_of_the_region(cases: list[SyntheticCase]) -> None:
    first = {"KZ": {"kk", "ru"}, "UZ": {"uz"}, "KG": {"ky", "ru"}, "TJ": {"tg"}, "RU": {"ru"}}
    for c in cases:
        langs = c.person.languages
        assert langs and set(langs) <= {"kk", "uz", "ky", "tg", "ru", "en"}
        assert langs[0] in first[c.person.citizenship]


def test_narratives_are_generic_sentences_in_english_or_russian(cases: list[SyntheticCase]) -> None:
    russian = 0
    for c in cases:
        text = c.narrative
        assert text.endswith(".") and "; " in text and len(text) < 300
        in_russian = is_cyrillic(text[0])
        russian += in_russian
        if c.recruitment_place is not None:
            # the town is written in the language of the narrative
            assert is_cyrillic(c.recruitment_place) == in_russian, (c.recruitment_place, text)
    assert russian / N == pytest.approx(0.4, abs=0.03)
    assert share(cases, lambda c: c.recruitment_place is None) == pytest.approx(0.10, abs=0.02)
