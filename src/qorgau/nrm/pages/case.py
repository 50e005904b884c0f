"""One case: its page (in full, read-only or a referral's part) and the forms that change it."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from qorgau.auth import service as auth_service
from qorgau.auth.models import Agency
from qorgau.auth.permissions import Permission
from qorgau.auth.principal import Principal
from qorgau.db import utcnow
from qorgau.errors import DomainError
from qorgau.nrm import access, rules, service
from qorgau.nrm.pages.common import (
    CaseReader,
    CaseWriter,
    Choice,
    LongText,
    ReferralManager,
    Text,
    _blank_none,
    _country,
    _errors,
    _orphans_to,
    _waited,
)
from qorgau.nrm.pages.timeline import timeline_sentence
from qorgau.nrm.rules import CaseAction, CaseStatus
from qorgau.nrm.schemas import (
    CaseCommandIn,
    CaseOut,
    ConsentIn,
    GoalIn,
    GuardianIn,
    NoteIn,
    ReferralIn,
    RightIn,
    TaskIn,
)
from qorgau.web.deps import DB, AppSettings, roll_back
from qorgau.web.render import is_htmx, private, render, see_other

router = APIRouter(include_in_schema=False)


SWAPPABLE = ("consents", "rights", "plan", "notes")
_REASONED = frozenset({CaseAction.DECIDE_NOT_A_VICTIM, CaseAction.CLOSE, CaseAction.REOPEN})


def _action_forms(case: CaseOut, principal: Principal) -> list[dict[str, Any]]:
    """The case's steps as forms: those the service allows now, then the forced steps the
    reflection period holds back, which only the person's own request lets through. None where
    the access only reads (a referral's part, break-glass)."""
    if not access.may_write(case.access):
        return []
    facts = rules.CaseFacts(
        status=case.status,
        status_before_close=None,
        is_child=case.is_child,
        has_guardian=case.has_guardian,
        reflection_ends_on=case.reflection_ends_on,
        today=utcnow().date(),
    )

    def form(action: CaseAction, at_request: bool) -> dict[str, Any]:
        reasons = (
            rules.allowed_closure_reasons(facts, at_persons_request=at_request)
            if action == CaseAction.CLOSE
            else []
        )
        return {
            "action": action.value,
            "id": f"action-{action.value}{'-asked' if at_request else ''}",
            "needs_reason": action in _REASONED,
            "closure_reasons": reasons,
            "at_request": at_request,
            "decision": rules.ACTION_PERMISSION[action] == Permission.DECISION_MAKE,
        }

    forms = [form(a, False) for a in case.allowed_actions]
    if case.status != CaseStatus.CLOSED and facts.in_reflection_period:
        held = [
            a
            for a in rules.allowed_actions(facts, at_persons_request=True)
            if a not in case.allowed_actions and principal.can(rules.ACTION_PERMISSION[a])
        ]
        forms += [form(a, True) for a in held]
    return forms


def _screenings(db: DB, principal: Principal, case: CaseOut) -> list[dict[str, Any]]:
    """The case's screenings (outcome and date), through the screening room's service. Imported
    here: the screening room imports this room's service, so a module-level import would loop."""
    from qorgau.screening import service as screening

    if case.access == "referral":
        return []
    return [
        {**s, "label": screening.outcome_label(s["outcome"])}
        for s in screening.case_screening_list(db, principal, case.id)
    ]


def _case_context(db: DB, settings: AppSettings, principal: Principal, case_id: uuid.UUID) -> dict[str, Any]:
    case = CaseOut.model_validate(service.view_case(db, principal, settings, case_id))
    agencies: list[Agency] = auth_service.list_agencies(db, principal)
    now = utcnow()
    goals = [item for item in case.plan if item.kind == "goal"]
    tasks: dict[uuid.UUID | None, list[Any]] = defaultdict(list)
    for item in case.plan:
        if item.kind == "task":
            tasks[item.goal_id].append(item)
    recorded_rights = {r.kind for r in case.rights}
    return {
        "case": case,
        "agencies": agencies,
        "agency_code": {a.id: a.code for a in agencies},
        "actions": _action_forms(case, principal),
        "timeline": [(entry.at, timeline_sentence(entry)) for entry in case.timeline],
        "waited": {r.id: _waited(r, now) for r in case.referrals},
        "goals": goals,
        "tasks": tasks,
        "rights_to_offer": [k for k in rules.RightKind if k not in recorded_rights],
        "in_reflection": case.reflection_ends_on is not None and now.date() < case.reflection_ends_on,
        # Break-glass reads only (nrm.access.require_write): no forms to change the case.
        "can_write": principal.can(Permission.CASE_WRITE) and access.may_write(case.access),
        "can_refer": principal.can(Permission.REFERRAL_MANAGE) and access.may_write(case.access),
        "can_screen": principal.can(Permission.CASE_WRITE)
        and principal.can(Permission.SCREENING_RUN)
        and access.may_write(case.access),
        "screenings": _screenings(db, principal, case),
        "country": _country,
        "today": now.date(),
    }


def _case_page(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    case_id: uuid.UUID,
    *,
    section: str | None = None,
    errors: dict[str, str] | None = None,
    posted: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = _case_context(db, settings, principal, case_id)
    errors = _orphans_to(errors or {}, {a["id"] for a in ctx["actions"]}, "action-", "action.form")
    active = {f"referral-{r.id}-cancel" for r in ctx["case"].referrals if r.status in rules.ACTIVE_REFERRAL}
    errors = _orphans_to(errors, active, "referral-", "referrals.form")
    if ctx["case"].access == "referral" and errors:
        # The limited view has none of the forms: the message goes at the top of the page.
        errors = {"page.form": next(iter(errors.values()))}
    ctx.update(errors=errors, posted=posted or {}, section=section)
    if section in SWAPPABLE and is_htmx(request):
        # The section that changed, and the timeline out of band (it has a new line).
        return private(render(request, "nrm/_case_swap.html", ctx))
    return private(render(request, "nrm/case.html", ctx, status_code=status_code))


def _case_form_done(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    case_id: uuid.UUID,
    section: str,
) -> Response:
    if section in SWAPPABLE and is_htmx(request):
        return _case_page(request, db, settings, principal, case_id, section=section)
    return see_other(f"/cases/{case_id}#case-{section}")


def _case_form_refused(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    case_id: uuid.UUID,
    exc: ValidationError | DomainError,
    *,
    form: str,
    section: str,
    values: dict[str, Any],
) -> Response:
    roll_back(db, exc)
    errors, code = _errors(exc, form, values)
    return _case_page(
        request,
        db,
        settings,
        principal,
        case_id,
        section=section,
        errors=errors,
        posted={form: values},
        status_code=code,
    )


@router.get("/cases/{case_id}")
def case_view(
    request: Request, case_id: uuid.UUID, db: DB, settings: AppSettings, principal: CaseReader
) -> Response:
    return _case_page(request, db, settings, principal, case_id)


@router.post("/cases/{case_id}/actions")
def case_action(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    action: Choice = "",
    reason: Text = "",
    closure_reason: Choice = "",
    at_persons_request: Choice = "",
    form_id: Choice = "",
) -> Response:
    values = {
        "action": action,
        "reason": reason,
        "closure_reason": closure_reason,
        "at_persons_request": bool(at_persons_request),
    }
    try:
        body = CaseCommandIn.model_validate(_blank_none(values))
        service.act_on_case(db, principal, settings, case_id, body)
    except (ValidationError, DomainError) as exc:
        # The message goes to the form that was sent (a step may have two: as usual, and at
        # the person's request during the reflection period).
        form = form_id if re.fullmatch(r"action-[a-z_]+(-asked)?", form_id) else "action"
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form=form, section="status", values=values
        )
    return see_other(f"/cases/{case_id}")


@router.post("/cases/{case_id}/guardian")
def case_guardian(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    has_guardian: Choice = "",
    guardian: Text = "",
) -> Response:
    values = {"has_guardian": bool(has_guardian), "guardian": guardian}
    try:
        service.set_guardian(db, principal, settings, case_id, GuardianIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="guardian", section="status", values=values
        )
    return see_other(f"/cases/{case_id}")


@router.post("/cases/{case_id}/consents")
def case_consent(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    purpose: Choice = "",
    agency_id: Choice = "",
    country: Choice = "",
) -> Response:
    values = {"purpose": purpose, "agency_id": agency_id, "country": country}
    try:
        service.give_consent(db, principal, case_id, ConsentIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="consent", section="consents", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "consents")


@router.post("/cases/{case_id}/consents/{consent_id}/withdraw")
def case_consent_withdraw(
    request: Request,
    case_id: uuid.UUID,
    consent_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
) -> Response:
    try:
        service.withdraw_consent(db, principal, case_id, consent_id)
    except DomainError as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="consent", section="consents", values={}
        )
    return _case_form_done(request, db, settings, principal, case_id, "consents")


