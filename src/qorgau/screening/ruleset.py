"""The screening rulesets: versioned JSON files in qorgau/screening/rulesets (named by version, e.g.
`2026.1.json`), checked against a schema and for sense when loaded, and turned into the
qorgau.screening.rules.Ruleset that `evaluate` reads.

A published version is never edited: stored screenings name it and must evaluate again to the same
result. A change of rules is a new file with a higher version; `current_ruleset` is the highest.

A ruleset that cannot be trusted is refused as a whole, at start (call `current_ruleset()` there),
with every problem named: a code defined twice, a rule referring to a code nobody defined, an
operational indicator without its weight, derived indicators that refer to each other in a cycle,
a purpose that is not one of the NRM's exploitation types (or an exploitation type with no
purpose), a rule for children that rests on a means (for a child the means do not matter), the
child-protection outcome given to adults, a reason the code cannot word.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from qorgau.countries import is_country
from qorgau.nrm.rules import ExploitationType
from qorgau.screening.rules import (
    REASON_MESSAGES,
    AgeGroup,
    AllOf,
    AnyOf,
    AtLeast,
    DerivedIndicator,
    Expr,
    Indicator,
    OperationalList,
    Outcome,
    OutcomeRule,
    Ref,
    Ruleset,
    Section,
    StatusRule,
    Threshold,
    Weight,
    Weighted,
    holds,
    references,
)
from qorgau.screening.ruleset_schema import (
    VERSION_PATTERN,
    AllModel,
    AnyModel,
    ExprModel,
    IndicatorModel,
    RulesetModel,
)

RULESET_DIR = Path(__file__).resolve().parent / "rulesets"
VERSION_RE = re.compile(VERSION_PATTERN)
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")  # dotted, lower case: act.recruitment


class RulesetError(ValueError):
    """A ruleset that cannot be used; the message names the file and every problem found."""


# --- Checking and building -----------------------------------------------------------------------


def _expr(model: ExprModel) -> Expr:
    if isinstance(model, str):
        return Ref(model)
    if isinstance(model, AnyModel):
        return AnyOf(tuple(_expr(t) for t in model.any_))
    if isinstance(model, AllModel):
        return AllOf(tuple(_expr(t) for t in model.all_))
    return AtLeast(model.at_least, tuple(_expr(t) for t in model.of))


def _at_least_problems(expr: Expr, owner: str) -> Iterator[str]:
    if isinstance(expr, AtLeast) and expr.count > len(expr.terms):
        yield f"{owner} asks for at least {expr.count} of only {len(expr.terms)} terms: it can never hold"
    if isinstance(expr, AnyOf | AllOf | AtLeast):
        for term in expr.terms:
            yield from _at_least_problems(term, owner)


def _cycles(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """The cycles of a graph of derived codes, each once, as paths that end where they start."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(code: str) -> None:
        state[code] = 1
        path.append(code)
        for nxt in graph.get(code, []):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    found.append(cycle)
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[code] = 2

    for code in graph:
        if code not in state:
            visit(code)
    return found


def _check_countries(countries: list[str], owner: str, problems: list[str]) -> frozenset[str]:
    for c in countries:
        if not (len(c) == 2 and c.isupper() and is_country(c)):
            problems.append(f"{owner}: {c!r} is not an ISO 3166-1 alpha-2 country code")
    return frozenset(countries)


