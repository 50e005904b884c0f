"""Input and output shapes of the screening room."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from qorgau.nrm.schemas import Country
from qorgau.text import Input


class EvaluateIn(Input):
    model_config = ConfigDict(extra="forbid")

    country: Country = Field(description="where the screening takes place: its law applies")
    age: int | None = Field(default=None, ge=0, le=120)
    is_child: bool | None = Field(
        default=None, description="the officer's judgement where the age is uncertain"
    )
    indicators: list[str] = Field(default_factory=list, max_length=400, description="indicator codes")
    grounds: str | None = Field(
        default=None,
        max_length=2000,
        description="the officer's written reason, needed with officer.other_reasonable_grounds (2026.2)",
    )
    ruleset_version: str | None = Field(default=None, max_length=20, description="default: the current one")


class ReasonOut(BaseModel):
    id: str
    text: str


class CountryLawOut(BaseModel):
    """What the law of the screening's country gives the person, from its legal profile; null
    where the sources do not settle it (GET /screening/profiles shows what is open)."""

    country: str
    reflection_period_days: int = Field(description="the period this node applies to a potential victim")
    reflection_period_statutory: bool = Field(
        description="false: the law sets none; the node's default applies"
    )
    reflection_period_article: str | None = Field(
        default=None, description="the article of the law that sets the period, where one does"
    )
    potential_victim_status: bool | None
    non_punishment: bool | None
    residence_permit_for_foreign_victims: bool | None
    profile_reviewed: date


class StatusOut(BaseModel):
    code: str
    label: str


class EvaluateOut(BaseModel):
    outcome: str = Field(description="the referral mechanism's stage the screening suggests")
    fired: list[str]
    rationale: list[ReasonOut]
    ruleset_version: str
    statuses: list[StatusOut] = Field(
        default_factory=list,
        description="statuses in the country's law beside the outcome, e.g. Kazakhstan's statutory "
        "potential victim (Law No. 110-VIII); not a stage of the case",
    )
    presumed_child: bool = Field(
        default=False, description="assessed as a child because the age is unknown (presumption of age)"
    )
    country_law: CountryLawOut | None = Field(description="null for a country with no legal profile")


class IndicatorOut(BaseModel):
    code: str
    section: str
    label: str
    hint: str
    applies_to: str
    countries: list[str] | None
    weight: str | None


class DerivedOut(BaseModel):
    code: str
    label: str
    applies_to: str


class RulesetOut(BaseModel):
    version: str
    published: str
    versions: list[str]
    indicators: list[IndicatorOut]
    derived: list[DerivedOut] = Field(description="computed from the indicators; may be among those fired")


class CaseScreeningIn(Input):
    """A screening recorded against a case: the person's age comes from the case, the country is
    where the case is."""

    model_config = ConfigDict(extra="forbid")

    indicators: list[str] = Field(default_factory=list, max_length=400, description="indicator codes")
    is_child: bool | None = Field(
        default=None, description="the officer's judgement where the age is uncertain"
    )
    grounds: str | None = Field(
        default=None,
        max_length=2000,
        description="the officer's written reason, needed with officer.other_reasonable_grounds (2026.2)",
    )


class ScreeningOut(EvaluateOut):
    id: uuid.UUID
    case_id: uuid.UUID
    country: str
    indicators: list[str]
    screened_at: datetime
    case_status: str | None = None
