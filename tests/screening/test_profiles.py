"""Country legal profiles: the bundled ones load and cite their sources, the machine fields the
rules read are typed, a broken profile is refused with a message that names the file and the
field, the template holds every field, and the comparison has a cell per country."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from qorgau.config import Settings
from qorgau.screening import profiles
from qorgau.screening.profiles import (
    PROFILE_DIR,
    TEMPLATE_NAME,
    CountryProfile,
    LegalFlag,
    ProfileError,
    _Sourced,
    comparison_rows,
    load_profile,
    load_profiles,
    open_questions,
    profile_for,
    statutory_reflection_days,
    template,
)

CENTRAL_ASIA = ("KZ", "UZ", "KG", "TJ")
FLAGS = ("potential_victim_status", "non_punishment", "residence_permit_for_foreign_victims")


def sections(value: Any, path: str = "") -> list[tuple[str, _Sourced]]:
    """Every part of a profile that must carry its own sources."""
    found: list[tuple[str, _Sourced]] = []
    if isinstance(value, _Sourced):
        found.append((path, value))
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            found += sections(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += sections(item, f"{path}[{i}]")
    return found


def kz_data() -> dict[str, Any]:
    return json.loads((PROFILE_DIR / "KZ.json").read_text(encoding="utf-8"))


def write(directory: Path, name: str, data: object) -> Path:
    path = directory / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- the bundled profiles --------------------------------------------------------------------


def test_the_four_central_asian_countries_have_a_profile():
    profiles = load_profiles()
    assert set(CENTRAL_ASIA) <= set(profiles)
    assert list(profiles) == sorted(profiles)
    for code, profile in profiles.items():
        assert profile.country == code
        assert profile.last_reviewed <= date.today()
    assert {profiles[c].name for c in CENTRAL_ASIA} == {
        "Kazakhstan",
        "Uzbekistan",
        "Kyrgyzstan",
        "Tajikistan",
    }


@pytest.mark.parametrize("code", CENTRAL_ASIA)
def test_every_section_cites_a_source(code):
    profile = profile_for(code)
    assert profile is not None
    found = sections(profile)
    # primary law, the nine sections of the comparison, the four machine fields; the related laws
    assert len(found) == 14 + len(profile.related_laws)
    for path, section in found:
        assert section.sources, path
        for source in section.sources:
            assert source.title and (source.citation or source.url), (code, path)


@pytest.mark.parametrize("code", ("KZ", "UZ", "KG"))
def test_the_kakeshov_comparison_is_cited(code):
    """Kakeshov (2025) compares these three countries: it is the main source of their profiles."""
    profile = profile_for(code)
    assert profile is not None
    cited = {
        path for path, s in sections(profile) if any("Kakeshov" in (x.citation or "") for x in s.sources)
    }
    assert {"definition", "criminalisation", "penalties", "victim_protection", "coordinating_bodies"} <= cited
    assert {"children", "international_cooperation"} <= cited


def test_kazakhstan_has_its_2024_law_and_a_potential_victim_status():
    kz = profile_for("KZ")
    assert kz is not None
    assert kz.primary_law.number == "110-VIII ZRK"
    assert kz.primary_law.date == date(2024, 7, 5)
    assert kz.primary_law.url == "https://adilet.zan.kz/rus/docs/Z2400000110"
    assert [a.article for a in kz.criminalisation.articles] == ["128", "135"]
    assert kz.potential_victim_status.value is True
    assert kz.definition.means_required_for_adults is False


def test_primary_laws_of_the_other_three():
    uz, kg, tj = profile_for("UZ"), profile_for("KG"), profile_for("TJ")
    assert uz is not None and kg is not None and tj is not None
    assert (uz.primary_law.number, uz.primary_law.date) == ("ZRU-154", date(2008, 4, 17))
    assert "135" in [a.article for a in uz.criminalisation.articles]
    assert (kg.primary_law.number, kg.primary_law.date) == ("55", date(2005, 3, 17))
    assert (tj.primary_law.number, tj.primary_law.date) == ("1096", date(2014, 7, 26))
    assert [a.article for a in tj.criminalisation.articles] == ["130.1", "167"]


@pytest.mark.parametrize("code", CENTRAL_ASIA)
def test_machine_fields_are_typed(code):
    profile = profile_for(code)
    assert profile is not None
    days = profile.reflection_period_days
    assert type(days.value) is int and 1 <= days.value <= 365
    assert type(days.statutory) is bool
    if not days.statutory:
        assert days.value == 30 and days.notes
    for name in FLAGS:
        flag = getattr(profile, name)
        assert isinstance(flag, LegalFlag)
        assert flag.value is None or type(flag.value) is bool, name


@pytest.mark.parametrize("code", CENTRAL_ASIA)
def test_what_is_not_settled_is_marked_to_be_confirmed(code):
    profile = profile_for(code)
    assert profile is not None
    open_fields = {path for path, _note in open_questions(profile)}
    for name in FLAGS:
        if getattr(profile, name).value is None:
            assert name in open_fields
    if not profile.reflection_period_days.statutory:
        assert "reflection_period_days" in open_fields


def _with_reflection(days: int, statutory: bool) -> CountryProfile:
    kz = profile_for("KZ")
    assert kz is not None
    period = kz.reflection_period_days.model_copy(update={"value": days, "statutory": statutory})
    return kz.model_copy(update={"reflection_period_days": period})


def test_only_a_reflection_period_the_law_sets_counts_as_the_law():
    assert statutory_reflection_days(_with_reflection(60, statutory=True)) == 60
    # A profile's 30 days "not statutory" records the project default: it is no law of its own.
    assert statutory_reflection_days(_with_reflection(30, statutory=False)) is None
    assert statutory_reflection_days(None) is None


def test_a_case_gets_the_node_setting_then_the_law_then_the_default(monkeypatch, tmp_path):
    by_law = {"KZ": _with_reflection(60, statutory=True), "UZ": _with_reflection(30, statutory=False)}
    monkeypatch.setattr(profiles, "profile_for", by_law.get)
    settings = Settings(
        data_dir=tmp_path, reflection_period_days={"KG": 90}, default_reflection_period_days=45
    )
    assert settings.reflection_days("KG") == 90  # the node's own setting wins
    assert settings.reflection_days("KZ") == 60  # the law's period
    assert settings.reflection_days("UZ") == 45  # no law on it: the node's default
    assert settings.reflection_days("FR") == 45  # no profile at all


def test_profile_for_takes_any_case_and_knows_only_the_profiled_countries():
    assert profile_for(" kz ") is profile_for("KZ")
    assert profile_for("FR") is None


# --- broken profiles are refused -------------------------------------------------------------


def test_a_profile_whose_country_is_not_its_file_name_is_refused(tmp_path):
    write(tmp_path, "UZ.json", kz_data())
    with pytest.raises(ProfileError, match=r"UZ\.json: country is 'KZ' but the file is named UZ\.json"):
        load_profiles(tmp_path)


def test_a_missing_field_is_refused_and_named(tmp_path):
    data = kz_data()
    del data["penalties"]
    del data["reflection_period_days"]["value"]
    write(tmp_path, "KZ.json", data)
    with pytest.raises(ProfileError) as refused:
        load_profiles(tmp_path)
    assert "KZ.json: " in str(refused.value)
    assert "penalties: Field required" in str(refused.value)
    assert "reflection_period_days.value: Field required" in str(refused.value)


def test_an_unknown_country_code_is_refused(tmp_path):
    data = kz_data()
    data["country"] = "XX"
    write(tmp_path, "XX.json", data)
    with pytest.raises(ProfileError, match=r"XX\.json: 'XX' is not an ISO 3166-1 alpha-2 country code"):
        load_profiles(tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["reflection_period_days"].update(value="30"), "reflection_period_days.value"),
        (lambda d: d["reflection_period_days"].update(value=True), "reflection_period_days.value"),
        (lambda d: d["reflection_period_days"].update(value=0), "reflection_period_days.value"),
        (lambda d: d["potential_victim_status"].update(value="yes"), "potential_victim_status.value"),
        (lambda d: d["non_punishment"].update(notes=None), 'notes must say "to be confirmed"'),
        (lambda d: d["reflection_period_days"].update(notes=None), "needs notes"),
        (lambda d: d["penalties"].update(sources=[]), "penalties.sources"),
        (lambda d: d["penalties"]["sources"][0].update(citation=None, url=None), "a citation or a url"),
        (lambda d: d["primary_law"].update(url="adilet.zan.kz"), "primary_law.url"),
        (lambda d: d.update(penalty="typo"), "penalty: Extra inputs are not permitted"),
        (lambda d: d.update(country="kz"), "country"),
        (lambda d: d.update(last_reviewed="last week"), "last_reviewed"),
    ],
)
def test_a_wrong_value_is_refused_with_its_field(tmp_path, change, message):
    data = copy.deepcopy(kz_data())
    change(data)
    path = write(tmp_path, "KZ.json", data)
    with pytest.raises(ProfileError, match=r"^KZ\.json: ") as refused:
        load_profile(path)
    assert message in str(refused.value)


def test_a_file_that_is_not_json_or_not_an_object_is_refused(tmp_path):
    (tmp_path / "KZ.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"KZ\.json: cannot read the profile"):
        load_profiles(tmp_path)
    write(tmp_path, "KZ.json", [kz_data()])
    with pytest.raises(ProfileError, match=r"KZ\.json: a profile is a JSON object"):
        load_profiles(tmp_path)


def test_a_directory_without_profiles_is_refused_and_the_template_is_skipped(tmp_path):
    write(tmp_path, TEMPLATE_NAME, template())
    with pytest.raises(ProfileError, match="no country profiles"):
        load_profiles(tmp_path)
    write(tmp_path, "KZ.json", kz_data())
    assert list(load_profiles(tmp_path)) == ["KZ"]


# --- the template ----------------------------------------------------------------------------


def model_paths(model: type[BaseModel], path: str = "") -> set[str]:
    paths: set[str] = set()
    for name, field in model.model_fields.items():
        where = f"{path}.{name}" if path else name
        paths.add(where)
        annotation = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                paths |= model_paths(candidate, where)
    return paths


def data_paths(value: Any, path: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            paths.add(where)
            paths |= data_paths(item, where)
    elif isinstance(value, list):
        for item in value:
            paths |= data_paths(item, path)
    return paths


def test_the_template_file_is_the_generated_template():
    on_disk = json.loads((PROFILE_DIR / TEMPLATE_NAME).read_text(encoding="utf-8"))
    assert on_disk == template(), (
        "src/qorgau/screening/profiles/_template.json is out of date: regenerate it with "
        "python -c 'from qorgau.screening.profiles import write_template; write_template()'"
    )


def test_the_template_has_every_field_empty_and_described():
    blank = template()
    about = blank.pop("_about")
    assert data_paths(blank) == model_paths(CountryProfile)
    leaves = [v for v in _leaves(blank)]
    assert leaves and all(v is None or v == [] for v in leaves)
    described = {key.replace("[]", "") for key in about}
    for path in model_paths(CountryProfile):
        last = path.rsplit(".", 1)[-1]
        generic = f"<section>.sources.{last}" if ".sources." in path else f"<section>.{last}"
        assert path in described or generic in described or f"<section>.{last}" in described, path


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list) and value:
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def test_a_filled_in_template_is_a_valid_profile(tmp_path):
    """Every field of the template is one the loader accepts: fill it with KZ's values."""
    data = template()
    del data["_about"]
    kz = kz_data()
    assert set(data) == set(kz)
    write(tmp_path, "KZ.json", kz)
    assert load_profiles(tmp_path)["KZ"] == profile_for("KZ")