def build_ruleset(model: RulesetModel) -> tuple[Ruleset | None, list[str]]:
    """The ruleset a validated file describes, or None and the problems that refuse it."""
    problems: list[str] = []
    defined: dict[str, str] = {}  # code -> where it was first defined
    base: dict[str, Indicator] = {}
    derived: dict[str, DerivedIndicator] = {}

    source_ids = [s.id for s in model.sources]
    for sid in sorted({s for s in source_ids if source_ids.count(s) > 1}):
        problems.append(f"source id {sid} is used twice")

    def check_source(source: str | None, owner: str) -> None:
        if source is not None and source not in source_ids:
            problems.append(f"{owner} cites unknown source {source}")

    for principle in model.principles:
        for source in principle.sources:
            check_source(source, f"principle {principle.id}")

    def define(code: str, where: str, prefix: str | None) -> bool:
        if not CODE_RE.match(code):
            problems.append(f"{where}: code {code!r} is not lower-case words joined by dots")
            return False
        if prefix is not None and not code.startswith(prefix):
            problems.append(f"{where}: code {code} should start with {prefix}")
        if code in defined:
            problems.append(f"duplicate code {code}: defined in {defined[code]} and again in {where}")
            return False
        defined[code] = where
        return True

    def add(
        item: IndicatorModel,
        section: Section,
        where: str,
        prefix: str,
        *,
        applies_to: AgeGroup = AgeGroup.ANY,
        countries: frozenset[str] | None = None,
        weight: Weight | None = None,
        exploitation_type: ExploitationType | None = None,
    ) -> None:
        if define(item.code, where, prefix):
            base[item.code] = Indicator(
                item.code, section, item.label, item.hint, applies_to, countries, weight, exploitation_type
            )

    # The Palermo Protocol's elements.
    p = model.palermo
    check_source(p.source, "palermo")
    for item in p.acts:
        add(item, Section.ACT, "palermo.acts", "act.")
    for item in p.means:
        add(item, Section.MEANS, "palermo.means", "means.")
    nrm_types = {t.value for t in ExploitationType}
    covered: set[str] = set()
    for purpose in p.purposes:
        if purpose.exploitation_type not in nrm_types:
            problems.append(
                f"purpose {purpose.code}: {purpose.exploitation_type!r} is not an NRM exploitation type "
                f"(one of {', '.join(t.value for t in ExploitationType)})"
            )
            continue
        if purpose.code != f"purpose.{purpose.exploitation_type}":
            problems.append(f"purpose {purpose.code} should be coded purpose.{purpose.exploitation_type}")
        covered.add(purpose.exploitation_type)
        add(
            purpose,
            Section.PURPOSE,
            "palermo.purposes",
            "purpose.",
            exploitation_type=ExploitationType(purpose.exploitation_type),
        )
    for missing in sorted(nrm_types - covered):
        problems.append(f"no purpose for the NRM exploitation type {missing!r}")

    # The ILO's indicators of forced labour.
    check_source(model.ilo_forced_labour.source, "ilo_forced_labour")
    for item in model.ilo_forced_labour.indicators:
        add(item, Section.ILO, "ilo_forced_labour", "ilo.")

    # The ILO/EC operational indicators: each dimension becomes a weighted derived indicator.
    d = model.delphi
    check_source(d.source, "delphi")
    thresholds = []
    for i, t in enumerate(d.dimension_rule):
        if not (t.strong or t.medium or t.weak or t.medium_or_weak):
            problems.append(
                f"delphi.dimension_rule[{i}] asks for nothing: every dimension would be positive "
                "without a single indicator"
            )
        thresholds.append(Threshold(t.strong, t.medium, t.weak, t.medium_or_weak))
    list_ids = [lst.id for lst in d.lists]
    for lid in sorted({x for x in list_ids if list_ids.count(x) > 1}):
        problems.append(f"delphi list {lid} is defined twice")
    indicated: list[str] = []
    operational: list[OperationalList] = []
    for lst in d.lists:
        types_of_list = []
        for type_name in lst.exploitation_types:
            if type_name in nrm_types:
                types_of_list.append(ExploitationType(type_name))
            else:
                problems.append(f"delphi list {lst.id}: {type_name!r} is not an NRM exploitation type")
        operational.append(
            OperationalList(
                lst.id,
                lst.label,
                lst.applies_to,
                frozenset(types_of_list),
                tuple(f"delphi.{lst.id}.{dim.id}" for dim in lst.dimensions),
            )
        )
        for dim in lst.dimensions:
            where = f"delphi.{lst.id}.{dim.id}"
            items = []
            for item in dim.indicators:
                if item.weight is None:
                    problems.append(
                        f"operational indicator {item.code} has no weight: give strong, medium or weak"
                    )
                    continue
                add(item, Section.DELPHI, where, f"{where}.", applies_to=lst.applies_to, weight=item.weight)
                items.append((item.code, item.weight))
            rule = Weighted(tuple(items), tuple(thresholds))
            if items and not holds(rule, frozenset(code for code, _w in items)):
                problems.append(f"dimension {where} can never be positive: its weights meet no threshold")
            if define(where, "delphi (a dimension)", None):
                derived[where] = DerivedIndicator(where, f"{lst.label}: {dim.label}", rule, lst.applies_to)
            if dim.evidence_of and items and define(f"{where}.indicated", "delphi (a dimension)", None):
                # Any one indicator of the dimension, whatever its threshold: evidence of its
                # Palermo elements at the potential-victim level.
                derived[f"{where}.indicated"] = DerivedIndicator(
                    f"{where}.indicated",
                    f"{lst.label}: {dim.label} (at least one indicator)",
                    AnyOf(tuple(Ref(code) for code, _w in items)),
                    lst.applies_to,
                )
                indicated.append(f"{where}.indicated")

    # Potential-victim factors of the countries whose law has that status.
    for i, prof in enumerate(model.potential_victim_factors):
        owner = f"potential_victim_factors[{i}]"
        check_source(prof.source, owner)
        countries = _check_countries(prof.countries, owner, problems)
        prefixes = tuple(f"{c.lower()}.factor." for c in sorted(countries))
        for item in prof.factors:
            prefix = next((px for px in prefixes if item.code.startswith(px)), prefixes[0])
            add(item, Section.FACTOR, owner, prefix, countries=countries)

    # The officer's own grounds, each with a written reason.
    if model.officer_grounds is not None:
        check_source(model.officer_grounds.source, "officer_grounds")
        for item in model.officer_grounds.indicators:
            add(item, Section.OFFICER, "officer_grounds", "officer.")

    # Derived indicators: known references, no cycles.
    for dm in model.derived:
        check_source(dm.source, f"derived indicator {dm.code}")
        if define(dm.code, "derived", None):
            derived[dm.code] = DerivedIndicator(dm.code, dm.label, _expr(dm.rule), dm.applies_to)
    for code, di in derived.items():
        problems.extend(_at_least_problems(di.rule, f"derived indicator {code}"))
        for ref in dict.fromkeys(references(di.rule)):
            if ref not in defined:
                problems.append(f"derived indicator {code} refers to unknown code {ref}")
    used = {ref for di in derived.values() for ref in references(di.rule)}
    for code in indicated:
        if code not in used:
            problems.append(
                f"{code} is evidence of a Palermo element (evidence_of) but no derived indicator uses it"
            )
    graph = {code: [r for r in references(di.rule) if r in derived] for code, di in derived.items()}
    cycles = _cycles(graph)
    for cycle in cycles:
        problems.append(f"derived indicators refer to each other in a cycle: {' -> '.join(cycle)}")

    order: list[str] = []
    rests_on: dict[str, frozenset[str]] = {}
    if not cycles:

        def settle(code: str) -> frozenset[str]:
            if code not in rests_on:
                found: set[str] = set()
                for ref in references(derived[code].rule):
                    if ref in derived:
                        found |= settle(ref)
                    elif ref in base:
                        found.add(ref)
                rests_on[code] = frozenset(found)
                order.append(code)
            return rests_on[code]

        for code in derived:
            settle(code)

    # Outcome rules.
    means = {code for code, ind in base.items() if ind.section == Section.MEANS}
    rules = []
    for i, om in enumerate(model.outcomes):
        owner = f"outcome rule {i + 1} ({om.outcome.value} when {om.when})"
        check_source(om.source, owner)
        if om.when not in defined:
            problems.append(f"{owner} refers to unknown code {om.when}")
        if om.reason not in REASON_MESSAGES:
            problems.append(
                f"{owner}: reason {om.reason!r} has no message (one of {', '.join(REASON_MESSAGES)})"
            )
        if om.outcome == Outcome.REFER_TO_CHILD_PROTECTION and om.applies_to != AgeGroup.CHILD:
            problems.append(
                f"{owner} refers to child protection but applies to {om.applies_to.value}, not child"
            )
        if om.applies_to in (AgeGroup.ANY, AgeGroup.CHILD) and not cycles:
            on_means = sorted(rests_on.get(om.when, frozenset({om.when})) & means)
            if on_means:
                problems.append(
                    f"{owner} applies to children but rests on means ({', '.join(on_means)}): for a "
                    "child the means do not matter (Palermo Protocol, art. 3(c))"
                )
        in_countries = None if om.countries is None else _check_countries(om.countries, owner, problems)
        rules.append(OutcomeRule(om.outcome, om.when, om.reason, om.applies_to, in_countries))

    statuses = []
    for i, sm in enumerate(model.statuses):
        owner = f"status {i + 1} ({sm.status} when {sm.when})"
        check_source(sm.source, owner)
        if sm.when not in defined:
            problems.append(f"{owner} refers to unknown code {sm.when}")
        if sm.reason not in REASON_MESSAGES:
            problems.append(f"{owner}: reason {sm.reason!r} has no message")
        in_countries = None if sm.countries is None else _check_countries(sm.countries, owner, problems)
        statuses.append(StatusRule(sm.status, sm.when, sm.reason, in_countries))

    if problems:
        return None, problems
    return (
        Ruleset(
            version=model.version,
            published=model.published,
            indicators=types.MappingProxyType(base),
            derived=tuple(derived[code] for code in order),
            outcome_rules=tuple(rules),
            rests_on=types.MappingProxyType(rests_on),
            sources=types.MappingProxyType({s.id: s.title for s in model.sources}),
            child_counts_adult_lists=model.child_counts_adult_lists,
            presume_child_when_age_unknown=model.presume_child_when_age_unknown,
            status_rules=tuple(statuses),
            operational_lists=tuple(operational),
        ),
        [],
    )


