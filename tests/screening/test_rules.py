"""Screening rules: scenarios written from the Palermo Protocol, the ILO's indicators of forced
labour, the ILO/EC operational (Delphi) indicators and the project's source studies, each with the
outcome expected and why; and properties (hypothesis): adding indicators never lowers the outcome,
for a child the means never matter, a stored screening evaluates again to its stored result."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.screening.rules import (
    REASON_MESSAGES,
    Outcome,
    Reason,
    ScreeningInput,
    ScreeningResult,
    Section,
    evaluate,
)
from qorgau.screening.ruleset import RULESET_DIR, available_versions, load_ruleset, load_ruleset_file

RULESET = load_ruleset("2026.1")  # 2026.1 scenarios stay against 2026.1; 2026.2 in test_rules_2026_2.py
OUT = Outcome
AL, AS, CL, CS = (
    f"delphi.{name}." for name in ("adult_labour", "adult_sexual", "child_labour", "child_sexual")
)


@dataclass(frozen=True)
class Scenario:
    id: str
    description: str
    country: str
    age: int | None
    indicators: frozenset[str]
    expected: Outcome
    reason: str  # why this outcome, from the guidance
    first_reason: str  # the message id the rationale must start with
    is_child: bool | None = None


def s(
    id: str,
    description: str,
    country: str,
    age: int | None,
    indicators: set[str],
    expected: Outcome,
    reason: str,
    first_reason: str,
    is_child: bool | None = None,
) -> Scenario:
    return Scenario(
        id, description, country, age, frozenset(indicators), expected, reason, first_reason, is_child
    )


# Operational indicators used by several scenarios.
AL_FULL = {
    AL + "deceptive_recruitment.deceived_about_nature_of_job",  # strong
    AL + "deceptive_recruitment.deceived_about_wages",  # medium
    AL + "exploitative_conditions.excessive_working_hours",  # strong
    AL + "exploitative_conditions.low_or_no_salary",  # medium
    AL + "coercion_at_destination.confiscation_of_documents",  # strong
    AL + "coercion_at_destination.debt_bondage",  # strong
}
AL_WEAK = {
    AL + "deceptive_recruitment.deceived_about_education",
    AL + "recruitment_abuse_of_vulnerability.difficulty_to_organise_travel",
    AL + "exploitative_conditions.no_access_to_education",
    AL + "coercion_at_destination.threat_to_inform_family_community",
    AL + "abuse_of_vulnerability_at_destination.difficulties_in_the_past",
    AL + "abuse_of_vulnerability_at_destination.personal_characteristics",
}
AL_DECEIVED = {
    AL + "deceptive_recruitment.deceived_about_nature_of_job",  # strong
    AL + "deceptive_recruitment.deceived_about_contract",  # medium
}
PALERMO_ADULT = {"act.recruitment", "means.deception", "purpose.labour"}

SCENARIOS = [
    # --- Palermo Protocol, adults: act + means + purpose ------------------------------------------
    s(
        "adult-labour-deception",
        "A man recruited in Uzbekistan for building work in Kazakhstan, lied to about the job, made to work",
        "KZ",
        32,
        PALERMO_ADULT,
        OUT.LIKELY_VICTIM,
        "Palermo art. 3(a): act (recruitment), means (deception), purpose (forced labour) are all there.",
        "palermo_adult",
    ),
    s(
        "adult-sexual-threat",
        "A woman transported to a city and threatened into prostitution",
        "KG",
        24,
        {"act.transportation", "means.threat", "purpose.sexual"},
        OUT.LIKELY_VICTIM,
        "Palermo art. 3(a): transportation, threat of force, sexual exploitation.",
        "palermo_adult",
    ),
    s(
        "adult-consent-irrelevant",
        "Agreed to go abroad as a nanny; the papers were forged and she is kept as a servant",
        "UZ",
        29,
        {"act.recruitment", "act.transportation", "means.fraud", "purpose.domestic_servitude"},
        OUT.LIKELY_VICTIM,
        "Palermo art. 3(b): consent to the journey is irrelevant once a means (fraud) was used; "
        "Zhetpisbaev et al.: trafficking holds even when the movement was at first voluntary.",
        "palermo_adult",
    ),
    s(
        "adult-bride-sold",
        "A young woman's family paid to hand her over in marriage",
        "TJ",
        19,
        {"act.transfer", "means.payments_to_person_in_control", "purpose.forced_marriage"},
        OUT.LIKELY_VICTIM,
        "Palermo art. 3(a): payments to a person having control; servile marriage is a practice similar "
        "to slavery (1956 Supplementary Convention, art. 1(c)).",
        "palermo_adult",
    ),
    s(
        "adult-organ-removal",
        "A man in debt recruited to 'sell' a kidney abroad",
        "KZ",
        41,
        {"act.recruitment", "means.abuse_of_vulnerability", "purpose.organ_removal"},
        OUT.LIKELY_VICTIM,
        "Palermo art. 3(a): abuse of a position of vulnerability; removal of organs is a named purpose.",
        "palermo_adult",
    ),
    s(
        "adult-online-scam-compound",
        "Kazakh citizen lured abroad by a job offer, made to work in online scam operations (Kakeshov 2025)",
        "KZ",
        27,
        {"act.recruitment", "act.transportation", "means.deception", "purpose.forced_criminality"},
        OUT.LIKELY_VICTIM,
        "Deceived as to the nature of the job and forced into criminal activities: all three elements.",
        "palermo_adult",
    ),
    s(
        "adult-fm-v-russia",
        "Workers brought to Moscow, passports taken, beaten, unpaid (F.M. and others v. Russia)",
        "RU",
        35,
        {
            "act.transportation",
            "act.harbouring",
            "means.deception",
            "ilo.retention_of_identity_documents",
            "ilo.physical_sexual_violence",
            "ilo.withholding_of_wages",
        },
        OUT.LIKELY_VICTIM,
        "Forced labour shown by three ILO indicators is the purpose; with the acts and deception, all "
        "three elements (the ECtHR found a breach of the duty to protect).",
        "palermo_adult",
    ),
    s(
        "adult-act-purpose-no-means",
        "An adult housed and exploited at a farm; how she came there is not known yet",
        "KG",
        40,
        {"act.harbouring", "purpose.labour"},
        OUT.POTENTIAL_VICTIM,
        "Two of three elements: an adult needs a means too (art. 3(a)), so ask about it before deciding.",
        "palermo_two_elements",
    ),
    s(
        "adult-intercepted-at-border",
        "Stopped at the border on the way to a job that does not exist; nothing exploited yet",
        "KZ",
        22,
        {"act.transportation", "means.deception"},
        OUT.POTENTIAL_VICTIM,
        "Act and means; the purpose is the trafficker's intent, often not visible at the border.",
        "palermo_two_elements",
    ),
    s(
        "adult-means-and-purpose",
        "A man beaten and made to beg; who brought him is unknown",
        "UZ",
        55,
        {"means.use_of_force", "purpose.forced_begging"},
        OUT.POTENTIAL_VICTIM,
        "Means and purpose without an act: two of three elements.",
        "palermo_two_elements",
    ),
    s(
        "adult-act-only-smuggling",
        "A migrant who paid to be driven across the border",
        "KZ",
        30,
        {"act.transportation"},
        OUT.INSUFFICIENT_INDICATORS,
        "Smuggling is a consensual transaction (Zhetpisbaev et al.); an act alone is not trafficking.",
        "insufficient_indicators",
    ),
    s(
        "adult-means-only",
        "An employer abuses his power over a worker, nothing else known",
        "TJ",
        33,
        {"means.abuse_of_power"},
        OUT.INSUFFICIENT_INDICATORS,
        "One element of three; a single indicator proves nothing either way.",
        "insufficient_indicators",
    ),
    s(
        "adult-exploited-migrant",
        "An adult migrant in exploitative work, no act or means recorded",
        "KZ",
        38,
        {"purpose.labour"},
        OUT.INSUFFICIENT_INDICATORS,
        "An exploited migrant is a labour-rights case until an act or a means is shown (ILO/EC: "
        "exploitation alone is not trafficking).",
        "insufficient_indicators",
    ),
    s(
        "adult-at-eighteen",
        "Turned 18 last month; recruited and exploited, no means",
        "KZ",
        18,
        {"act.recruitment", "purpose.labour"},
        OUT.POTENTIAL_VICTIM,
        "At 18 a person is an adult (art. 3(d)): the means are needed again.",
        "palermo_two_elements",
    ),
    # --- Children: act + purpose, means never needed ---------------------------------------------
    s(
        "child-no-means",
        "A 15-year-old recruited to work in a market; no force or deception",
        "KZ",
        15,
        {"act.recruitment", "purpose.labour"},
        OUT.REFER_TO_CHILD_PROTECTION,
        "Palermo art. 3(c): for a child, act and purpose are enough.",
        "palermo_child",
    ),
    s(
        "child-at-seventeen",
        "Seventeen, recruited and exploited",
        "UZ",
        17,
        {"act.recruitment", "purpose.labour"},
        OUT.REFER_TO_CHILD_PROTECTION,
        "Under 18 is a child (art. 3(d)).",
        "palermo_child",
    ),
    s(
        "child-means-change-nothing",
        "A 16-year-old girl deceived, recruited and sexually exploited",
        "KG",
        16,
        {"act.recruitment", "means.deception", "purpose.sexual"},
        OUT.REFER_TO_CHILD_PROTECTION,
        "The means are kept as evidence but change nothing for a child.",
        "palermo_child",
    ),
    s(
        "child-means-only",
        "A 12-year-old: only the means (abduction) recorded",
        "TJ",
        12,
        {"means.abduction"},
        OUT.INSUFFICIENT_INDICATORS,
        "For a child the means do not matter (art. 3(c)); the rationale asks what was done with the child "
        "and why (record the taking itself as an act: transfer).",
        "insufficient_indicators",
    ),
    s(
        "child-begging",
        "A 10-year-old begging for an adult who takes the money",
        "KZ",
        10,
        {"purpose.forced_begging"},
        OUT.POTENTIAL_VICTIM,
        "A child in exploitation is at least a potential victim; ask who brought or keeps the child.",
        "child_exploitation",
    ),
    s(
        "child-act-only",
        "A 14-year-old crossing the border with an adult relative",
        "UZ",
        14,
        {"act.transportation"},
        OUT.INSUFFICIENT_INDICATORS,
        "A child travelling is no indicator of exploitation by itself.",
        "insufficient_indicators",
    ),
    s(
        "presumed-child",
        "No papers; looks about 15: the officer marks her a child; harboured in a sauna",
        "KZ",
        None,
        {"act.harbouring", "purpose.sexual"},
        OUT.REFER_TO_CHILD_PROTECTION,
        "Presumption of childhood where the age is uncertain (UNICEF Guidelines; CoE Convention art. 10(3)).",
        "palermo_child",
        is_child=True,
    ),
    s(
        "documents-say-adult",
        "Passport says 19, but it looks forged and the officer judges him a child",
        "KZ",
        19,
        {"act.recruitment", "purpose.labour"},
        OUT.REFER_TO_CHILD_PROTECTION,
        "Where the age and the officer disagree, the reading that protects wins.",
        "palermo_child",
        is_child=True,
    ),
    s(
        "age-unknown",
        "Age not asked; recruited and exploited",
        "KG",
        None,
        {"act.recruitment", "purpose.labour"},
        OUT.POTENTIAL_VICTIM,
        "With no age and no judgement, assessed as an adult; the rationale asks for an estimate.",
        "palermo_two_elements",
    ),
    # --- ILO indicators of forced labour -----------------------------------------------------------
    s(
        "ilo-two-indicators",
        "A migrant whose employer holds his passport and pay",
        "KZ",
        28,
        {"ilo.retention_of_identity_documents", "ilo.withholding_of_wages"},
        OUT.POTENTIAL_VICTIM,
        "Two of the ILO's 11 indicators: signs of forced labour.",
        "ilo_forced_labour",
    ),
    s(
        "ilo-one-indicator",
        "Long overtime, nothing else",
        "KZ",
        28,
        {"ilo.excessive_overtime"},
        OUT.INSUFFICIENT_INDICATORS,
        "The ILO: one indicator may not be enough; this ruleset asks for two.",
        "insufficient_indicators",
    ),
    s(
        "ilo-forced-labour-act-means",
        "Recruited by lies, now in debt bondage and not allowed out",
        "RU",
        33,
        {"act.recruitment", "means.deception", "ilo.debt_bondage", "ilo.restriction_of_movement"},
        OUT.LIKELY_VICTIM,
        "Forced labour (two ILO indicators) is the purpose; with act and means all three elements.",
        "palermo_adult",
    ),
    s(
        "ilo-forced-labour-act",
        "Met on arrival by the employer, isolated and threatened",
        "KZ",
        45,
        {"act.receipt", "ilo.isolation", "ilo.intimidation_threats"},
        OUT.POTENTIAL_VICTIM,
        "Act and forced labour (purpose): two elements; the ILO rule also finds forced labour.",
        "palermo_two_elements",
    ),
    s(
        "child-ilo-forced-labour",
        "A 13-year-old recruited for a cotton farm, long hours in bad conditions",
        "UZ",
        13,
        {"act.recruitment", "ilo.excessive_overtime", "ilo.abusive_working_living_conditions"},
        OUT.REFER_TO_CHILD_PROTECTION,
        "Forced labour is a purpose; with the act, a child needs nothing more.",
        "palermo_child",
    ),
    # --- ILO/EC operational indicators (Delphi), adults ------------------------------------------
    s(
        "delphi-adult-labour-full",
        "Deceived about the job and wages, excessive hours at low pay, documents taken, in debt",
        "KZ",
        31,
        AL_FULL,
        OUT.LIKELY_VICTIM,
        "Deceptive recruitment, exploitation and coercion at destination are each positive (2 strong, or "
        "1 strong + 1 medium): the published combination.",
        "palermo_adult",
    ),
    s(
        "delphi-adult-labour-abuse-of-vulnerability",
        "Irregular, poor and uninformed; bad housing and work, deductions; dependent on the employer",
        "KZ",
        36,
        {
            AL + "recruitment_abuse_of_vulnerability.abuse_of_illegal_status",
            AL + "recruitment_abuse_of_vulnerability.economic_reasons",
            AL + "recruitment_abuse_of_vulnerability.abuse_of_lack_of_information",
            AL + "exploitative_conditions.bad_living_conditions",
            AL + "exploitative_conditions.very_bad_working_conditions",
            AL + "exploitative_conditions.wage_manipulation",
            AL + "abuse_of_vulnerability_at_destination.dependency_on_exploiters",
            AL + "abuse_of_vulnerability_at_destination.difficulty_to_live_in_unknown_area",
            AL + "abuse_of_vulnerability_at_destination.relationship_with_authorities",
        },
        OUT.LIKELY_VICTIM,
        "Three medium indicators make each dimension positive: recruitment by abuse of vulnerability, "
        "exploitation, abuse of vulnerability at destination.",
        "palermo_adult",
    ),
    s(
        "delphi-migrant-weak-only",
        "A migrant with only weak indicators in every dimension",
        "KZ",
        26,
        AL_WEAK,
        OUT.INSUFFICIENT_INDICATORS,
        "Weak indicators never make a dimension positive on their own (ILO/EC rule).",
        "insufficient_indicators",
    ),
    s(
        "delphi-one-strong-alone",
        "Excessive hours, nothing else",
        "KZ",
        26,
        {AL + "exploitative_conditions.excessive_working_hours"},
        OUT.INSUFFICIENT_INDICATORS,
        "One strong indicator alone does not make a dimension positive: it needs another.",
        "insufficient_indicators",
    ),
    s(
        "delphi-deceived-two-medium-exploitation",
        "Deceived about job and contract; low pay and bad housing only",
        "KZ",
        26,
        AL_DECEIVED
        | {
            AL + "exploitative_conditions.low_or_no_salary",
            AL + "exploitative_conditions.bad_living_conditions",
        },
        OUT.POTENTIAL_VICTIM,
        "Deceptive recruitment is positive (act and means), exploitation is not (2 medium need a weak "
        "or a third medium): two elements.",
        "palermo_two_elements",
    ),
    s(
        "delphi-deceived-and-exploited",
        "As above, and no access to training: exploitation turns positive (2 medium + 1 weak)",
        "KZ",
        26,
        AL_DECEIVED
        | {
            AL + "exploitative_conditions.low_or_no_salary",
            AL + "exploitative_conditions.bad_living_conditions",
            AL + "exploitative_conditions.no_access_to_education",
        },
        OUT.LIKELY_VICTIM,
        "Recruitment by deception for exploitation is trafficking under Palermo art. 3(a), though the "
        "ILO/EC combination (which also asks for coercion at destination) is not met.",
        "palermo_adult",
    ),
    s(
        "delphi-held-by-force",
        "Exploited and held by isolation and violence; how they came is not known",
        "KZ",
        44,
        {
            AL + "exploitative_conditions.excessive_working_hours",
            AL + "exploitative_conditions.low_or_no_salary",
            AL + "coercion_at_destination.isolation_confinement_surveillance",
            AL + "coercion_at_destination.violence_on_victim",
        },
        OUT.POTENTIAL_VICTIM,
        "Exploitation and coercion at destination: means and purpose, the act still to ask about.",
        "palermo_two_elements",
    ),
    s(
        "delphi-coercion-at-destination-only",
        "Documents taken and threats of violence at the workplace",
        "KZ",
        30,
        {
            AL + "coercion_at_destination.confiscation_of_documents",
            AL + "coercion_at_destination.threats_of_violence",
        },
        OUT.POTENTIAL_VICTIM,
        "Coercion at destination is the menace of penalty of forced labour (ILO C29 art. 2): means and "
        "purpose.",
        "palermo_two_elements",
    ),
    s(
        "delphi-adult-sexual-full",
        "Abducted and beaten; bad housing, no pay, long hours; forced clients, documents taken",
        "KG",
        21,
        {
            AS + "coercive_recruitment.abduction_forced_marriage_or_selling",
            AS + "coercive_recruitment.violence_on_victim",
            AS + "exploitative_conditions.excessive_working_hours",
            AS + "exploitative_conditions.low_or_no_salary",
            AS + "exploitative_conditions.bad_living_conditions",
            AS + "coercion_at_destination.forced_tasks_or_clients",
            AS + "coercion_at_destination.confiscation_of_documents",
        },
        OUT.LIKELY_VICTIM,
        "Coercive recruitment, exploitation (3 medium) and coercion at destination: the published "
        "combination for sexual exploitation.",
        "palermo_adult",
    ),
    s(
        "delphi-adult-sexual-deceived",
        "Told she would work as a waitress; promised schooling",
        "KZ",
        20,
        {
            AS + "deceptive_recruitment.deceived_about_nature_of_job",
            AS + "deceptive_recruitment.deceived_about_education",
        },
        OUT.POTENTIAL_VICTIM,
        "1 strong + 1 weak makes deceptive recruitment positive: act and means.",
        "palermo_two_elements",
    ),
    # --- ILO/EC operational indicators, children ---------------------------------------------------
    s(
        "delphi-child-labour-promised-school",
        "A 14-year-old promised school in the city, put to work long hours instead",
        "KZ",
        14,
        {
            CL + "deceptive_recruitment.deceived_about_education",
            CL + "deceptive_recruitment.deceived_about_nature_of_job",
            CL + "exploitative_conditions.excessive_working_hours",
            CL + "exploitative_conditions.no_access_to_education",
        },
        OUT.REFER_TO_CHILD_PROTECTION,
        "For children, being deceived about education is strong; recruitment (the act) and exploitation "
        "(the purpose) are positive.",
        "palermo_child",
    ),
    s(
        "delphi-child-forced-to-steal",
        "A 15-year-old made to steal, under the exploiter's strong influence",
        "KZ",
        15,
        {
            CL + "coercion_at_destination.forced_into_illicit_activities",
            CL + "coercion_at_destination.under_strong_influence",
        },
        OUT.POTENTIAL_VICTIM,
        "Two strong indicators of coercion at destination: a child in forced labour or services; ask "
        "how the child came there.",
        "child_exploitation",
    ),
    s(
        "delphi-child-sexual-full",
        "A 16-year-old beaten and threatened into going; hazardous work; confined, forced clients",
        "KG",
        16,
        {
            CS + "coercive_recruitment.violence_on_victim",
            CS + "coercive_recruitment.threats_of_violence",
            CS + "exploitative_conditions.hazardous_work",
            CS + "exploitative_conditions.bad_living_conditions",
            CS + "coercion_at_destination.isolation_confinement_surveillance",
            CS + "coercion_at_destination.forced_tasks_or_clients",
        },
        OUT.REFER_TO_CHILD_PROTECTION,
        "The children's list: recruitment, exploitation and coercion at destination all positive.",
        "palermo_child",
    ),
    s(
        "adult-list-for-child",
        "The adults' list used for a 15-year-old",
        "KZ",
        15,
        AL_FULL,
        OUT.INSUFFICIENT_INDICATORS,
        "The adults' list does not apply to a child and is not counted; the rationale says so.",
        "insufficient_indicators",
    ),
    s(
        "child-list-for-adult",
        "The children's list used for a 30-year-old",
        "KZ",
        30,
        {
            CL + "coercion_at_destination.forced_into_illicit_activities",
            CL + "coercion_at_destination.under_strong_influence",
        },
        OUT.INSUFFICIENT_INDICATORS,
        "The children's list does not apply to an adult and is not counted.",
        "insufficient_indicators",
    ),
    # --- Kazakhstan's potential-victim factors -------------------------------------------------------
    s(
        "kz-disability",
        "A man with a disability, dependent on a 'helper' who keeps his allowance",
        "KZ",
        45,
        {"kz.factor.disability"},
        OUT.POTENTIAL_VICTIM,
        "Law 110-VIII: one factor alone can make a potential victim.",
        "kz_potential_victim",
    ),
    s(
        "kz-factors-elsewhere",
        "The same factors recorded in Uzbekistan",
        "UZ",
        70,
        {"kz.factor.dependency", "kz.factor.old_age"},
        OUT.INSUFFICIENT_INDICATORS,
        "The potential-victim status is Kazakhstan's; elsewhere the factors are not counted.",
        "insufficient_indicators",
    ),
    s(
        "kz-child-without-parental-care",
        "A 16-year-old who left a children's home, alone in Almaty",
        "KZ",
        16,
        {"kz.factor.lack_of_parental_care", "kz.factor.young_age"},
        OUT.POTENTIAL_VICTIM,
        "Factors together (Law 110-VIII); a child without parental care.",
        "kz_potential_victim",
    ),
    s(
        "kz-factor-with-likely-victim",
        "All three elements, and dependent on the recruiter",
        "KZ",
        34,
        PALERMO_ADULT | {"kz.factor.dependency"},
        OUT.LIKELY_VICTIM,
        "A likely victim; the rationale also records the potential-victim status, which carries rights.",
        "palermo_adult",
    ),
    s(
        "kz-factor-with-child-victim",
        "A child recruited and exploited, also without parental care",
        "KZ",
        13,
        {"act.recruitment", "purpose.labour", "kz.factor.lack_of_parental_care"},
        OUT.REFER_TO_CHILD_PROTECTION,
        "The child rule ranks highest.",
        "palermo_child",
    ),
    s(
        "migrant-weak-and-one-ilo",
        "A Tajik worker in Kazakhstan: weak indicators and long overtime only",
        "KZ",
        29,
        AL_WEAK | {"ilo.excessive_overtime"},
        OUT.INSUFFICIENT_INDICATORS,
        "Nothing reaches a rule: one ILO indicator, Delphi dimensions with weak indicators only.",
        "insufficient_indicators",
    ),
    s(
        "nothing-recorded",
        "A screening with nothing recorded",
        "KZ",
        40,
        set(),
        OUT.INSUFFICIENT_INDICATORS,
        "No indicator, no finding.",
        "insufficient_indicators",
    ),
]


def test_there_are_at_least_forty_distinct_scenarios() -> None:
    assert len(SCENARIOS) >= 40
    assert len({sc.id for sc in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("sc", SCENARIOS, ids=[sc.id for sc in SCENARIOS])
def test_scenario(sc: Scenario) -> None:
    result = evaluate(RULESET, ScreeningInput(sc.country, sc.age, sc.is_child, sc.indicators))
    assert result.outcome == sc.expected, f"{sc.description}: expected {sc.expected} because {sc.reason}"
    assert result.rationale[0].message_id == sc.first_reason
    assert result.ruleset_version == RULESET.version
    for reason in result.rationale:
        assert reason.text()  # every sentence can be worded


def test_a_likely_victim_keeps_the_national_potential_victim_status_in_the_rationale() -> None:
    result = evaluate(
        RULESET, ScreeningInput("KZ", 34, None, frozenset(PALERMO_ADULT | {"kz.factor.dependency"}))
    )
    ids = [r.message_id for r in result.rationale]
    assert ids == ["palermo_adult", "kz_potential_victim"]  # "two elements" is not repeated under "all three"
    assert "palermo.adult_trafficking" in result.fired and "kz.potential_victim" in result.fired


def test_the_rationale_names_what_it_rests_on_and_what_was_not_counted() -> None:
    indicators = frozenset(
        {
            "act.recruitment",
            "means.deception",
            "purpose.sexual",
            AL + "exploitative_conditions.hazardous_work",
        }
    )
    result = evaluate(RULESET, ScreeningInput("KZ", 16, None, indicators))
    by_id = {r.message_id: dict(r.params) for r in result.rationale}
    assert by_id["palermo_child"]["indicators"] == "act.recruitment, purpose.sexual"
    assert by_id["means_not_required"]["indicators"] == "means.deception"
    assert by_id["not_applicable"]["indicators"] == AL + "exploitative_conditions.hazardous_work"
    assert AL + "exploitative_conditions.hazardous_work" not in result.fired
    assert "age_unknown" not in by_id


def test_an_unknown_age_is_read_as_an_adult_and_said_so() -> None:
    result = evaluate(
        RULESET, ScreeningInput("KZ", None, None, frozenset({"act.recruitment", "purpose.labour"}))
    )
    assert result.rationale[-1] == Reason("age_unknown")


def test_unknown_codes_are_refused_by_name() -> None:
    with pytest.raises(
        ValueError, match=r"unknown indicator codes for ruleset 2026\.1: act\.kidnap, ilo\.nope"
    ):
        evaluate(
            RULESET, ScreeningInput("KZ", 30, None, frozenset({"ilo.nope", "act.kidnap", "act.recruitment"}))
        )


def test_computed_codes_cannot_be_recorded() -> None:
    with pytest.raises(ValueError, match=r"ilo\.forced_labour are computed"):
        evaluate(RULESET, ScreeningInput("KZ", 30, None, frozenset({"ilo.forced_labour"})))


@pytest.mark.parametrize(("country", "age"), [("kz", 30), ("XX", 30), ("KZ", -1), ("KZ", 200)])
def test_impossible_input_is_refused(country: str, age: int) -> None:
    with pytest.raises(ValueError):
        evaluate(RULESET, ScreeningInput(country, age, None, frozenset()))


def test_outcomes_are_ordered_by_rank_and_not_as_strings() -> None:
    assert sorted(Outcome, key=str) != list(Outcome)  # string order would be wrong
    assert sorted(Outcome) == [
        OUT.INSUFFICIENT_INDICATORS,
        OUT.POTENTIAL_VICTIM,
        OUT.LIKELY_VICTIM,
        OUT.REFER_TO_CHILD_PROTECTION,
    ]
    assert (
        OUT.REFER_TO_CHILD_PROTECTION
        >= OUT.LIKELY_VICTIM
        > OUT.POTENTIAL_VICTIM
        > OUT.INSUFFICIENT_INDICATORS
    )
    assert max(OUT.POTENTIAL_VICTIM, OUT.LIKELY_VICTIM) == OUT.LIKELY_VICTIM
    with pytest.raises(TypeError):
        _ = OUT.LIKELY_VICTIM < "potential_victim"


def test_every_reason_message_can_be_worded() -> None:
    params = (("count", "2"), ("indicators", "ilo.deception, ilo.isolation"))
    for message_id in REASON_MESSAGES:
        assert Reason(message_id, params).text()


# --- Properties ----------------------------------------------------------------------------------

BASE_CODES = sorted(RULESET.indicators)
MEANS = sorted(c for c, ind in RULESET.indicators.items() if ind.section == Section.MEANS)
NOT_MEANS = sorted(set(BASE_CODES) - set(MEANS))
# Weighted towards the codes that combine: a uniform draw from ~300 codes rarely fills a dimension.
CODES = st.one_of(
    st.sampled_from(BASE_CODES),
    st.sampled_from([c for c in BASE_CODES if not c.startswith("delphi.")]),
    st.sampled_from([c for c in BASE_CODES if c.startswith((AL, CL))]),
)
INDICATORS = st.frozensets(CODES, max_size=25)
COUNTRIES = st.sampled_from(["KZ", "UZ", "KG", "TJ", "RU", "TR"])
AGES = st.one_of(st.none(), st.integers(min_value=0, max_value=90))
IS_CHILD = st.one_of(st.none(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(COUNTRIES, AGES, IS_CHILD, INDICATORS, INDICATORS)
def test_adding_indicators_never_lowers_the_outcome(
    country: str, age: int | None, is_child: bool | None, some: frozenset[str], more: frozenset[str]
) -> None:
    before = evaluate(RULESET, ScreeningInput(country, age, is_child, some))
    after = evaluate(RULESET, ScreeningInput(country, age, is_child, some | more))
    assert after.outcome >= before.outcome
    assert set(before.fired) <= set(after.fired)


@settings(max_examples=300, deadline=None)
@given(
    COUNTRIES,
    st.one_of(st.integers(min_value=0, max_value=17).map(lambda a: (a, None)), st.just((None, True))),
    st.frozensets(st.sampled_from(NOT_MEANS), max_size=20),
    st.frozensets(st.sampled_from(MEANS), min_size=1),
)
def test_for_a_child_the_means_never_matter(
    country: str, age_and_flag: tuple[int | None, bool | None], rest: frozenset[str], means: frozenset[str]
) -> None:
    age, is_child = age_and_flag
    without = evaluate(RULESET, ScreeningInput(country, age, is_child, rest))
    with_means = evaluate(RULESET, ScreeningInput(country, age, is_child, rest | means))
    assert with_means.outcome == without.outcome


@pytest.fixture(scope="module")
def rulesets_from_files() -> dict[str, object]:
    # Read again from the files, not the cache: a stored screening comes back in a later process.
    return {v: load_ruleset_file(RULESET_DIR / f"{v}.json") for v in available_versions()}


@settings(max_examples=200, deadline=None)
@given(COUNTRIES, AGES, IS_CHILD, INDICATORS)
def test_a_stored_screening_evaluates_again_to_its_stored_result(
    rulesets_from_files: dict[str, object],
    country: str,
    age: int | None,
    is_child: bool | None,
    indicators: frozenset[str],
) -> None:
    data = ScreeningInput(country, age, is_child, indicators)
    result = evaluate(RULESET, data)
    stored = json.loads(json.dumps({"input": data.to_dict(), "result": result.to_dict()}))

    again_input = ScreeningInput.from_dict(stored["input"])
    stored_result = ScreeningResult.from_dict(stored["result"])
    ruleset = rulesets_from_files[stored_result.ruleset_version]
    assert again_input == data
    assert stored_result == result
    assert evaluate(ruleset, again_input) == stored_result  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(COUNTRIES, INDICATORS)
def test_indicators_of_the_other_age_group_are_never_counted(
    country: str, indicators: frozenset[str]
) -> None:
    adult_lists = frozenset(c for c in indicators if c.startswith((AL, AS)))
    child = evaluate(RULESET, ScreeningInput(country, 12, None, indicators))
    child_without = evaluate(RULESET, ScreeningInput(country, 12, None, indicators - adult_lists))
    assert child.outcome == child_without.outcome
