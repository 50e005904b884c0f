"""Pages of the auth room: sign-in, two-factor, account, and administration of agencies and
users. They call the same service functions as the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from qorgau.auth import service
from qorgau.auth.crypto import totp_uri
from qorgau.auth.deps import (
    SESSION_COOKIE,
    AccountHolder,
    AgencyAdmin,
    AgencyReader,
    PendingPrincipal,
    Public,
    UserAdmin,
    client_address,
)
from qorgau.auth.models import AgencyKind
from qorgau.auth.permissions import Permission as P
from qorgau.auth.permissions import Role
from qorgau.auth.schemas import AgencyCreate, UserCreate
from qorgau.db import utcnow
from qorgau.errors import DomainError
from qorgau.i18n import _
from qorgau.labels import agency_kind_label, role_label
from qorgau.web import forms
from qorgau.web.deps import DB, AppSettings, roll_back
from qorgau.web.render import render
from qorgau.web.requestctx import LANG_COOKIE

router = APIRouter(include_in_schema=False)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- sign-in ---------------------------------------------------------------------------------


@router.get("/sign-in", dependencies=[Public])
def sign_in_form(request: Request) -> Response:
    return render(request, "auth/sign_in.html", {"error": None, "username": ""})


@router.post("/sign-in", dependencies=[Public])
def sign_in(
    request: Request,
    db: DB,
    settings: AppSettings,
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    now = utcnow()
    result = service.sign_in(
        db,
        request.app.state.sessionmaker,
        settings,
        username,
        password,
        address=client_address(request),
        now=now,
    )
    if not result.ok or result.user is None:
        # 422, not 401: the request was understood, the credentials in it were wrong.
        status = 429 if result.retry_after_seconds else 422
        response = render(
            request,
            "auth/sign_in.html",
            {"error": result.error, "username": username[:64]},
            status_code=status,
        )
        if result.retry_after_seconds:
            response.headers["Retry-After"] = str(result.retry_after_seconds)
        return response
    user = result.user
    session, raw = service.start_session(
        db, settings, user, now=now, request_id=request.state.request_id, address=client_address(request)
    )
    if session.two_factor_passed:
        target = "/"
    elif user.two_factor_enrolled:
        target = "/sign-in/two-factor"
    else:
        target = "/account/two-factor"
    response = _see_other(target)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
        max_age=settings.session_absolute_minutes * 60,
    )
    if user.locale:
        response.set_cookie(
            LANG_COOKIE,
            user.locale,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
            max_age=365 * 24 * 3600,
        )
    return response


@router.get("/sign-in/two-factor")
def two_factor_form(request: Request, principal: PendingPrincipal) -> Response:
    if not principal.two_factor_pending:
        return _see_other("/")
    return render(request, "auth/two_factor.html", {"error": None})


@router.post("/sign-in/two-factor")
def two_factor(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: PendingPrincipal,
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    now = utcnow()
    locked = service.second_factor_locked(db, settings, principal, now=now)
    if locked is not None:
        return render(request, "auth/two_factor.html", {"error": locked.detail}, status_code=429)
    if not service.verify_second_factor(db, settings, principal, code, now=now):
        return render(
            request,
            "auth/two_factor.html",
            {"error": _("That code is not correct. Check the clock of your device and try again.")},
            status_code=422,
        )
    return _see_other("/")


@router.post("/sign-out")
def sign_out(request: Request, db: DB, principal: PendingPrincipal) -> Response:
    service.end_session(db, principal)
    response = _see_other("/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- account ---------------------------------------------------------------------------------


def _account_page(
    request: Request,
    db: DB,
    principal: Any,
    *,
    message: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    user = service.own_account(db, principal)
    return render(
        request,
        "auth/account.html",
        {"user": user, "message": message, "errors": errors or {}, "role_label": role_label},
        status_code=status_code,
    )


@router.get("/account")
def account(request: Request, db: DB, principal: AccountHolder) -> Response:
    return _account_page(request, db, principal)


@router.post("/account/password")
def change_password(
    request: Request,
    db: DB,
    principal: AccountHolder,
    current_password: Annotated[str, Form(max_length=256)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    message = _("Your password was changed. Other sessions were signed out.")
    return forms.submit(
        db,
        lambda: service.change_password(db, principal, current_password, new_password),
        done=lambda _result: _account_page(request, db, principal, message=message),
        refused=lambda errors, status: _account_page(
            request, db, principal, errors=errors, status_code=status
        ),
    )


@router.get("/account/two-factor")
def two_factor_setup_form(request: Request, db: DB, principal: PendingPrincipal) -> Response:
    user = service.own_account(db, principal)
    secret, uri = service.begin_two_factor_enrolment(user)
    return _two_factor_setup(request, secret, uri, None)


def _two_factor_setup(
    request: Request, secret: str, uri: str, error: str | None, status_code: int = 200
) -> Response:
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code for your authenticator app"))
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "auth/two_factor_setup.html",
        {"secret": secret, "secret_grouped": grouped, "qr_svg": qr_svg, "error": error},
        status_code=status_code,
    )


@router.post("/account/two-factor")
def two_factor_setup(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: PendingPrincipal,
    secret: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    try:
        service.confirm_two_factor_enrolment(db, settings, principal, secret, code, now=utcnow())
    except DomainError as exc:
        roll_back(db, exc)
        user = service.own_account(db, principal)
        if exc.field == "secret":
            secret, uri = service.begin_two_factor_enrolment(user)
        else:
            uri = totp_uri(secret, user.username)
        return _two_factor_setup(request, secret, uri, exc.detail, status_code=exc.status)
    return _see_other("/")


# --- agencies ---------------------------------------------------------------------------------


def _agencies_page(
    request: Request,
    db: DB,
    principal: Any,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "auth/agencies.html",
        {
            "agencies": service.list_agencies(db, principal),
            "kinds": [(k.value, agency_kind_label(k)) for k in AgencyKind],
            "kind_label": agency_kind_label,
            "can_admin": principal.can(P.AGENCY_ADMIN),
            "form": form or {"code": "", "name": "", "country": principal.agency_country or "", "kind": ""},
            "errors": errors or {},
            "message": message,
        },
        status_code=status_code,
    )


@router.get("/agencies")
def agencies(request: Request, db: DB, principal: AgencyReader) -> Response:
    return _agencies_page(request, db, principal)


@router.post("/agencies")
def create_agency(
    request: Request,
    db: DB,
    principal: AgencyAdmin,
    code: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    country: Annotated[str, Form(max_length=8)] = "",
    kind: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    form = {"code": code, "name": name, "country": country, "kind": kind}
    return forms.submit(
        db,
        lambda: service.create_agency(db, principal, forms.parse(AgencyCreate, form, keep_blanks=True)),
        done=lambda agency: _agencies_page(
            request, db, principal, message=_("Agency %(code)s was registered.") % {"code": agency.code}
        ),
        refused=lambda errors, status: _agencies_page(
            request, db, principal, form=form, errors=errors, status_code=status
        ),
    )


# --- users -------------------------------------------------------------------------------------


def _users_page(
    request: Request,
    db: DB,
    principal: Any,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    created: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "auth/users.html",
        {
            "users": service.list_users(db, principal),
            "agencies": service.list_agencies(db, principal),
            "roles": [(r.value, role_label(r)) for r in Role],
            "role_label": role_label,
            "form": form or {"username": "", "display_name": "", "agency_code": "", "roles": []},
            "errors": errors or {},
            "created": created,
        },
        status_code=status_code,
    )


@router.get("/admin/users")
def users(request: Request, db: DB, principal: UserAdmin) -> Response:
    return _users_page(request, db, principal)


@router.post("/admin/users")
def create_user(
    request: Request,
    db: DB,
    principal: UserAdmin,
    username: Annotated[str, Form(max_length=128)] = "",
    display_name: Annotated[str, Form(max_length=400)] = "",
    agency_code: Annotated[str, Form(max_length=64)] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    form = {
        "username": username,
        "display_name": display_name,
        "agency_code": agency_code,
        "roles": roles or [],
    }
    values = {**form, "password": password or None}
    return forms.submit(
        db,
        lambda: service.create_user(db, principal, forms.parse(UserCreate, values, keep_blanks=True)),
        done=lambda made: _users_page(
            request, db, principal, created={"username": made[0].username, "password": made[1]}
        ),
        refused=lambda errors, status: _users_page(
            request, db, principal, form=form, errors=errors, status_code=status
        ),
    )


def _user_activity_changed(request: Request, user: Any) -> Response:
    # htmx swaps the one table row; without JavaScript the browser reloads the list.
    if request.headers.get("hx-request"):
        return render(request, "auth/_user_row.html", {"u": user, "role_label": role_label})
    return _see_other("/admin/users")


@router.post("/admin/users/{user_id}/disable")
def disable_user(request: Request, user_id: uuid.UUID, db: DB, principal: UserAdmin) -> Response:
    user = service.set_user_active(db, principal, service.get_user(db, principal, user_id), False)
    return _user_activity_changed(request, user)


@router.post("/admin/users/{user_id}/enable")
def enable_user(request: Request, user_id: uuid.UUID, db: DB, principal: UserAdmin) -> Response:
    user = service.set_user_active(db, principal, service.get_user(db, principal, user_id), True)
    return _user_activity_changed(request, user)