# --- the comparison --------------------------------------------------------------------------


def test_comparison_rows_have_a_label_and_a_cell_per_country_in_order():
    profiles = load_profiles()
    chosen = [profiles[c] for c in CENTRAL_ASIA]
    rows = comparison_rows(chosen)
    keys = [row.key for row in rows]
    assert keys[0] == "primary_law" and keys[-1] == "last_reviewed"
    for key in (
        "definition",
        "criminalisation",
        "penalties",
        "victim_protection",
        "assistance",
        "prevention",
        "coordinating_bodies",
        "children",
        "international_cooperation",
        "reflection_period_days",
        *FLAGS,
    ):
        assert key in keys
    for row in rows:
        assert row.label
        assert list(row.cells) == list(CENTRAL_ASIA)
        for cell in row.cells.values():
            assert cell.text
            if row.key != "last_reviewed":
                assert cell.sources
    by_key = {row.key: row for row in rows}
    assert "110-VIII" in by_key["primary_law"].cells["KZ"].text
    assert by_key["potential_victim_status"].cells["KZ"].text == "Yes"
    assert by_key["non_punishment"].cells["TJ"].text == "Not known"
    assert (
        by_key["reflection_period_days"].cells["KG"].text == "No period in law; this node's policy: 30 days"
    )
    assert list(comparison_rows(profiles)[0].cells) == sorted(profiles)
