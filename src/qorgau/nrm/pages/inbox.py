"""The referral inbox of the receiving agency, and the steps on a referral."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from qorgau.db import utcnow
from qorgau.nrm import rules, service
from qorgau.nrm.pages.case import CaseForm
from qorgau.nrm.pages.common import Choice, ReferralManager, Text, _orphans_to, _waited
from qorgau.nrm.rules import ReferralAction, ReferralStatus
from qorgau.nrm.schemas import ReferralCommandIn, ReferralOut
from qorgau.principal import Principal
from qorgau.web import forms
from qorgau.web.deps import DB, AppSettings
from qorgau.web.render import private, render, see_other

router = APIRouter(include_in_schema=False)


_NEEDS_REASON = frozenset({ReferralAction.REJECT, ReferralAction.FAIL, ReferralAction.CANCEL})


def _receiver_actions(status: ReferralStatus) -> list[ReferralAction]:
    """The receiving agency's steps on a referral in this status (cancelling is the sender's)."""
    return [a for a in rules.allowed_referral_actions(status) if rules.REFERRAL_ACTION_SIDE[a] == "receiver"]


def _inbox_page(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    referrals = [ReferralOut.model_validate(r) for r in service.referral_inbox(db, principal, settings)]
    now = utcnow()
    rows = [
        {
            "referral": r,
            "waited": _waited(r, now),
            "actions": [
                {"action": a.value, "needs_reason": a in _NEEDS_REASON} for a in _receiver_actions(r.status)
            ],
        }
        for r in referrals
    ]
    shown = {f"referral-{r.id}-{a.value}" for r in referrals for a in _receiver_actions(r.status)}
    ctx = {
        "rows": rows,
        "errors": _orphans_to(errors or {}, shown, "referral", "inbox.form"),
        "posted": posted or {},
    }
    return private(render(request, "nrm/referrals.html", ctx, status_code=status_code))


@router.get("/referrals")
def referrals(request: Request, db: DB, settings: AppSettings, principal: ReferralManager) -> Response:
    return _inbox_page(request, db, settings, principal)


@router.post("/referrals/{referral_id}/actions")
def referral_action(
    request: Request,
    referral_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: ReferralManager,
    action: Choice = "",
    reason: Text = "",
    case_id: Choice = "",
) -> Response:
    """A step on a referral. From the inbox (the receiving agency) it returns to the inbox; from
    the case page (`case_id` sent: the referring side cancels) it returns to the case."""
    values = {"action": action, "reason": reason}
    form = f"referral-{referral_id}-{action}" if re.fullmatch(r"[a-z_]{1,32}", action) else "referral"

    def act() -> object:
        body = forms.parse(ReferralCommandIn, values)
        return service.act_on_referral(db, principal, settings, referral_id, body)

    try:
        back_to_case = uuid.UUID(case_id) if case_id else None
    except ValueError:
        back_to_case = None
    if back_to_case is not None:
        here = CaseForm(request, db, settings, principal, back_to_case)
        return here.post(form, "referrals", values, act, then=f"/cases/{back_to_case}#case-referrals")
    return forms.submit(
        db,
        act,
        done=lambda _result: see_other("/referrals"),
        refused=lambda errors, code: _inbox_page(
            request, db, settings, principal, errors=errors, posted={form: values}, status_code=code
        ),
        form=form,
        fields=values,
    )
