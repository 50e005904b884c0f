"""Input and output shapes of the screening room."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from qorgau.nrm.schemas import Country


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: Country = Field(description="where the screening takes place: its law applies")
    age: int | None = Field(default=None, ge=0, le=120)
    is_child: bool | None = Field(
        default=None, description="the officer's judgement where the age is uncertain"
    )
    indicators: list[str] = Field(default_factory=list, max_length=400, description="indicator codes")
    ruleset_version: str | None = Field(default=None, max_length=20, description="default: the current one")


class ReasonOut(BaseModel):
    id: str
    text: str


class EvaluateOut(BaseModel):
    outcome: str
    fired: list[str]
    rationale: list[ReasonOut]
    ruleset_version: str


class IndicatorOut(BaseModel):
    code: str
    section: str
    label: str
    hint: str
    applies_to: str
    countries: list[str] | None
    weight: str | None


class RulesetOut(BaseModel):
    version: str
    published: str
    versions: list[str]
    indicators: list[IndicatorOut]
