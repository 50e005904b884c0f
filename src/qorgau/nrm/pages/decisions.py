"""The supervisor's decisions: cases waiting for identification, break-glass accesses to review."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from qorgau.nrm import service
from qorgau.nrm.pages.common import DecisionMaker
from qorgau.nrm.rules import CaseStatus
from qorgau.nrm.schemas import (
    CaseFilter,
    CasePage,
)
from qorgau.principal import Principal
from qorgau.web import forms
from qorgau.web.deps import DB, AppSettings
from qorgau.web.render import country_label, private, render, see_other

router = APIRouter(include_in_schema=False)


WAITING_FOR_DECISION = (CaseStatus.SCREENING, CaseStatus.POTENTIAL_VICTIM)


def _decisions_page(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    waiting = []
    for status in WAITING_FOR_DECISION:
        f = CaseFilter(status=status, agency_id=principal.agency_id, limit=200)
        waiting += CasePage.model_validate(service.list_cases(db, principal, settings, f)).items
    waiting.sort(key=lambda c: (c.reported_on, c.reference))
    ctx = {
        "waiting": waiting,
        "break_glass": service.pending_break_glass(db, principal, settings),
        "errors": errors or {},
        "country": country_label,
    }
    return private(render(request, "nrm/decisions.html", ctx, status_code=status_code))


@router.get("/decisions")
def decisions(request: Request, db: DB, settings: AppSettings, principal: DecisionMaker) -> Response:
    return _decisions_page(request, db, settings, principal)


@router.post("/decisions/break-glass/{grant_id}/review")
def review_break_glass(
    request: Request, grant_id: uuid.UUID, db: DB, settings: AppSettings, principal: DecisionMaker
) -> Response:
    return forms.submit(
        db,
        lambda: service.review_break_glass(db, principal, grant_id),
        done=lambda _grant: see_other("/decisions"),
        refused=lambda errors, code: _decisions_page(
            request, db, settings, principal, errors=errors, status_code=code
        ),
        form="review",
        fields=[],
    )
