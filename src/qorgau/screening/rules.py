"""Pure rules of screening: from the indicators an officer recorded to an outcome, the indicators
that fired, and a rationale that can be translated, under one version of a ruleset.

What counts as an indicator, and how indicators combine, is data: the versioned ruleset files that
qorgau.screening.ruleset loads and checks (the Palermo Protocol's elements, the ILO's indicators of
forced labour, the ILO/European Commission operational indicators, Kazakhstan's potential-victim
factors). This module only knows how to read them:

- the officer records base indicators; derived indicators are computed from them by rules that
  only ever combine with "any", "all", "at least n" and the weighted threshold of the operational
  indicators. None of these can negate, so recording one more indicator can only make more derived
  indicators fire, never fewer: that is what keeps "adding indicators never lowers the outcome";
- each outcome rule names a derived indicator, the outcome it supports and the age group (and
  optionally the countries) it applies to; the outcome is the highest of those that fire;
- an indicator meant for the other age group (the children's lists for an adult) or for another
  country (one country's potential-victim factors elsewhere) is kept but not counted, and the
  rationale says so.

Nothing here reads or writes anything. A stored screening keeps its input and the ruleset
version, so evaluating it again with that version gives the stored result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeAlias

from qorgau.countries import is_country
from qorgau.i18n import _
from qorgau.nrm.rules import ADULT_AGE, ExploitationType
from qorgau.screening.reasons import REASON_MESSAGES  # the rationale's sentences (re-exported)

MAX_AGE = 130  # an age above this is a typing error, not a person


# --- Outcomes ----------------------------------------------------------------------------------


class Outcome(StrEnum):
    """What the screening suggests, declared in rank order (lowest first; keep it so).

    REFER_TO_CHILD_PROTECTION ranks above LIKELY_VICTIM: it is what a likely victim means for a
    child, with one step that may not wait. Children and adults never share a rule (every outcome
    rule names its age group), so for one person the order only ever compares outcomes of the same
    path, and "adding indicators never lowers the outcome" holds for children and adults alike.
    """

    INSUFFICIENT_INDICATORS = "insufficient_indicators"
    POTENTIAL_VICTIM = "potential_victim"
    LIKELY_VICTIM = "likely_victim"
    REFER_TO_CHILD_PROTECTION = "refer_to_child_protection"

    @property
    def rank(self) -> int:
        return list(Outcome).index(self)

    # Compared by rank, not as strings; comparing with a plain string is a mistake, not a question.
    def _other_rank(self, other: object) -> int:
        if not isinstance(other, Outcome):
            raise TypeError(f"an outcome compares only with another outcome, not {other!r}")
        return other.rank

    def __lt__(self, other: object) -> bool:
        return self.rank < self._other_rank(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= self._other_rank(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > self._other_rank(other)

    def __ge__(self, other: object) -> bool:
        return self.rank >= self._other_rank(other)


@dataclass(frozen=True)
class Reason:
    """One sentence of the rationale: a message id of REASON_MESSAGES and its parameters."""

    message_id: str
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # In key order, so that a reason read back from storage (which may reorder keys, as
        # PostgreSQL's jsonb does) equals the one evaluated again.
        object.__setattr__(self, "params", tuple(sorted(dict(self.params).items())))

    def text(self) -> str:
        """The sentence in the current locale (translate where it is shown, not where it is made)."""
        return _(REASON_MESSAGES[self.message_id]) % dict(self.params)


# --- The ruleset, as the loader builds it --------------------------------------------------------


class Weight(StrEnum):
    STRONG = "strong"
    MEDIUM = "medium"
    WEAK = "weak"


class AgeGroup(StrEnum):
    ANY = "any"
    ADULT = "adult"
    CHILD = "child"


class Section(StrEnum):
    """Where a base indicator comes from (the child rule needs to know which ones are means)."""

    ACT = "act"
    MEANS = "means"
    PURPOSE = "purpose"
    ILO = "ilo"
    DELPHI = "delphi"
    FACTOR = "factor"
    OFFICER = "officer"  # the officer's own grounds, each needing a written reason


@dataclass(frozen=True)
class Ref:
    code: str


@dataclass(frozen=True)
class AnyOf:
    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class AllOf:
    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class AtLeast:
    count: int
    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Threshold:
    """Minimum numbers of fired indicators by weight; `medium_or_weak` counts either."""

    strong: int = 0
    medium: int = 0
    weak: int = 0
    medium_or_weak: int = 0

    def met(self, counts: Mapping[Weight, int]) -> bool:
        return (
            counts.get(Weight.STRONG, 0) >= self.strong
            and counts.get(Weight.MEDIUM, 0) >= self.medium
            and counts.get(Weight.WEAK, 0) >= self.weak
            and counts.get(Weight.MEDIUM, 0) + counts.get(Weight.WEAK, 0) >= self.medium_or_weak
        )


@dataclass(frozen=True)
class Weighted:
    """A dimension of the operational indicators: positive when the fired indicators meet any of
    the thresholds."""

    items: tuple[tuple[str, Weight], ...]
    thresholds: tuple[Threshold, ...]


Expr: TypeAlias = Ref | AnyOf | AllOf | AtLeast | Weighted


def references(expr: Expr) -> Iterable[str]:
    """Every code an expression mentions."""
    if isinstance(expr, Ref):
        yield expr.code
    elif isinstance(expr, Weighted):
        yield from (code for code, _weight in expr.items)
    else:
        for term in expr.terms:
            yield from references(term)


@dataclass(frozen=True)
class Indicator:
    """A base indicator: what the officer records."""

    code: str
    section: Section
    label: str
    hint: str  # the question to ask, for the officer
    applies_to: AgeGroup = AgeGroup.ANY
    countries: frozenset[str] | None = None  # None: everywhere
    weight: Weight | None = None  # the operational indicators only
    exploitation_type: ExploitationType | None = None  # purposes only


@dataclass(frozen=True)
class DerivedIndicator:
    code: str
    label: str
    rule: Expr
    applies_to: AgeGroup = AgeGroup.ANY


@dataclass(frozen=True)
class OutcomeRule:
    outcome: Outcome
    when: str  # a code, usually derived
    reason: str  # a key of REASON_MESSAGES
    applies_to: AgeGroup = AgeGroup.ANY
    countries: frozenset[str] | None = None  # None: everywhere


@dataclass(frozen=True)
class StatusRule:
    """A status in a country's law (Kazakhstan's statutory potential victim), reported beside the
    outcome and never raising it: the outcome is the referral mechanism's stage, the status is
    what the law gives the person."""

    status: str  # a stable code, stored with the screening
    when: str
    reason: str  # a key of REASON_MESSAGES
    countries: frozenset[str] | None = None


@dataclass(frozen=True)
class OperationalList:
    """One of the ILO/EC operational indicators' lists, and the NRM exploitation types it fits
    (empty: every type), so that a questionnaire can ask the lists that fit first."""

    id: str
    label: str
    applies_to: AgeGroup
    exploitation_types: frozenset[ExploitationType]
    dimensions: tuple[str, ...]  # derived codes of its dimensions


@dataclass(frozen=True)
class Ruleset:
    version: str
    published: date
    indicators: Mapping[str, Indicator]  # base indicators by code, in file order
    derived: tuple[DerivedIndicator, ...]  # each after every derived indicator it refers to
    outcome_rules: tuple[OutcomeRule, ...]
    rests_on: Mapping[str, frozenset[str]]  # derived code -> the base codes it can rest on
    sources: Mapping[str, str] = field(default_factory=dict)  # source id -> title
    # From 2026.2 on (the defaults are 2026.1's behaviour):
    child_counts_adult_lists: bool = False  # for a child, the adults' lists count as well
    presume_child_when_age_unknown: bool = False  # no age and no judgement: a child's rules
    status_rules: tuple[StatusRule, ...] = ()
    operational_lists: tuple[OperationalList, ...] = ()


# --- Input and result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreeningInput:
    """What the officer recorded. `country` (ISO 3166-1 alpha-2) is where the screening takes
    place, whose law applies. `is_child` is the officer's judgement where the age is uncertain."""

    country: str
    age: int | None
    is_child: bool | None
    indicators: frozenset[str]
    grounds: str | None = None  # the officer's written reason for "other reasonable grounds"

    def __post_init__(self) -> None:
        object.__setattr__(self, "indicators", frozenset(self.indicators))
        if self.grounds is not None:
            object.__setattr__(self, "grounds", self.grounds.strip() or None)

    @property
    def child(self) -> bool:
        """A child if either the age or the officer says so: where the two disagree, the reading
        that protects wins (UNICEF Guidelines on the Protection of Child Victims of Trafficking;
        CoE Anti-Trafficking Convention, art. 10(3)). With neither, an adult, as in
        qorgau.nrm.rules.is_child, and the rationale asks for an estimate."""
        return bool(self.is_child) or (self.age is not None and self.age < ADULT_AGE)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "country": self.country,
            "age": self.age,
            "is_child": self.is_child,
            "indicators": sorted(self.indicators),
        }
        if self.grounds is not None:  # absent otherwise, as in screenings stored before 2026.2
            out["grounds"] = self.grounds
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScreeningInput:
        return cls(
            data["country"], data["age"], data["is_child"], frozenset(data["indicators"]), data.get("grounds")
        )


