"""JSON API of the NRM room: cases, their lifecycle, consent, rights, referrals, plan and notes.
What identifies a person (a name, a birth date, a document number) travels only in request
bodies, never in a URL; searches are audited by the kind of term, never the term."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from qorgau.auth.deps import require
from qorgau.config import Settings
from qorgau.db import utcnow
from qorgau.nrm import service
from qorgau.nrm.models import PlanItem
from qorgau.nrm.schemas import (
    BreakGlassIn,
    CaseCommandIn,
    CaseCreate,
    CaseFilter,
    CaseOut,
    CasePage,
    CaseSearch,
    ConsentIn,
    ConsentOut,
    GoalIn,
    GuardianIn,
    NoteIn,
    NoteOut,
    PlanItemOut,
    ReferralCommandIn,
    ReferralIn,
    ReferralOut,
    RightIn,
    RightOut,
    TaskIn,
)
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.web.deps import DB, AppSettings
from qorgau.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=PROBLEM_RESPONSES)

CaseReader = Annotated[Principal, Depends(require(Permission.CASE_READ))]
CaseWriter = Annotated[Principal, Depends(require(Permission.CASE_WRITE))]
DecisionMaker = Annotated[Principal, Depends(require(Permission.DECISION_MAKE))]
ReferralManager = Annotated[Principal, Depends(require(Permission.REFERRAL_MANAGE))]


@router.post("/cases", response_model=CaseOut, status_code=201, summary="Register a person and open a case")
def register(body: CaseCreate, db: DB, settings: AppSettings, principal: CaseWriter) -> Any:
    case = service.register_case(db, principal, settings, body)
    return service.view_case(db, principal, settings, case.id)


@router.get("/cases", response_model=CasePage, summary="Cases you may see: filter and search")
def list_cases(
    db: DB, settings: AppSettings, principal: CaseReader, f: Annotated[CaseFilter, Query()]
) -> Any:
    return service.list_cases(db, principal, settings, f)


@router.post("/cases/search", response_model=CasePage, summary="Search by name, birth date or document")
def search_cases(body: CaseSearch, db: DB, settings: AppSettings, principal: CaseReader) -> Any:
    return service.list_cases(db, principal, settings, body)


@router.get("/cases/{case_id}", response_model=CaseOut, summary="A case (every read is audited)")
def view(case_id: uuid.UUID, db: DB, settings: AppSettings, principal: CaseReader) -> Any:
    return service.view_case(db, principal, settings, case_id)


@router.post("/cases/{case_id}/actions", response_model=CaseOut, summary="Move the case on (lifecycle)")
def act(case_id: uuid.UUID, body: CaseCommandIn, db: DB, settings: AppSettings, principal: CaseWriter) -> Any:
    service.act_on_case(db, principal, settings, case_id, body)
    return service.view_case(db, principal, settings, case_id)


@router.put("/cases/{case_id}/guardian", response_model=CaseOut, summary="Record a child's guardian")
def guardian(
    case_id: uuid.UUID, body: GuardianIn, db: DB, settings: AppSettings, principal: CaseWriter
) -> Any:
    service.set_guardian(db, principal, settings, case_id, body)
    return service.view_case(db, principal, settings, case_id)


@router.put("/cases/{case_id}/assignee/{user_id}", response_model=CaseOut, summary="Assign the case")
def assign(
    case_id: uuid.UUID, user_id: uuid.UUID, db: DB, settings: AppSettings, principal: DecisionMaker
) -> Any:
    service.assign_case(db, principal, case_id, user_id)
    return service.view_case(db, principal, settings, case_id)


@router.post(
    "/cases/{case_id}/consents", response_model=ConsentOut, status_code=201, summary="Record consent"
)
def give_consent(case_id: uuid.UUID, body: ConsentIn, db: DB, principal: CaseWriter) -> Any:
    return service.give_consent(db, principal, case_id, body)


@router.post(
    "/cases/{case_id}/consents/{consent_id}/withdraw", response_model=ConsentOut, summary="Withdraw consent"
)
def withdraw_consent(case_id: uuid.UUID, consent_id: uuid.UUID, db: DB, principal: CaseWriter) -> Any:
    return service.withdraw_consent(db, principal, case_id, consent_id)


@router.put("/cases/{case_id}/rights", response_model=RightOut, summary="Offer a right; record the answer")
def set_right(case_id: uuid.UUID, body: RightIn, db: DB, principal: CaseWriter) -> Any:
    return service.set_right(db, principal, case_id, body)


@router.post(
    "/cases/{case_id}/referrals", response_model=ReferralOut, status_code=201, summary="Refer to a service"
)
def refer(
    case_id: uuid.UUID, body: ReferralIn, db: DB, settings: AppSettings, principal: ReferralManager
) -> Any:
    return service.refer(db, principal, settings, case_id, body)


@router.get("/referrals/inbox", response_model=list[ReferralOut], summary="Referrals to your agency")
def inbox(db: DB, settings: AppSettings, principal: ReferralManager, all: bool = False) -> Any:
    return service.referral_inbox(db, principal, settings, active_only=not all)


@router.post("/referrals/{referral_id}/actions", response_model=ReferralOut, summary="Move a referral on")
def act_on_referral(
    referral_id: uuid.UUID, body: ReferralCommandIn, db: DB, settings: AppSettings, principal: ReferralManager
) -> Any:
    return service.act_on_referral(db, principal, settings, referral_id, body)


def _plan_out(settings: Settings, item: PlanItem) -> dict[str, Any]:
    return service.plan_item_out(settings.keyring, item, utcnow().date())


@router.post("/cases/{case_id}/plan/goals", response_model=PlanItemOut, status_code=201, summary="Add a goal")
def add_goal(case_id: uuid.UUID, body: GoalIn, db: DB, settings: AppSettings, principal: CaseWriter) -> Any:
    return _plan_out(settings, service.add_goal(db, principal, settings, case_id, body))


@router.post("/cases/{case_id}/plan/tasks", response_model=PlanItemOut, status_code=201, summary="Add a task")
def add_task(case_id: uuid.UUID, body: TaskIn, db: DB, settings: AppSettings, principal: CaseWriter) -> Any:
    return _plan_out(settings, service.add_task(db, principal, settings, case_id, body))


@router.post(
    "/cases/{case_id}/plan/tasks/{task_id}/done", response_model=PlanItemOut, summary="Mark a task done"
)
def task_done(
    case_id: uuid.UUID, task_id: uuid.UUID, db: DB, settings: AppSettings, principal: CaseWriter
) -> Any:
    return _plan_out(settings, service.complete_task(db, principal, case_id, task_id))


@router.post("/cases/{case_id}/notes", response_model=NoteOut, status_code=201, summary="Add a note (sealed)")
def add_note(case_id: uuid.UUID, body: NoteIn, db: DB, settings: AppSettings, principal: CaseWriter) -> Any:
    note = service.add_note(db, principal, settings, case_id, body)
    return {
        "id": note.id,
        "author_user_id": note.author_user_id,
        "created_at": note.created_at,
        "text": body.text,
    }


@router.post(
    "/cases/{case_id}/break-glass", status_code=201, summary="Emergency access with a written reason"
)
def break_glass(
    case_id: uuid.UUID, body: BreakGlassIn, db: DB, settings: AppSettings, principal: CaseReader
) -> dict[str, Any]:
    grant = service.break_glass(db, principal, settings, case_id, body)
    return {"id": str(grant.id), "expires_at": grant.expires_at.isoformat()}


@router.get("/break-glass/pending", summary="Break-glass accesses waiting for review")
def pending_break_glass(db: DB, settings: AppSettings, principal: DecisionMaker) -> list[dict[str, Any]]:
    return service.pending_break_glass(db, principal, settings)


@router.post("/break-glass/{grant_id}/review", status_code=204, summary="Mark a break-glass access reviewed")
def review_break_glass(grant_id: uuid.UUID, db: DB, principal: DecisionMaker) -> None:
    service.review_break_glass(db, principal, grant_id)