@router.post("/cases/{case_id}/rights")
def case_right(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    kind: Choice = "",
    status: Choice = "",
) -> Response:
    values = {"kind": kind, "status": status}
    try:
        service.set_right(db, principal, case_id, RightIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="right", section="rights", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "rights")


@router.post("/cases/{case_id}/referrals")
def case_refer(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: ReferralManager,
    to_agency_id: Choice = "",
    service_type: Choice = "",
    needs: Text = "",
    consent_exception: Choice = "",
    exception_reason: Text = "",
) -> Response:
    values = {
        "to_agency_id": to_agency_id,
        "service": service_type,
        "needs": needs,
        "consent_exception": consent_exception,
        "exception_reason": exception_reason,
    }
    try:
        service.refer(db, principal, settings, case_id, ReferralIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request,
            db,
            settings,
            principal,
            case_id,
            exc,
            form="referral",
            section="referrals",
            values=values,
        )
    return see_other(f"/cases/{case_id}#case-referrals")


@router.post("/cases/{case_id}/plan/goals")
def case_goal(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    title: Text = "",
) -> Response:
    values = {"title": title}
    try:
        service.add_goal(db, principal, settings, case_id, GoalIn.model_validate(values))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="goal", section="plan", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "plan")


@router.post("/cases/{case_id}/plan/tasks")
def case_task(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    title: Text = "",
    goal_id: Choice = "",
    due_on: Choice = "",
) -> Response:
    values = {"title": title, "goal_id": goal_id, "due_on": due_on}
    try:
        service.add_task(db, principal, settings, case_id, TaskIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="task", section="plan", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "plan")


@router.post("/cases/{case_id}/plan/tasks/{task_id}/done")
def case_task_done(
    request: Request,
    case_id: uuid.UUID,
    task_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
) -> Response:
    try:
        service.complete_task(db, principal, case_id, task_id)
    except DomainError as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="task", section="plan", values={}
        )
    return _case_form_done(request, db, settings, principal, case_id, "plan")


@router.post("/cases/{case_id}/notes")
def case_note(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    text: LongText = "",
) -> Response:
    values = {"text": text}
    try:
        service.add_note(db, principal, settings, case_id, NoteIn.model_validate(values))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="note", section="notes", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "notes")
