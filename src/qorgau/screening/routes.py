"""JSON API of the screening room: the rulesets and a stateless evaluation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from qorgau.auth.deps import require
from qorgau.auth.permissions import Permission
from qorgau.auth.principal import Principal
from qorgau.screening import service
from qorgau.screening.schemas import EvaluateIn, EvaluateOut, RulesetOut
from qorgau.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/screening", tags=["screening"], responses=PROBLEM_RESPONSES)

Screener = Annotated[Principal, Depends(require(Permission.SCREENING_RUN))]


@router.get("/ruleset", response_model=RulesetOut, summary="The indicators of a ruleset (default: current)")
def ruleset(principal: Screener, version: str | None = None) -> Any:
    return service.describe_ruleset(principal, version)


@router.post(
    "/evaluate", response_model=EvaluateOut, summary="Evaluate indicators (stateless, nothing stored)"
)
def evaluate(body: EvaluateIn, principal: Screener) -> Any:
    return service.evaluate(principal, body)
