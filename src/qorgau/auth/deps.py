"""How a request proves who it is, and the permission every route declares.

Every route has exactly one access declaration among its dependencies:
- `require(Permission.X)`: a signed-in principal (two-factor done) holding permission X;
- `signed_in_pending`: a principal that passed the password step but perhaps not yet the
  second factor (only the two-factor pages and sign-out);
- `Public` (qorgau.web.csrf): anyone.
The authorization-matrix test walks the route table and fails on a route without one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from qorgau.auth import service
from qorgau.db import read_connection, unit_of_work, utcnow
from qorgau.errors import AuditNote, Forbidden, NotAuthenticated, TwoFactorPending
from qorgau.i18n import _
from qorgau.l10n import set_zone
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.web.csrf import SESSION_COOKIE, check_csrf

log = logging.getLogger("qorgau.auth")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _look_up(request: Request, now: datetime) -> service.Authentication | None:
    """Find the credential of this request. Reads in a short transaction of its own, not the
    request's: it happens on every request, and the "last used" stamp is then written by itself
    (_record_use), so on SQLite a stamp never has to upgrade a read snapshot that another writer
    has moved past."""
    factory = request.app.state.sessionmaker
    ids = {"request_id": request.state.request_id, "address": client_address(request)}
    if auth := request.headers.get("authorization"):
        scheme, _sep, raw = auth.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise NotAuthenticated(_("Use an API token: Authorization: Bearer <token>."))
        with read_connection(factory) as conn:
            found = service.authenticate_token(conn, raw.strip(), now=now, **ids)
        if found is None:
            raise NotAuthenticated(_("This API token is not valid, has expired or was revoked."))
        return found
    if cookie := request.cookies.get(SESSION_COOKIE):
        with read_connection(factory) as conn:
            return service.resolve_session(conn, request.app.state.settings, cookie, now=now, **ids)
    return None


def _record_use(request: Request, found: service.Authentication, now: datetime) -> None:
    assert found.stale_credential_id is not None
    record = service.record_token_use if found.principal.via == "token" else service.record_session_use
    try:
        # The write path: on SQLite a read transaction that then writes can fail to upgrade.
        with unit_of_work(request.app.state.write_sessionmaker) as db:
            record(db, found.stale_credential_id, now)
    except SQLAlchemyError:
        # Only a "last used" stamp: a busy database must not fail the request for it.
        log.warning("could not record credential use request_id=%s", request.state.request_id)


def _remember(request: Request, found: service.Authentication | None) -> Principal | None:
    request.state.principal = found.principal if found else None
    set_zone(found.principal.time_zone if found else None)
    return request.state.principal


def current_principal(request: Request) -> Principal | None:
    """Who sent this request (a Bearer token, a session cookie, or nobody), for sync code."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    now = utcnow()
    found = _look_up(request, now)
    if found is not None and found.stale_credential_id is not None:
        _record_use(request, found, now)
    return _remember(request, found)


async def principal_of(request: Request) -> Principal | None:
    """CSRF check, then authentication. The access rules below call this themselves rather than
    through nested dependencies, which FastAPI would resolve one by one on every request."""
    await check_csrf(request)
    if hasattr(request.state, "principal"):
        return request.state.principal
    now = utcnow()
    if request.app.state.reads_never_wait:
        # SQLite in WAL mode: a read never waits for a writer, and an indexed lookup in a local
        # file costs less than the hand-over to a worker thread would.
        found = _look_up(request, now)
    else:
        found = await run_in_threadpool(_look_up, request, now)
    if found is not None and found.stale_credential_id is not None:
        await run_in_threadpool(_record_use, request, found, now)  # a write may wait: off the loop
    return _remember(request, found)


class require:
    """Dependency that admits a fully signed-in principal holding one permission."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> Principal:
        principal = await principal_of(request)
        if principal is None:
            raise NotAuthenticated(_("Sign in to continue."))
        if principal.two_factor_pending:
            raise TwoFactorPending(_("Finish signing in with your second factor."))
        if not principal.can(self.permission):
            denied = Forbidden(_("Your role does not allow this."))
            # Written by the request's unit of work after it rolls back: a refused attempt
            # leaves a trace even though nothing else of the request is kept.
            denied.audit_after_rollback = AuditNote(
                principal,
                "access.denied",
                "route",
                request.scope["route"].path,
                {"permission": self.permission.value},
            )
            raise denied
        return principal

    def __repr__(self) -> str:
        return f"require({self.permission.value!r})"


async def signed_in_pending(request: Request) -> Principal:
    principal = await principal_of(request)
    if principal is None:
        raise NotAuthenticated(_("Sign in to continue."))
    return principal


PendingPrincipal = Annotated[Principal, Depends(signed_in_pending)]


# The principals of the auth room's routes, named for what they may do.
AccountHolder = Annotated[Principal, Depends(require(Permission.ACCOUNT_SELF))]
AgencyReader = Annotated[Principal, Depends(require(Permission.AGENCY_READ))]
AgencyAdmin = Annotated[Principal, Depends(require(Permission.AGENCY_ADMIN))]
UserAdmin = Annotated[Principal, Depends(require(Permission.USER_ADMIN))]
