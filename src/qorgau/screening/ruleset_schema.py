"""The schema of a screening ruleset file (qorgau/screening/rulesets/<version>.json), as pydantic
models: qorgau.screening.ruleset validates a file against it, then checks it for sense and builds
the Ruleset the rules read. Fields marked "from 2026.2" default to 2026.1's behaviour."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.screening.rules import AgeGroup, Outcome, Weight

VERSION_PATTERN = r"^\d{4}\.\d+$"  # year.number: 2026.1, 2026.2, 2027.1
ID_RE = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SourceModel(_Model):
    id: str = Field(pattern=ID_RE)
    title: str = Field(min_length=1)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    locator: str | None = None
    note: str | None = None


class IndicatorModel(_Model):
    code: str
    label: str = Field(min_length=1)
    hint: str = Field(min_length=1, description="The question the officer asks.")


class PurposeModel(IndicatorModel):
    exploitation_type: str = Field(description="The NRM's ExploitationType value this purpose is.")


class DelphiIndicatorModel(IndicatorModel):
    # Optional here only so that a missing weight is refused with a message naming the indicator.
    weight: Weight | None = None


PalermoElement = Literal["act", "means", "purpose"]


class DimensionModel(_Model):
    id: str = Field(pattern=ID_RE)
    label: str = Field(min_length=1)
    evidence_of: list[PalermoElement] = Field(
        default_factory=list,
        description="The Palermo elements any one of its indicators is evidence of (from 2026.2): the "
        "loader then defines <list>.<dimension>.indicated, true when one of them is recorded.",
    )
    indicators: list[DelphiIndicatorModel] = Field(min_length=1)


class DelphiListModel(_Model):
    id: str = Field(pattern=ID_RE)
    label: str = Field(min_length=1)
    applies_to: AgeGroup
    exploitation_types: list[str] = Field(
        default_factory=list, description="The NRM exploitation types the list fits (from 2026.2)."
    )
    dimensions: list[DimensionModel] = Field(min_length=1)


class ThresholdModel(_Model):
    strong: int = Field(default=0, ge=0)
    medium: int = Field(default=0, ge=0)
    weak: int = Field(default=0, ge=0)
    medium_or_weak: int = Field(default=0, ge=0)


class DelphiModel(_Model):
    source: str
    note: str | None = None
    dimension_rule: list[ThresholdModel] = Field(min_length=1, description="Positive if any is met.")
    lists: list[DelphiListModel] = Field(min_length=1)


class PalermoModel(_Model):
    source: str
    note: str | None = None
    acts: list[IndicatorModel] = Field(min_length=1)
    means: list[IndicatorModel] = Field(min_length=1)
    purposes: list[PurposeModel] = Field(min_length=1)


class IloModel(_Model):
    source: str
    note: str | None = None
    indicators: list[IndicatorModel] = Field(min_length=1)


class PrincipleModel(_Model):
    """A principle the ruleset's rules follow, with its sources (from 2026.2)."""

    id: str = Field(pattern=ID_RE)
    text: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class OfficerModel(_Model):
    """The officer's own grounds (from 2026.2): each counts only with a written reason."""

    source: str
    note: str | None = None
    indicators: list[IndicatorModel] = Field(min_length=1)


class StatusModel(_Model):
    """A status in a country's law, reported beside the outcome (from 2026.2)."""

    status: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
    when: str
    reason: str
    countries: list[str] | None = None
    source: str | None = None
    note: str | None = None


class FactorsModel(_Model):
    source: str
    note: str | None = None
    countries: list[str] = Field(min_length=1)
    factors: list[IndicatorModel] = Field(min_length=1)


class AnyModel(_Model):
    any_: list[ExprModel] = Field(alias="any", min_length=1)


class AllModel(_Model):
    all_: list[ExprModel] = Field(alias="all", min_length=1)


class AtLeastModel(_Model):
    at_least: int = Field(ge=1)
    of: list[ExprModel] = Field(min_length=1)


ExprModel = str | AnyModel | AllModel | AtLeastModel  # a bare string is a code


class DerivedModel(_Model):
    code: str
    label: str = Field(min_length=1)
    applies_to: AgeGroup = AgeGroup.ANY
    rule: ExprModel
    source: str | None = None
    note: str | None = None


class OutcomeRuleModel(_Model):
    outcome: Outcome
    when: str
    reason: str
    applies_to: AgeGroup = AgeGroup.ANY
    countries: list[str] | None = None
    source: str | None = None
    note: str | None = None


class RulesetModel(_Model):
    version: str = Field(pattern=VERSION_PATTERN)
    published: date
    note: str | None = None
    sources: list[SourceModel] = Field(min_length=1)
    palermo: PalermoModel
    ilo_forced_labour: IloModel
    delphi: DelphiModel
    potential_victim_factors: list[FactorsModel]
    derived: list[DerivedModel]
    outcomes: list[OutcomeRuleModel] = Field(min_length=1)
    # From 2026.2 on; absent, 2026.1's behaviour.
    principles: list[PrincipleModel] = Field(default_factory=list)
    child_counts_adult_lists: bool = False
    presume_child_when_age_unknown: bool = False
    officer_grounds: OfficerModel | None = None
    statuses: list[StatusModel] = Field(default_factory=list)


for _m in (AnyModel, AllModel, AtLeastModel, DerivedModel):
    _m.model_rebuild()