@dataclass(frozen=True)
class ScreeningResult:
    outcome: Outcome
    fired: tuple[str, ...]  # base indicators counted and derived indicators that fired, sorted
    rationale: tuple[Reason, ...]  # the findings, highest outcome first, then the notes
    ruleset_version: str
    # Statuses in the country's law beside the outcome (StatusRule.status codes), e.g. Kazakhstan's
    # statutory potential victim; the outcome is the referral mechanism's stage.
    statuses: tuple[str, ...] = ()
    presumed_child: bool = False  # assessed as a child because the age is unknown

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "outcome": self.outcome.value,
            "fired": list(self.fired),
            "rationale": [{"id": r.message_id, "params": dict(r.params)} for r in self.rationale],
            "ruleset_version": self.ruleset_version,
        }
        if self.statuses:  # absent otherwise, as in results stored before 2026.2
            out["statuses"] = list(self.statuses)
        if self.presumed_child:
            out["presumed_child"] = True
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScreeningResult:
        return cls(
            outcome=Outcome(data["outcome"]),
            fired=tuple(data["fired"]),
            rationale=tuple(Reason(r["id"], tuple(r["params"].items())) for r in data["rationale"]),
            ruleset_version=data["ruleset_version"],
            statuses=tuple(data.get("statuses", ())),
            presumed_child=bool(data.get("presumed_child", False)),
        )


