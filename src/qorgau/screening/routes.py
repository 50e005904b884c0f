"""JSON API of the screening room: the rulesets and a stateless evaluation."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from qorgau.auth.deps import require
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.screening import service
from qorgau.screening.schemas import CaseScreeningIn, EvaluateIn, EvaluateOut, RulesetOut, ScreeningOut
from qorgau.web.deps import DB, AppSettings
from qorgau.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["screening"], responses=PROBLEM_RESPONSES)

Screener = Annotated[Principal, Depends(require(Permission.SCREENING_RUN))]
# Screening a case changes it (it moves on), so it is case work; every role that may write cases
# may also screen (auth.permissions).
CaseScreener = Annotated[Principal, Depends(require(Permission.CASE_WRITE))]


@router.get(
    "/screening/ruleset", response_model=RulesetOut, summary="The indicators of a ruleset (default: current)"
)
def ruleset(principal: Screener, version: str | None = None) -> Any:
    return service.describe_ruleset(principal, version)


@router.post(
    "/screening/evaluate",
    response_model=EvaluateOut,
    summary="Evaluate indicators (stateless, nothing stored)",
)
def evaluate(body: EvaluateIn, settings: AppSettings, principal: Screener) -> Any:
    return service.evaluate(principal, settings, body)


@router.post(
    "/cases/{case_id}/screenings",
    response_model=ScreeningOut,
    status_code=201,
    summary="Screen the person of a case and store it; moves the case as the NRM rules allow",
)
def screen_case(
    case_id: uuid.UUID, body: CaseScreeningIn, db: DB, settings: AppSettings, principal: CaseScreener
) -> Any:
    return service.screen_case(db, principal, settings, case_id, body)


@router.get("/cases/{case_id}/screenings", response_model=list[ScreeningOut], summary="A case's screenings")
def case_screenings(case_id: uuid.UUID, db: DB, settings: AppSettings, principal: CaseScreener) -> Any:
    return service.case_screenings(db, principal, settings, case_id)
