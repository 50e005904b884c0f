"""Pages of grants of power (auth/grants.py): the list awaiting approval, and one grant with its
approve and refuse forms (the confirmation step). They call the same functions as the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from qorgau.auth import grants
from qorgau.auth.deps import require
from qorgau.auth.labels import agency_kind_label, role_label
from qorgau.auth.models import Grant, GrantKind
from qorgau.auth.schemas import GrantRefusal
from qorgau.errors import DomainError
from qorgau.i18n import _
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.web.deps import DB, AppSettings, roll_back
from qorgau.web.render import render

router = APIRouter(include_in_schema=False)

GrantApprover = Annotated[Principal, Depends(require(Permission.GRANT_APPROVE))]


def _what(grant: Grant) -> str:
    if grant.kind == GrantKind.AGENCY:
        return _("Register agency %(code)s (%(kind)s)") % {
            "code": grant.agency.code,
            "kind": agency_kind_label(grant.agency.kind),
        }
    username = grant.user.username if grant.user is not None else "?"
    role = role_label(grant.role) if grant.role is not None else "?"
    return _("Role %(role)s for %(username)s (%(agency)s)") % {
        "role": role,
        "username": username,
        "agency": grant.agency.code,
    }


def _context(**extra: Any) -> dict[str, Any]:
    return {"what": _what, **extra}


@router.get("/admin/grants")
def grant_list(request: Request, db: DB, principal: GrantApprover) -> Response:
    return _done(request, db, principal, None)


def _grant_page(
    request: Request,
    db: DB,
    principal: Principal,
    grant: Grant,
    *,
    errors: dict[str, str] | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "auth/grant.html",
        _context(grant=grant, errors=errors or {}, reason=reason),
        status_code=status_code,
    )


@router.get("/admin/grants/{grant_id}")
def grant_page(request: Request, grant_id: uuid.UUID, db: DB, principal: GrantApprover) -> Response:
    return _grant_page(request, db, principal, grants.get_grant(db, principal, grant_id))


def _done(request: Request, db: DB, principal: Principal, message: str | None) -> Response:
    pending = grants.list_grants(db, principal)
    return render(request, "auth/grants.html", _context(grants=pending, message=message))


@router.post("/admin/grants/{grant_id}/approve")
def approve(
    request: Request, grant_id: uuid.UUID, db: DB, principal: GrantApprover, settings: AppSettings
) -> Response:
    try:
        grant = grants.approve(db, principal, grant_id, days=settings.grant_recent_days)
    except DomainError as exc:
        roll_back(db, exc)
        if exc.status == 404:
            raise
        grant = grants.get_grant(db, principal, grant_id)
        return _grant_page(request, db, principal, grant, errors={"form": exc.detail}, status_code=exc.status)
    return _done(request, db, principal, _("Approved: %(what)s.") % {"what": _what(grant)})


@router.post("/admin/grants/{grant_id}/refuse")
def refuse(
    request: Request,
    grant_id: uuid.UUID,
    db: DB,
    principal: GrantApprover,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        data = GrantRefusal.model_validate({"reason": reason})
        grant = grants.refuse(db, principal, grant_id, data.reason)
    except (ValidationError, DomainError) as exc:
        roll_back(db, exc)
        if isinstance(exc, DomainError) and exc.status == 404:
            raise
        status = exc.status if isinstance(exc, DomainError) else 422
        detail = exc.detail if isinstance(exc, DomainError) else _("Give the reason for refusing.")
        grant = grants.get_grant(db, principal, grant_id)
        field = "form" if isinstance(exc, DomainError) else "reason"
        return _grant_page(
            request, db, principal, grant, errors={field: detail}, reason=reason, status_code=status
        )
    return _done(request, db, principal, _("Refused: %(what)s.") % {"what": _what(grant)})