# --- Evaluation ----------------------------------------------------------------------------------


def _applies(
    applies_to: AgeGroup, countries: frozenset[str] | None, groups: frozenset[AgeGroup], country: str
) -> bool:
    return (applies_to == AgeGroup.ANY or applies_to in groups) and (
        countries is None or country in countries
    )


def holds(expr: Expr, true: set[str] | frozenset[str]) -> bool:
    """Whether the expression holds when exactly the codes in `true` fired."""
    if isinstance(expr, Ref):
        return expr.code in true
    if isinstance(expr, AnyOf):
        return any(holds(t, true) for t in expr.terms)
    if isinstance(expr, AllOf):
        return all(holds(t, true) for t in expr.terms)
    if isinstance(expr, AtLeast):
        return sum(holds(t, true) for t in expr.terms) >= expr.count
    counts = Counter(weight for code, weight in expr.items if code in true)
    return any(threshold.met(counts) for threshold in expr.thresholds)


def _check_input(ruleset: Ruleset, data: ScreeningInput) -> None:
    unknown = sorted(data.indicators - ruleset.indicators.keys())
    if unknown:
        derived = {d.code for d in ruleset.derived}
        computed = [c for c in unknown if c in derived]
        if computed:
            raise ValueError(
                f"indicators {', '.join(computed)} are computed by ruleset {ruleset.version}, not recorded"
            )
        raise ValueError(f"unknown indicator codes for ruleset {ruleset.version}: {', '.join(unknown)}")
    if not is_country(data.country):
        raise ValueError(f"{data.country!r} is not an ISO 3166-1 alpha-2 country code")
    if data.age is not None and not 0 <= data.age <= MAX_AGE:
        raise ValueError(f"age {data.age} is not between 0 and {MAX_AGE}")
    unexplained = sorted(c for c in data.indicators if ruleset.indicators[c].section == Section.OFFICER)
    if unexplained and not data.grounds:
        raise ValueError(f"indicators {', '.join(unexplained)} need the officer's written reason")


