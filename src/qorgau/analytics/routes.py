"""HTTP API of the analytics room. Thin: the statistics are in the pure modules.

The estimate runs in the request (FastAPI runs this sync route in its thread pool); the
bootstrap is capped so that one request stays within seconds. Nothing is stored and nothing is
personal: the table holds counts only, so no audit event is written.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from qorgau.auth.deps import require
from qorgau.permissions import Permission
from qorgau.text import Input
from qorgau.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)
Analyst = Annotated[Any, Depends(require(Permission.ANALYTICS_READ))]

MAX_API_BOOTSTRAP = 500


class HistoryCount(Input):
    history: list[Annotated[int, Field(ge=0, le=1)]] = Field(min_length=2, max_length=10)
    count: int = Field(ge=0, le=10**9)


class MSERequest(Input):
    lists: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(min_length=2, max_length=10)
    rows: list[HistoryCount] = Field(min_length=1, max_length=1023)
    method: Literal["stepwise", "main", "aic", "bic"] = "stepwise"
    threshold: float = Field(default=0.02, gt=0, lt=1)
    bootstrap: int = Field(default=0, ge=0, le=MAX_API_BOOTSTRAP)
    seed: int = Field(default=1234, ge=0, le=2**32 - 1)
    level: float = Field(default=0.95, ge=0.5, le=0.999)


@router.post("/mse", summary="Multiple systems estimate of the hidden number")
def mse(body: MSERequest, principal: Analyst) -> dict[str, Any]:
    from qorgau.analytics import mse as m
    from qorgau.analytics.present import as_dict
    from qorgau.analytics.table import build_table

    table = build_table(tuple(body.lists), [(tuple(r.history), r.count) for r in body.rows])
    result = m.estimate(
        table,
        m.Method(body.method),
        threshold=body.threshold,
        level=body.level,
        bootstrap=body.bootstrap,
        seed=body.seed,
    )
    return as_dict(result)
