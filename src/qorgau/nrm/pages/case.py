"""One case: its page (in full, read-only or a referral's part) and the forms that change it."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from qorgau.auth import service as auth_service
from qorgau.auth.models import Agency
from qorgau.db import utcnow
from qorgau.nrm import access, rules, service
from qorgau.nrm.pages.common import (
    CaseReader,
    CaseWriter,
    Choice,
    LongText,
    ReferralManager,
    Text,
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
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.web import forms
from qorgau.web.deps import DB, AppSettings
from qorgau.web.render import country_label, is_htmx, private, render, see_other

router = APIRouter(include_in_schema=False)


# The sections of the case page that htmx can swap on their own (nrm/_case_<name>.html).
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
        "country": country_label,
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
    # Other rooms' sections of the page (nrm.sections), not on the limited view of a referral.
    case = ctx["case"]
    ctx["case_parts"] = (
        []
        if case.access == "referral"
        else [
            (s.template, s.context(db, principal, case, ctx["can_write"]))
            for s in request.app.state.case_sections
        ]
    )
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


@dataclass(frozen=True)
class CaseForm:
    """A form posted from a case's page, with what answering it needs."""

    request: Request
    db: DB
    settings: AppSettings
    principal: Principal
    case_id: uuid.UUID

    def page(self, **kwargs: Any) -> Response:
        return _case_page(self.request, self.db, self.settings, self.principal, self.case_id, **kwargs)

    def post(
        self, form: str, section: str, values: dict[str, Any], act: Callable[[], object], then: str = ""
    ) -> Response:
        """`act` parses the values and calls the service. Done, the browser goes back to the case
        (to `then`, or to the section; htmx gets the section swapped); refused, the case page
        comes again with the message next to the form's field."""

        def done(_result: object) -> Response:
            if then:
                return see_other(then)
            if section in SWAPPABLE and is_htmx(self.request):
                return self.page(section=section)
            return see_other(f"/cases/{self.case_id}#case-{section}")

        def refused(errors: dict[str, str], status: int) -> Response:
            return self.page(section=section, errors=errors, posted={form: values}, status_code=status)

        return forms.submit(self.db, act, done=done, refused=refused, form=form, fields=values)


def _writer_form(
    request: Request, case_id: uuid.UUID, db: DB, settings: AppSettings, principal: CaseWriter
) -> CaseForm:
    return CaseForm(request, db, settings, principal, case_id)


def _referrer_form(
    request: Request, case_id: uuid.UUID, db: DB, settings: AppSettings, principal: ReferralManager
) -> CaseForm:
    return CaseForm(request, db, settings, principal, case_id)


WriterForm = Annotated[CaseForm, Depends(_writer_form)]
ReferrerForm = Annotated[CaseForm, Depends(_referrer_form)]


@router.get("/cases/{case_id}")
def case_view(
    request: Request, case_id: uuid.UUID, db: DB, settings: AppSettings, principal: CaseReader
) -> Response:
    return _case_page(request, db, settings, principal, case_id)


@router.post("/cases/{case_id}/actions")
def case_action(
    here: WriterForm,
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
    # The message goes to the form that was sent (a step may have two: as usual, and at the
    # person's request during the reflection period).
    form = form_id if re.fullmatch(r"action-[a-z_]+(-asked)?", form_id) else "action"
    return here.post(
        form,
        "status",
        values,
        lambda: service.act_on_case(
            here.db, here.principal, here.settings, here.case_id, forms.parse(CaseCommandIn, values)
        ),
        then=f"/cases/{here.case_id}",
    )


@router.post("/cases/{case_id}/guardian")
def case_guardian(here: WriterForm, has_guardian: Choice = "", guardian: Text = "") -> Response:
    values = {"has_guardian": bool(has_guardian), "guardian": guardian}
    return here.post(
        "guardian",
        "status",
        values,
        lambda: service.set_guardian(
            here.db, here.principal, here.settings, here.case_id, forms.parse(GuardianIn, values)
        ),
        then=f"/cases/{here.case_id}",
    )


@router.post("/cases/{case_id}/consents")
def case_consent(
    here: WriterForm, purpose: Choice = "", agency_id: Choice = "", country: Choice = ""
) -> Response:
    values = {"purpose": purpose, "agency_id": agency_id, "country": country}
    return here.post(
        "consent",
        "consents",
        values,
        lambda: service.give_consent(here.db, here.principal, here.case_id, forms.parse(ConsentIn, values)),
    )


@router.post("/cases/{case_id}/consents/{consent_id}/withdraw")
def case_consent_withdraw(here: WriterForm, consent_id: uuid.UUID) -> Response:
    return here.post(
        "consent",
        "consents",
        {},
        lambda: service.withdraw_consent(here.db, here.principal, here.case_id, consent_id),
    )


@router.post("/cases/{case_id}/rights")
def case_right(here: WriterForm, kind: Choice = "", status: Choice = "") -> Response:
    values = {"kind": kind, "status": status}
    return here.post(
        "right",
        "rights",
        values,
        lambda: service.set_right(here.db, here.principal, here.case_id, forms.parse(RightIn, values)),
    )


@router.post("/cases/{case_id}/referrals")
def case_refer(
    here: ReferrerForm,
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
    return here.post(
        "referral",
        "referrals",
        values,
        lambda: service.refer(
            here.db, here.principal, here.settings, here.case_id, forms.parse(ReferralIn, values)
        ),
        then=f"/cases/{here.case_id}#case-referrals",
    )


@router.post("/cases/{case_id}/plan/goals")
def case_goal(here: WriterForm, title: Text = "") -> Response:
    values = {"title": title}
    return here.post(
        "goal",
        "plan",
        values,
        lambda: service.add_goal(
            here.db,
            here.principal,
            here.settings,
            here.case_id,
            forms.parse(GoalIn, values, keep_blanks=True),
        ),
    )


@router.post("/cases/{case_id}/plan/tasks")
def case_task(here: WriterForm, title: Text = "", goal_id: Choice = "", due_on: Choice = "") -> Response:
    values = {"title": title, "goal_id": goal_id, "due_on": due_on}
    return here.post(
        "task",
        "plan",
        values,
        lambda: service.add_task(
            here.db, here.principal, here.settings, here.case_id, forms.parse(TaskIn, values)
        ),
    )


@router.post("/cases/{case_id}/plan/tasks/{task_id}/done")
def case_task_done(here: WriterForm, task_id: uuid.UUID) -> Response:
    return here.post(
        "task", "plan", {}, lambda: service.complete_task(here.db, here.principal, here.case_id, task_id)
    )


@router.post("/cases/{case_id}/notes")
def case_note(here: WriterForm, text: LongText = "") -> Response:
    values = {"text": text}
    return here.post(
        "note",
        "notes",
        values,
        lambda: service.add_note(
            here.db,
            here.principal,
            here.settings,
            here.case_id,
            forms.parse(NoteIn, values, keep_blanks=True),
        ),
    )