def _codes(codes: Iterable[str]) -> tuple[tuple[str, str], ...]:
    found = sorted(codes)
    return (("count", str(len(found))), ("indicators", ", ".join(found)))


def assessed_as_child(ruleset: Ruleset, data: ScreeningInput) -> tuple[bool, bool]:
    """(child, presumed): whether the child's rules apply, and whether only because the age is
    unknown and the ruleset presumes childhood then (from 2026.2 on)."""
    if data.child:
        return True, False
    presumed = ruleset.presume_child_when_age_unknown and data.age is None and data.is_child is None
    return presumed, presumed


def evaluate(ruleset: Ruleset, data: ScreeningInput) -> ScreeningResult:
    """The outcome of a screening under `ruleset`. ValueError names any code the ruleset does not
    know (or that it computes rather than records), a country that is not one, an impossible age,
    an officer's ground without its written reason."""
    _check_input(ruleset, data)
    child, presumed = assessed_as_child(ruleset, data)
    group = AgeGroup.CHILD if child else AgeGroup.ADULT
    # What counts: the person's age group's indicators (and, for a child where the ruleset says so,
    # the adults' lists as well); outcome rules stay with the person's own age group.
    groups = frozenset({group} | ({AgeGroup.ADULT} if child and ruleset.child_counts_adult_lists else set()))
    own = frozenset({group})

    def counts(ind: Indicator) -> bool:
        return _applies(ind.applies_to, ind.countries, groups, data.country)

    counted = {code for code in data.indicators if counts(ruleset.indicators[code])}
    true = set(counted)
    for d in ruleset.derived:  # in order: what a derived indicator refers to is settled before it
        if _applies(d.applies_to, None, groups, data.country) and holds(d.rule, true):
            true.add(d.code)

    findings = [
        (rule, ruleset.rests_on.get(rule.when, frozenset({rule.when})) & counted)
        for rule in ruleset.outcome_rules
        if _applies(rule.applies_to, rule.countries, own, data.country) and rule.when in true
    ]
    findings.sort(key=lambda f: f[0].outcome.rank, reverse=True)  # stable: file order within an outcome
    outcome = findings[0][0].outcome if findings else Outcome.INSUFFICIENT_INDICATORS

    # Every finding of the outcome reached; a lower one only if it rests on something the higher
    # ones do not (a potential-victim status under national law, beside a likely victim), so as not
    # to repeat "two elements" under "all three".
    rationale: list[Reason] = []
    said: set[str] = set()
    for rule, resting in findings:
        if rule.outcome == outcome or not resting <= said:
            rationale.append(Reason(rule.reason, _codes(resting)))
            said |= resting
    if not findings:
        rationale.append(Reason("insufficient_indicators", _codes(counted)))
    statuses: list[str] = []
    for status in ruleset.status_rules:
        if (status.countries is None or data.country in status.countries) and status.when in true:
            statuses.append(status.status)
            resting = ruleset.rests_on.get(status.when, frozenset({status.when})) & counted
            rationale.append(Reason(status.reason, _codes(resting)))
    if presumed:
        rationale.append(Reason("child_presumed"))
    means = {c for c in counted if ruleset.indicators[c].section == Section.MEANS}
    if child and means:
        rationale.append(Reason("means_not_required", _codes(means)))
    adult_lists = {c for c in counted if ruleset.indicators[c].applies_to == AgeGroup.ADULT}
    if child and adult_lists:
        rationale.append(Reason("adult_lists_for_child", _codes(adult_lists)))
    if data.indicators - counted:
        rationale.append(Reason("not_applicable", _codes(data.indicators - counted)))
    if data.age is None and data.is_child is None and not presumed:
        rationale.append(Reason("age_unknown"))
    return ScreeningResult(
        outcome, tuple(sorted(true)), tuple(rationale), ruleset.version, tuple(statuses), presumed
    )
