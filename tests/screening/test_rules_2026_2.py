"""Ruleset 2026.2 (issue 16): no clear victim left at "insufficient indicators". Scenarios for each
principle of the ruleset's note, the issue's examples first, each with the outcome expected and
why; properties (hypothesis): adding indicators never lowers the outcome, any indication of
exploitation with an act or a means is at least a potential victim in every country, for a child
the means never matter, old screenings evaluate again to their stored result under their version."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qorgau.nrm.rules import ExploitationType
from qorgau.screening.rules import Outcome, ScreeningInput, ScreeningResult, Section, evaluate
from qorgau.screening.ruleset import (
    RULESET_DIR,
    available_versions,
    current_ruleset,
    lists_to_ask,
    load_ruleset,
    load_ruleset_file,
)

RULESET = load_ruleset("2026.2")
OLD = load_ruleset("2026.1")
OUT = Outcome
AL, AS, CL, CS = (
    f"delphi.{name}." for name in ("adult_labour", "adult_sexual", "child_labour", "child_sexual")
)
GROUNDS = "Her employer answered for her at the border and held her passport."
SIX_MEDIUM = {  # the six medium adult-labour indicators across three dimensions
    AL + "deceptive_recruitment.deceived_about_wages",
    AL + "deceptive_recruitment.deceived_about_conditions_of_work",
    AL + "exploitative_conditions.low_or_no_salary",
    AL + "exploitative_conditions.very_bad_working_conditions",
    AL + "coercion_at_destination.withholding_of_wages",
    AL + "coercion_at_destination.threat_of_denunciation",
}
DECEIVED_SEX_WORK = {"purpose.sexual", AS + "deceptive_recruitment.deceived_about_conditions_of_prostitution"}
FORCED_LABOUR_THREATS = {"purpose.labour", "ilo.intimidation_threats"}


@dataclass(frozen=True)
class Scenario:
    id: str
    country: str
    age: int | None
    indicators: frozenset[str]
    expected: Outcome
    reason: str  # why this outcome, from the principle and its source
    first_reason: str  # the message id the rationale starts with
    old: Outcome | None = None  # what 2026.1 said, where the point is that it changed
    is_child: bool | None = None
    grounds: str | None = None


def s(
    id: str,
    country: str,
    age: int | None,
    indicators: set[str],
    expected: Outcome,
    reason: str,
    first_reason: str,
    *,
    old: Outcome | None = None,
    is_child: bool | None = None,
    grounds: str | None = None,
) -> Scenario:
    return Scenario(
        id, country, age, frozenset(indicators), expected, reason, first_reason, old, is_child, grounds
    )


INSUF, POT, LIKELY, CHILD = (
    OUT.INSUFFICIENT_INDICATORS,
    OUT.POTENTIAL_VICTIM,
    OUT.LIKELY_VICTIM,
    OUT.REFER_TO_CHILD_PROTECTION,
)

SCENARIOS = [
    # --- The examples: insufficient under 2026.1, a potential victim now -------------------
    s(
        "issue-domestic-servitude-violence",
        "UZ",
        34,
        {"purpose.domestic_servitude", "ilo.physical_sexual_violence"},
        POT,
        "Domestic servitude is forced by definition, and violence is an ILO coercion indicator: a means.",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "issue-forced-labour-never-moved",
        "KG",
        41,
        FORCED_LABOUR_THREATS,
        POT,
        "Forced labour with threats: a forced purpose and a means; no move is needed.",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "issue-six-medium-three-dimensions",
        "UZ",
        30,
        SIX_MEDIUM,
        POT,
        "No dimension reaches its threshold; each indicator still shows its element: act, means, purpose.",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "issue-consent-to-sex-work-deceived",
        "KZ",
        27,
        DECEIVED_SEX_WORK,
        POT,
        "Deceived about the conditions of prostitution: a means; her consent is irrelevant (Palermo 3(b)).",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "issue-same-facts-uz",
        "UZ",
        38,
        FORCED_LABOUR_THREATS,
        POT,
        "The same facts give the same outcome in every country.",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "issue-same-facts-kz",
        "KZ",
        38,
        FORCED_LABOUR_THREATS,
        POT,
        "In Kazakhstan too, without needing kz.factor.other.",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "issue-same-facts-tj",
        "TJ",
        38,
        FORCED_LABOUR_THREATS,
        POT,
        "In Tajikistan too.",
        "palermo_indicated",
        old=INSUF,
    ),
    # --- ILO coercion indicators are evidence of a means --------------------------------------------
    s(
        "ilo-deception-is-a-means",
        "KG",
        29,
        {"act.recruitment", "ilo.deception", "purpose.labour"},
        LIKELY,
        "Act, a means (ILO deception) and a purpose: the three elements.",
        "palermo_adult",
        old=POT,
    ),
    s(
        "ilo-documents-held-is-a-means",
        "UZ",
        45,
        {"act.harbouring", "ilo.retention_of_identity_documents", "purpose.sexual"},
        LIKELY,
        "Retention of documents is coercion: act, means, purpose.",
        "palermo_adult",
        old=POT,
    ),
    s(
        "ilo-debt-bondage-and-recruitment",
        "TR",
        33,
        {"act.recruitment", "ilo.debt_bondage"},
        POT,
        "An act and a means (debt bondage), with exploitation indicated by the ILO indicator itself.",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "ilo-overtime-alone",
        "KZ",
        40,
        {"ilo.excessive_overtime"},
        POT,
        "One ILO indicator may in some cases imply forced labour: a potential victim (ILO 2012).",
        "ilo_indicator",
        old=INSUF,
    ),
    s(
        "ilo-two-indicators-likely",
        "KG",
        36,
        {"ilo.excessive_overtime", "ilo.abusive_working_living_conditions"},
        LIKELY,
        "Two or more ILO indicators: likely forced labour, itself a purpose of trafficking.",
        "ilo_forced_labour_likely",
        old=POT,
    ),
    # --- Forced purposes alone ------------------------------------------------------------------------
    s(
        "forced-labour-alone",
        "UZ",
        30,
        {"purpose.labour"},
        POT,
        "Forced labour includes coercion by definition (ILO C29 art. 2(1)).",
        "forced_purpose",
        old=INSUF,
    ),
    s(
        "forced-begging-alone",
        "TJ",
        52,
        {"purpose.forced_begging"},
        POT,
        "Forced by definition.",
        "forced_purpose",
        old=INSUF,
    ),
    s(
        "forced-criminality-alone",
        "KZ",
        22,
        {"purpose.forced_criminality"},
        POT,
        "Forced by definition.",
        "forced_purpose",
        old=INSUF,
    ),
    s(
        "forced-marriage-alone",
        "KG",
        19,
        {"purpose.forced_marriage"},
        POT,
        "Servile marriage is a practice similar to slavery (1956 Supplementary Convention).",
        "forced_purpose",
        old=INSUF,
    ),
    s(
        "servitude-alone",
        "RU",
        44,
        {"purpose.other"},
        POT,
        "Slavery, servitude: forced by definition.",
        "forced_purpose",
        old=INSUF,
    ),
    s(
        "sexual-purpose-alone",
        "KZ",
        30,
        {"purpose.sexual"},
        INSUF,
        "Exploitation of prostitution of others is not forced by definition: a second element is needed.",
        "insufficient_indicators",
    ),
    s(
        "organ-removal-alone",
        "UZ",
        30,
        {"purpose.organ_removal"},
        INSUF,
        "Removal of organs alone names no coercion: ask about the act and the means.",
        "insufficient_indicators",
    ),
    # --- Every operational indicator counts at the potential-victim level -----------------------------
    s(
        "one-recruitment-one-exploitation",
        "KZ",
        28,
        {
            AL + "deceptive_recruitment.deceived_about_housing",
            AL + "exploitative_conditions.bad_living_conditions",
        },
        POT,
        "One medium indicator in each: an act and a means, with a purpose, indicated.",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "weak-indicators-count-too",
        "UZ",
        31,
        {
            AL + "deceptive_recruitment.deceived_about_education",
            AL + "exploitative_conditions.no_access_to_education",
        },
        POT,
        "Weak indicators never make a dimension positive, but still indicate their elements.",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "coercion-at-destination-alone",
        "KG",
        35,
        {AS + "coercion_at_destination.forced_tasks_or_clients"},
        POT,
        "Coercion at destination shows a means and a purpose at once.",
        "palermo_indicated",
        old=INSUF,
    ),
    s(
        "abuse-of-vulnerability-at-destination-alone",
        "KZ",
        50,
        {AL + "abuse_of_vulnerability_at_destination.dependency_on_exploiters"},
        INSUF,
        "A means only, with no indication of exploitation: not yet enough.",
        "insufficient_indicators",
    ),
    s(
        "thresholds-still-decide-likely",
        "KZ",
        32,
        {
            AL + "deceptive_recruitment.deceived_about_nature_of_job",
            AL + "deceptive_recruitment.deceived_about_wages",
            AL + "exploitative_conditions.excessive_working_hours",
            AL + "exploitative_conditions.low_or_no_salary",
            AL + "coercion_at_destination.confiscation_of_documents",
            AL + "coercion_at_destination.debt_bondage",
        },
        LIKELY,
        "Positive dimensions of recruitment, exploitation and coercion: likely, as in 2026.1.",
        "palermo_adult",
    ),
    # --- Children ---------------------------------------------------------------------------------------
    s(
        "child-adult-list-counts",
        "UZ",
        15,
        {AL + "deceptive_recruitment.deceived_about_wages", AL + "exploitative_conditions.low_or_no_salary"},
        CHILD,
        "For a child the adults' lists count as well; an act and exploitation indicated: refer now.",
        "child_indicated",
        old=INSUF,
    ),
    s(
        "child-one-child-list-indicator-each",
        "KZ",
        13,
        {
            CL + "deceptive_recruitment.deceived_about_wages",
            CL + "exploitative_conditions.excessive_working_hours",
        },
        CHILD,
        "A child needs no means: any indication of an act and of exploitation.",
        "child_indicated",
        old=INSUF,
    ),
    s(
        "child-forced-begging-alone",
        "TJ",
        9,
        {"purpose.forced_begging"},
        POT,
        "A child in exploitation is at least a potential victim: ask who brought the child.",
        "child_exploitation",
    ),
    s(
        "child-two-ilo-indicators",
        "KG",
        16,
        {"ilo.excessive_overtime", "ilo.isolation"},
        CHILD,
        "Forced labour of a child is a worst form of child labour (ILO C182 art. 3(a)): refer now.",
        "ilo_forced_labour_child",
        old=POT,
    ),
    s(
        "child-means-only",
        "UZ",
        14,
        {"means.threat"},
        INSUF,
        "For a child the means do not matter; a threat alone says nothing of exploitation.",
        "insufficient_indicators",
    ),
    s(
        "child-act-and-sexual",
        "KZ",
        16,
        {"act.recruitment", "purpose.sexual"},
        CHILD,
        "Act and purpose: trafficking in a child (Palermo 3(c)).",
        "palermo_child",
    ),
    # --- Unknown age: presumption of childhood --------------------------------------------------------
    s(
        "unknown-age-presumed-child",
        "UZ",
        None,
        {"act.transportation", "purpose.sexual"},
        CHILD,
        "No age and no judgement: the child's rules apply, and the result says so.",
        "palermo_child",
        old=POT,
    ),
    s(
        "unknown-age-judged-adult",
        "UZ",
        None,
        {"act.transportation", "purpose.sexual"},
        POT,
        "The officer judged the person an adult: the adult's rules apply.",
        "palermo_indicated",
        is_child=False,
    ),
    # --- The same safety net in every country ---------------------------------------------------------
    s(
        "officer-grounds-uz",
        "UZ",
        30,
        {"officer.other_reasonable_grounds"},
        POT,
        "The officer's other reasonable grounds, written down: potential victim (CoE art. 10(2)).",
        "officer_grounds",
        grounds=GROUNDS,
    ),
    s(
        "officer-grounds-kg",
        "KG",
        30,
        {"officer.other_reasonable_grounds"},
        POT,
        "The same in Kyrgyzstan.",
        "officer_grounds",
        grounds=GROUNDS,
    ),
    s(
        "officer-grounds-kz",
        "KZ",
        30,
        {"officer.other_reasonable_grounds"},
        POT,
        "The same in Kazakhstan.",
        "officer_grounds",
        grounds=GROUNDS,
    ),
    s(
        "officer-grounds-elsewhere",
        "DE",
        30,
        {"officer.other_reasonable_grounds"},
        POT,
        "The same in a country with no profile.",
        "officer_grounds",
        grounds=GROUNDS,
    ),
    s(
        "kz-factor-stage-and-status",
        "KZ",
        70,
        {"kz.factor.old_age"},
        POT,
        "Kazakhstan's factors still reach the stage; the statutory status is reported beside it.",
        "kz_factors_stage",
    ),
    s(
        "kz-factor-outside-kz",
        "UZ",
        70,
        {"kz.factor.old_age"},
        INSUF,
        "Kazakhstan's factors count only where its law applies.",
        "insufficient_indicators",
    ),
    s("nothing", "KG", 30, set(), INSUF, "No indicator, no finding.", "insufficient_indicators"),
]


def test_there_are_at_least_thirty_new_scenarios() -> None:
    assert len(SCENARIOS) >= 30
    assert len({sc.id for sc in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("sc", SCENARIOS, ids=[sc.id for sc in SCENARIOS])
def test_scenario(sc: Scenario) -> None:
    data = ScreeningInput(sc.country, sc.age, sc.is_child, sc.indicators, sc.grounds)
    result = evaluate(RULESET, data)
    assert result.outcome == sc.expected, f"{sc.id}: expected {sc.expected} because {sc.reason}"
    assert result.rationale[0].message_id == sc.first_reason
    assert result.ruleset_version == "2026.2"
    for reason in result.rationale:
        assert reason.text()
    if sc.old is not None:  # what 2026.1 said, and still says for the screenings made under it
        assert evaluate(OLD, ScreeningInput(sc.country, sc.age, sc.is_child, sc.indicators)).outcome == sc.old


def test_2026_2_is_current_and_2026_1_stays() -> None:
    assert current_ruleset().version == "2026.2"
    assert available_versions() == ["2026.1", "2026.2"]


def test_the_principles_are_written_with_their_sources() -> None:
    raw = json.loads((RULESET_DIR / "2026.2.json").read_text(encoding="utf-8"))
    ids = {p["id"] for p in raw["principles"]}
    assert {
        "reasonable_grounds",
        "ilo_coercion_is_a_means",
        "forced_purpose",
        "operational_indicators",
        "children",
        "presumption_of_age",
        "same_safety_net",
        "statutory_status_apart",
    } <= ids
    sources = {src["id"] for src in raw["sources"]}
    for p in raw["principles"]:
        assert p["sources"] and set(p["sources"]) <= sources
    text = json.dumps(raw)
    assert "the published combination" not in text and "by the published combination" not in text
    assert "The dimension thresholds are the brochure's" not in text


def test_the_presumed_child_is_said() -> None:
    result = evaluate(RULESET, ScreeningInput("UZ", None, None, frozenset({"purpose.labour"})))
    assert result.presumed_child and "child_presumed" in [r.message_id for r in result.rationale]
    assert result.outcome == POT and result.to_dict()["presumed_child"] is True


def test_kazakhstan_statutory_status_is_apart_from_the_stage() -> None:
    data = ScreeningInput(
        "KZ",
        34,
        None,
        frozenset({"act.recruitment", "means.deception", "purpose.labour", "kz.factor.dependency"}),
    )
    result = evaluate(RULESET, data)
    assert result.outcome == LIKELY  # the stage
    assert result.statuses == ("kz.law_110.potential_victim",)  # the status in law, beside it
    assert [r.message_id for r in result.rationale][-1] == "kz_statutory_status"
    assert (
        evaluate(RULESET, ScreeningInput("UZ", 34, None, data.indicators - {"kz.factor.dependency"})).statuses
        == ()
    )
    assert ScreeningResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_officer_grounds_need_a_written_reason() -> None:
    with pytest.raises(ValueError, match="written reason"):
        evaluate(RULESET, ScreeningInput("UZ", 30, None, frozenset({"officer.other_reasonable_grounds"})))
    with pytest.raises(ValueError, match="written reason"):
        evaluate(
            RULESET, ScreeningInput("UZ", 30, None, frozenset({"officer.other_reasonable_grounds"}), "  ")
        )


def test_which_lists_to_ask() -> None:
    def ids(**kw: object) -> list[str]:
        return [lst.id for lst in lists_to_ask(RULESET, **kw)]  # type: ignore[arg-type]

    assert ids(child=False, exploitation_types=frozenset({ExploitationType.SEXUAL})) == ["adult_sexual"]
    assert ids(child=False, exploitation_types=frozenset({ExploitationType.LABOUR})) == ["adult_labour"]
    assert ids(child=False) == ["adult_labour", "adult_sexual"]
    assert ids(child=True, exploitation_types=frozenset({ExploitationType.FORCED_BEGGING})) == [
        "child_labour",
        "adult_labour",
    ]
    assert ids(child=False, exploitation_types=frozenset({ExploitationType.ORGAN_REMOVAL})) == [
        "adult_labour",
        "adult_sexual",
    ]  # no list fits: ask them all
    assert ids(child=True) == ["child_labour", "child_sexual", "adult_labour", "adult_sexual"]
    # 2026.1 says nothing of types: every list of the age group.
    assert [
        lst.id
        for lst in lists_to_ask(OLD, child=False, exploitation_types=frozenset({ExploitationType.SEXUAL}))
    ] == [
        "adult_labour",
        "adult_sexual",
    ]


# --- Properties ----------------------------------------------------------------------------------

BASE = sorted(RULESET.indicators)
EXPLOITATION = sorted(
    c
    for c, ind in RULESET.indicators.items()
    if ind.section in (Section.PURPOSE, Section.ILO)
    or (
        ind.section == Section.DELPHI
        and (".exploitative_conditions." in c or ".coercion_at_destination." in c)
    )
)
RECRUITMENT = (".deceptive_recruitment.", ".coercive_recruitment.", ".recruitment_abuse_of_vulnerability.")
ACTS = sorted(
    c
    for c, ind in RULESET.indicators.items()
    if ind.section == Section.ACT or (ind.section == Section.DELPHI and any(r in c for r in RECRUITMENT))
)
MEANS_EVIDENCE = sorted(
    c
    for c, ind in RULESET.indicators.items()
    if ind.section == Section.MEANS
    or c
    in {
        "ilo.abuse_of_vulnerability",
        "ilo.deception",
        "ilo.restriction_of_movement",
        "ilo.isolation",
        "ilo.physical_sexual_violence",
        "ilo.intimidation_threats",
        "ilo.retention_of_identity_documents",
        "ilo.withholding_of_wages",
        "ilo.debt_bondage",
    }
    or (c.startswith((AL, AS)) and ".abuse_of_vulnerability_at_destination." in c)
    or (c.startswith((AL, AS)) and any(r in c for r in (*RECRUITMENT, ".coercion_at_destination.")))
)
CHILD_LISTS = sorted(c for c in BASE if c.startswith((CL, CS)))
MEANS = sorted(c for c, ind in RULESET.indicators.items() if ind.section == Section.MEANS)
CODES = st.one_of(st.sampled_from(BASE), st.sampled_from([c for c in BASE if not c.startswith("delphi.")]))
INDICATORS = st.frozensets(CODES, max_size=20)
COUNTRIES = st.sampled_from(["KZ", "UZ", "KG", "TJ", "RU", "TR", "DE"])
AGES = st.one_of(st.none(), st.integers(min_value=0, max_value=90))
IS_CHILD = st.one_of(st.none(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(COUNTRIES, AGES, IS_CHILD, INDICATORS, INDICATORS)
def test_adding_indicators_never_lowers_the_outcome(
    country: str, age: int | None, is_child: bool | None, some: frozenset[str], more: frozenset[str]
) -> None:
    before = evaluate(RULESET, ScreeningInput(country, age, is_child, some, GROUNDS))
    after = evaluate(RULESET, ScreeningInput(country, age, is_child, some | more, GROUNDS))
    assert after.outcome >= before.outcome
    assert set(before.fired) <= set(after.fired)
    assert set(before.statuses) <= set(after.statuses)


@settings(max_examples=400, deadline=None)
@given(
    COUNTRIES,
    AGES,
    IS_CHILD,
    st.sampled_from(EXPLOITATION),
    st.one_of(
        st.sampled_from(ACTS).map(lambda c: ("act", c)),
        st.sampled_from(MEANS_EVIDENCE).map(lambda c: ("means", c)),
    ),
    INDICATORS,
)
def test_exploitation_with_an_act_or_a_means_is_at_least_a_potential_victim_everywhere(
    country: str,
    age: int | None,
    is_child: bool | None,
    exploitation: str,
    element: tuple[str, str],
    rest: frozenset[str],
) -> None:
    kind, code = element
    child = is_child or (age is not None and age < 18) or (age is None and is_child is None)
    # An adult's screening never counts the children's lists (they are another age group's).
    assume(child or not {exploitation, code} & set(CHILD_LISTS))
    data = ScreeningInput(country, age, is_child, rest | {exploitation, code}, GROUNDS)
    result = evaluate(RULESET, data)
    assert result.outcome >= POT
    if child and kind == "act":
        assert result.outcome == CHILD  # for a child: refer to child protection now


@settings(max_examples=200, deadline=None)
@given(
    COUNTRIES,
    st.one_of(
        st.integers(min_value=0, max_value=17).map(lambda a: (a, None)),
        st.just((None, True)),
        st.just((None, None)),
    ),
    st.frozensets(st.sampled_from(sorted(set(BASE) - set(MEANS))), max_size=20),
    st.frozensets(st.sampled_from(MEANS), min_size=1),
)
def test_for_a_child_the_means_never_matter(
    country: str, age_and_flag: tuple[int | None, bool | None], rest: frozenset[str], means: frozenset[str]
) -> None:
    age, is_child = age_and_flag
    without = evaluate(RULESET, ScreeningInput(country, age, is_child, rest, GROUNDS))
    with_means = evaluate(RULESET, ScreeningInput(country, age, is_child, rest | means, GROUNDS))
    assert with_means.outcome == without.outcome


@settings(max_examples=100, deadline=None)
@given(COUNTRIES, INDICATORS)
def test_an_adult_never_counts_the_childrens_lists(country: str, indicators: frozenset[str]) -> None:
    child_lists = frozenset(c for c in indicators if c.startswith((CL, CS)))
    adult = evaluate(RULESET, ScreeningInput(country, 30, None, indicators, GROUNDS))
    adult_without = evaluate(RULESET, ScreeningInput(country, 30, None, indicators - child_lists, GROUNDS))
    assert adult.outcome == adult_without.outcome


OLD_CODES = sorted(OLD.indicators)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(available_versions()),
    COUNTRIES,
    AGES,
    IS_CHILD,
    st.frozensets(st.sampled_from(OLD_CODES), max_size=20),
)
def test_old_screenings_evaluate_again_to_their_stored_result_under_their_own_version(
    version: str, country: str, age: int | None, is_child: bool | None, indicators: frozenset[str]
) -> None:
    ruleset = load_ruleset(version)
    data = ScreeningInput(country, age, is_child, indicators)
    stored = json.loads(json.dumps({"input": data.to_dict(), "result": evaluate(ruleset, data).to_dict()}))
    if version == "2026.1":  # stored before 2026.2: no key of 2026.2 in it
        assert set(stored["input"]) == {"country", "age", "is_child", "indicators"}
        assert set(stored["result"]) == {"outcome", "fired", "rationale", "ruleset_version"}
    result = ScreeningResult.from_dict(stored["result"])
    again = load_ruleset_file(RULESET_DIR / f"{result.ruleset_version}.json")  # from the file, not the cache
    assert evaluate(again, ScreeningInput.from_dict(stored["input"])) == result