def lists_to_ask(
    ruleset: Ruleset, *, child: bool, exploitation_types: frozenset[ExploitationType] | None = None
) -> list[OperationalList]:
    """The operational lists a questionnaire asks first, in the ruleset's order: those of the
    person's age group that fit the exploitation types recorded (every list of the age group where
    no type is known, or none of them fits), then, for a child where the ruleset counts the adults'
    lists too, the adults' lists that fit."""
    group = AgeGroup.CHILD if child else AgeGroup.ADULT

    def fitting(of: AgeGroup) -> list[OperationalList]:
        lists = [lst for lst in ruleset.operational_lists if lst.applies_to in (of, AgeGroup.ANY)]
        if not exploitation_types:
            return lists
        fit = [
            lst for lst in lists if not lst.exploitation_types or lst.exploitation_types & exploitation_types
        ]
        return fit or lists

    out = fitting(group)
    if child and ruleset.child_counts_adult_lists:
        out += [lst for lst in fitting(AgeGroup.ADULT) if lst not in out]
    return out


def _refuse(origin: str, problems: list[str]) -> RulesetError:
    return RulesetError(f"screening ruleset {origin} is refused:\n  - " + "\n  - ".join(problems))


def parse_ruleset(raw: object, *, origin: str = "(data)", expected_version: str | None = None) -> Ruleset:
    """Validate and build a ruleset from parsed JSON; RulesetError lists every problem."""
    try:
        model = RulesetModel.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()]
        raise _refuse(origin, problems) from exc
    ruleset, problems = build_ruleset(model)
    if expected_version is not None and model.version != expected_version:
        problems.insert(0, f"the file says version {model.version} but is named {expected_version}")
    if problems or ruleset is None:
        raise _refuse(origin, problems)
    return ruleset


