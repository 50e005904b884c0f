"""Screening rulesets: the bundled one loads and says what it should; a bad one (unknown codes,
codes defined twice, missing weights, cycles, purposes outside the NRM's exploitation types, a
child rule resting on means ...) is refused at load with a message naming the problem."""

from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qorgau.nrm.rules import ExploitationType
from qorgau.screening.rules import Section, Weight
from qorgau.screening.ruleset import (
    RULESET_DIR,
    RulesetError,
    available_versions,
    current_ruleset,
    load_ruleset,
    load_ruleset_file,
)

# A published version is never edited: stored screenings name it and must evaluate again to the
# same result. A change of rules is a new file with a new version (and a new line here).
PUBLISHED = {
    "2026.1": "91a30f372a509567d73d0be62d814e3163bc72cf3835110ad830f802cffc4e9e",
    "2026.2": "f32d0c094df3dcc1a21fdffd764cb6d628a7a99b93789038a20d0775f6b9ae43",
}

GOOD = json.loads((RULESET_DIR / "2026.1.json").read_text(encoding="utf-8"))


def write(tmp_path: Path, change: Callable[[dict[str, Any]], None], name: str = "2026.1") -> Path:
    data = copy.deepcopy(GOOD)
    change(data)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def refused(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> str:
    with pytest.raises(RulesetError) as info:
        load_ruleset_file(write(tmp_path, change))
    message = str(info.value)
    assert message.startswith("screening ruleset 2026.1.json is refused:")
    return message


def derived(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(d for d in data["derived"] if d["code"] == code)


def delphi_indicator(data: dict[str, Any], list_id: str, dimension: str, i: int = 0) -> dict[str, Any]:
    lst = next(x for x in data["delphi"]["lists"] if x["id"] == list_id)
    dim = next(x for x in lst["dimensions"] if x["id"] == dimension)
    return dim["indicators"][i]  # type: ignore[no-any-return]


# --- The bundled ruleset -------------------------------------------------------------------------


def test_the_bundled_ruleset_loads_and_is_current() -> None:
    assert available_versions() == ["2026.1", "2026.2"]
    ruleset = current_ruleset()
    assert ruleset.version == "2026.2"  # new screenings use 2026.2; 2026.1 stays for old ones
    assert load_ruleset("2026.2") is ruleset  # checked once, then kept
    assert load_ruleset("2026.1").version == "2026.1"


def test_published_versions_are_never_edited() -> None:
    for version in available_versions():
        digest = hashlib.sha256((RULESET_DIR / f"{version}.json").read_bytes()).hexdigest()
        assert PUBLISHED.get(version) == digest, f"ruleset {version} changed: publish a new version instead"


@pytest.mark.parametrize("version", ["2026.1", "2026.2"])
def test_the_ruleset_holds_every_framework_with_stable_codes(version: str) -> None:
    ruleset = load_ruleset(version)
    sections = Counter(ind.section for ind in ruleset.indicators.values())
    assert sections == {
        Section.ACT: 5,
        Section.MEANS: 9,
        Section.PURPOSE: 8,
        Section.ILO: 11,
        Section.DELPHI: 264,
        Section.FACTOR: 6,
        **({Section.OFFICER: 1} if version == "2026.2" else {}),
    }
    assert {
        f"act.{a}" for a in ("recruitment", "transportation", "transfer", "harbouring", "receipt")
    } <= set(ruleset.indicators)
    assert {
        ind.exploitation_type for ind in ruleset.indicators.values() if ind.section == Section.PURPOSE
    } == set(ExploitationType)
    ilo = {code for code, ind in ruleset.indicators.items() if ind.section == Section.ILO}
    assert ilo == {
        "ilo.abuse_of_vulnerability",
        "ilo.deception",
        "ilo.restriction_of_movement",
        "ilo.isolation",
        "ilo.physical_sexual_violence",
        "ilo.intimidation_threats",
        "ilo.retention_of_identity_documents",
        "ilo.withholding_of_wages",
        "ilo.debt_bondage",
        "ilo.abusive_working_living_conditions",
        "ilo.excessive_overtime",
    }
    for code, ind in ruleset.indicators.items():
        assert ind.hint.endswith("?") or ind.section in (Section.FACTOR, Section.OFFICER), (
            code
        )  # a question to ask
        if ind.section == Section.DELPHI:
            assert ind.weight in set(Weight)
            list_id, dimension = code.split(".")[1:3]
            assert f"delphi.{list_id}.{dimension}" in {d.code for d in ruleset.derived}
    lists = Counter(code.split(".")[1] for code in ruleset.indicators if code.startswith("delphi."))
    assert lists == {"adult_labour": 67, "adult_sexual": 67, "child_labour": 65, "child_sexual": 65}
    assert {code for code in ruleset.indicators if code.startswith("kz.factor.")} == {
        "kz.factor.dependency",
        "kz.factor.young_age",
        "kz.factor.old_age",
        "kz.factor.disability",
        "kz.factor.lack_of_parental_care",
        "kz.factor.other",
    }


def test_derived_indicators_come_after_what_they_refer_to() -> None:
    ruleset = load_ruleset("2026.1")
    order = [d.code for d in ruleset.derived]
    assert (
        order.index("ilo.forced_labour")
        < order.index("palermo.purpose")
        < order.index("palermo.two_elements")
    )
    assert ruleset.rests_on["palermo.child_trafficking"].isdisjoint(
        {c for c, ind in ruleset.indicators.items() if ind.section == Section.MEANS}
    )


# --- Bad rulesets are refused, with the problem named ---------------------------------------------


def test_an_unknown_code_in_a_derived_rule(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: derived(d, "palermo.act")["rule"]["any"].append("act.kidnapping"))
    assert "derived indicator palermo.act refers to unknown code act.kidnapping" in message


def test_an_unknown_code_in_an_outcome_rule(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: d["outcomes"][0].update(when="palermo.adult_trafficing"))
    assert "outcome rule 1 (likely_victim when palermo.adult_trafficing) refers to unknown code" in message


def test_a_duplicate_code(tmp_path: Path) -> None:
    def dup(d: dict[str, Any]) -> None:
        d["ilo_forced_labour"]["indicators"].append(dict(d["ilo_forced_labour"]["indicators"][1]))

    message = refused(tmp_path, dup)
    assert (
        "duplicate code ilo.deception: defined in ilo_forced_labour and again in ilo_forced_labour" in message
    )


def test_a_derived_code_that_is_also_a_base_code(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: derived(d, "kz.potential_victim").update(code="act.recruitment"))
    assert "duplicate code act.recruitment: defined in palermo.acts and again in derived" in message


def test_a_missing_weight(tmp_path: Path) -> None:
    message = refused(
        tmp_path, lambda d: delphi_indicator(d, "adult_labour", "deceptive_recruitment").pop("weight")
    )
    assert (
        "operational indicator delphi.adult_labour.deceptive_recruitment.deceived_about_nature_of_job has no "
        "weight: give strong, medium or weak" in message
    )


def test_a_weight_that_is_not_one(tmp_path: Path) -> None:
    message = refused(
        tmp_path,
        lambda d: delphi_indicator(d, "child_labour", "coercion_at_destination").update(weight="huge"),
    )
    assert (
        "delphi.lists.2.dimensions.4.indicators.0.weight: Input should be 'strong', 'medium' or 'weak'"
        in message
    )


def test_a_cycle_of_derived_indicators(tmp_path: Path) -> None:
    message = refused(
        tmp_path, lambda d: derived(d, "palermo.act")["rule"]["any"].append("palermo.two_elements")
    )
    cycle = "palermo.act -> palermo.two_elements -> palermo.act"
    assert f"derived indicators refer to each other in a cycle: {cycle}" in message


def test_a_derived_indicator_that_refers_to_itself(tmp_path: Path) -> None:
    message = refused(
        tmp_path, lambda d: derived(d, "ilo.forced_labour")["rule"]["of"].append("ilo.forced_labour")
    )
    assert "cycle: ilo.forced_labour -> ilo.forced_labour" in message


def test_a_purpose_outside_the_nrm_exploitation_types(tmp_path: Path) -> None:
    def slavery(d: dict[str, Any]) -> None:
        d["palermo"]["purposes"].append(
            {"code": "purpose.slavery", "label": "Slavery", "exploitation_type": "slavery", "hint": "Owned?"}
        )

    message = refused(tmp_path, slavery)
    assert (
        "purpose purpose.slavery: 'slavery' is not an NRM exploitation type (one of sexual, labour,"
        in message
    )


def test_an_exploitation_type_without_a_purpose(tmp_path: Path) -> None:
    def drop(d: dict[str, Any]) -> None:
        d["palermo"]["purposes"] = [
            p for p in d["palermo"]["purposes"] if p["exploitation_type"] != "organ_removal"
        ]

    message = refused(tmp_path, drop)
    assert "no purpose for the NRM exploitation type 'organ_removal'" in message
    assert "refers to unknown code purpose.organ_removal" in message  # and whatever used it


def test_a_purpose_coded_against_its_type(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: d["palermo"]["purposes"][0].update(exploitation_type="labour"))
    assert "purpose purpose.sexual should be coded purpose.labour" in message


def test_a_child_rule_resting_on_means(tmp_path: Path) -> None:
    message = refused(
        tmp_path, lambda d: derived(d, "palermo.child_trafficking")["rule"]["all"].append("palermo.means")
    )
    assert (
        "outcome rule 4 (refer_to_child_protection when palermo.child_trafficking) applies to children"
        in message
    )
    assert "rests on means (means.abduction, means.abuse_of_power," in message


def test_child_protection_for_adults(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: d["outcomes"][3].update(applies_to="any"))
    assert "refers to child protection but applies to any, not child" in message


def test_a_reason_without_a_message(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: d["outcomes"][0].update(reason="because"))
    assert "reason 'because' has no message" in message


def test_a_threshold_that_asks_for_nothing(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: d["delphi"]["dimension_rule"].append({}))
    assert "delphi.dimension_rule[4] asks for nothing" in message


def test_at_least_more_than_there_is(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: derived(d, "palermo.two_elements")["rule"].update(at_least=4))
    assert "derived indicator palermo.two_elements asks for at least 4 of only 3 terms" in message


def test_a_code_in_the_wrong_section(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: d["palermo"]["acts"][0].update(code="means.recruitment"))
    assert "palermo.acts: code means.recruitment should start with act." in message


def test_a_country_that_is_not_one(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: d["potential_victim_factors"][0].update(countries=["ZZ"]))
    assert "potential_victim_factors[0]: 'ZZ' is not an ISO 3166-1 alpha-2 country code" in message


def test_an_unknown_source(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: d["delphi"].update(source="delfi"))
    assert "delphi cites unknown source delfi" in message


def test_an_unknown_field(tmp_path: Path) -> None:
    message = refused(tmp_path, lambda d: d["palermo"]["acts"][0].update(wieght="strong"))
    assert "palermo.acts.0.wieght: Extra inputs are not permitted" in message


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    def many(d: dict[str, Any]) -> None:
        delphi_indicator(d, "adult_sexual", "exploitative_conditions").pop("weight")
        derived(d, "palermo.means")["rule"]["any"].append("means.bribery")

    message = refused(tmp_path, many)
    assert "has no weight" in message and "unknown code means.bribery" in message


def test_a_version_that_is_not_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match=r"the file says version 2026\.1 but is named 2026\.2"):
        load_ruleset_file(write(tmp_path, lambda d: None, name="2026.2"))


def test_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "2026.1.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(RulesetError, match=r"screening ruleset 2026\.1\.json cannot be read"):
        load_ruleset_file(path)


# --- Versions ------------------------------------------------------------------------------------


def test_the_current_ruleset_is_the_highest_version(tmp_path: Path) -> None:
    for version in ("2026.1", "2026.2", "2026.10"):
        write(tmp_path, lambda d, v=version: d.update(version=v), name=version)  # type: ignore[misc]
    assert available_versions(tmp_path) == ["2026.1", "2026.2", "2026.10"]
    assert current_ruleset(tmp_path).version == "2026.10"
    assert load_ruleset("2026.2", tmp_path).version == "2026.2"


def test_a_version_that_is_not_there_or_not_a_version(tmp_path: Path) -> None:
    with pytest.raises(
        RulesetError, match=r"there is no screening ruleset 2025\.1 \(there are: 2026\.1, 2026\.2\)"
    ):
        load_ruleset("2025.1")
    with pytest.raises(RulesetError, match="is not a ruleset version"):
        load_ruleset("../../etc/passwd")


def test_a_misnamed_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, lambda d: None)
    (tmp_path / "latest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RulesetError, match=r"not named by a version .*: latest"):
        available_versions(tmp_path)


def test_no_ruleset_at_all(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match="no screening ruleset in"):
        current_ruleset(tmp_path)
