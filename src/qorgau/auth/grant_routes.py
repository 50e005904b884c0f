"""JSON API of grants of power (auth/grants.py): the second person lists, approves, refuses."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from qorgau.auth import grants
from qorgau.auth.deps import require
from qorgau.auth.models import GrantStatus
from qorgau.auth.schemas import GrantOut, GrantRefusal
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.web.deps import DB, AppSettings
from qorgau.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/grants", tags=["accounts"], responses=PROBLEM_RESPONSES)

GrantApprover = Annotated[Principal, Depends(require(Permission.GRANT_APPROVE))]


@router.get("", response_model=list[GrantOut], summary="Grants of power (pending by default)")
def list_grants(
    db: DB, principal: GrantApprover, status: GrantStatus | None = GrantStatus.PENDING
) -> list[GrantOut]:
    return [GrantOut.model_validate(g) for g in grants.list_grants(db, principal, status)]


@router.post("/{grant_id}/approve", response_model=GrantOut, summary="Approve a grant (the second person)")
def approve_grant(grant_id: uuid.UUID, db: DB, principal: GrantApprover, settings: AppSettings) -> GrantOut:
    return GrantOut.model_validate(grants.approve(db, principal, grant_id, days=settings.grant_recent_days))


@router.post("/{grant_id}/refuse", response_model=GrantOut, summary="Refuse a grant, with a reason")
def refuse_grant(grant_id: uuid.UUID, body: GrantRefusal, db: DB, principal: GrantApprover) -> GrantOut:
    return GrantOut.model_validate(grants.refuse(db, principal, grant_id, body.reason))