def load_ruleset_file(path: Path) -> Ruleset:
    """Read, validate and build the ruleset in `path` (named by its version)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RulesetError(f"screening ruleset {path.name} cannot be read: {exc}") from exc
    return parse_ruleset(raw, origin=path.name, expected_version=path.stem)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def available_versions(directory: Path | None = None) -> list[str]:
    """The versions in `directory` (the bundled rulesets by default), oldest first."""
    directory = RULESET_DIR if directory is None else directory
    names = [path.stem for path in directory.glob("*.json")]
    misnamed = sorted(n for n in names if not VERSION_RE.match(n))
    if misnamed:
        raise RulesetError(
            f"files in {directory} not named by a version (like 2026.1.json): {', '.join(misnamed)}"
        )
    return sorted(names, key=_version_key)


@cache
def _bundled(version: str) -> Ruleset:
    return load_ruleset_file(RULESET_DIR / f"{version}.json")


def load_ruleset(version: str, directory: Path | None = None) -> Ruleset:
    """The ruleset of `version` (bundled ones are checked once and kept)."""
    if not VERSION_RE.match(version):
        raise RulesetError(f"{version!r} is not a ruleset version (like 2026.1)")
    if version not in available_versions(directory):
        raise RulesetError(
            f"there is no screening ruleset {version} (there are: {', '.join(available_versions(directory))})"
        )
    if directory is None:
        return _bundled(version)
    return load_ruleset_file(directory / f"{version}.json")


def current_ruleset(directory: Path | None = None) -> Ruleset:
    """The newest ruleset: new screenings use it. Call at start, to refuse a bad one there."""
    versions = available_versions(directory)
    if not versions:
        raise RulesetError(f"no screening ruleset in {RULESET_DIR if directory is None else directory}")
    return load_ruleset(versions[-1], directory)
