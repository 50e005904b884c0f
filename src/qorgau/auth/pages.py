"""Pages of the auth room: sign-in, two-factor, account, and administration of agencies and
users. They call the same service functions as the API."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from qorgau import l10n
from qorgau.auth import crypto, service
from qorgau.auth import two_factor as second_factor
from qorgau.auth.crypto import totp_uri
from qorgau.auth.deps import (
    AccountHolder,
    AgencyAdmin,
    AgencyReader,
    PendingPrincipal,
    UserAdmin,
    client_address,
)
from qorgau.auth.labels import agency_kind_label, role_label
from qorgau.auth.models import AgencyKind
from qorgau.auth.rules import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS
from qorgau.auth.schemas import AgencyCreate, TokenCreate, UserCreate
from qorgau.db import utcnow
from qorgau.errors import DomainError, TooManyAttempts
from qorgau.i18n import _
from qorgau.permissions import Permission as P
from qorgau.permissions import Role
from qorgau.web import forms
from qorgau.web.csrf import SESSION_COOKIE, Public
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
    locked = second_factor.refusal(db, settings, principal, now=now)
    if locked is not None:
        response = render(request, "auth/two_factor.html", {"error": locked.detail}, status_code=429)
        response.headers["Retry-After"] = str(locked.retry_after_seconds)
        return response
    if not second_factor.verify(db, settings, principal, code, now=now):
        return render(request, "auth/two_factor.html", {"error": second_factor.wrong_code()}, status_code=422)
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
    new_token: dict[str, Any] | None = None,
    token_form: dict[str, Any] | None = None,
) -> Response:
    user = service.own_account(db, principal)
    return render(
        request,
        "auth/account.html",
        {
            "user": user,
            "message": message,
            "errors": errors or {},
            "role_label": role_label,
            "zones": [(z, l10n.zone_label(z)) for z in l10n.zone_names()],
            "default_zone": l10n.default_zone(user.agency.country),
            "tokens": service.list_api_tokens(db, principal, user),
            "now": utcnow(),
            "new_token": new_token,
            "token_form": token_form or {"label": "", "expires_in_days": TOKEN_DEFAULT_DAYS},
            "token_max_days": TOKEN_MAX_DAYS,
        },
        status_code=status_code,
    )


@router.get("/account")
def account(request: Request, db: DB, principal: AccountHolder) -> Response:
    return _account_page(request, db, principal)


@router.post("/account/time-zone")
def set_time_zone(
    request: Request, db: DB, principal: AccountHolder, time_zone: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    return forms.submit(
        db,
        lambda: service.set_time_zone(db, principal, time_zone),
        done=lambda _result: _see_other("/account"),
        refused=lambda errors, status: _account_page(
            request, db, principal, errors=errors, status_code=status
        ),
    )


@router.post("/account/password")
def change_password(
    request: Request,
    db: DB,
    principal: AccountHolder,
    current_password: Annotated[str, Form(max_length=256)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
    keep_api_tokens: Annotated[bool, Form()] = False,
) -> Response:
    if keep_api_tokens:
        message = _("Your password was changed. Other sessions were signed out.")
    else:
        message = _("Your password was changed. Other sessions were signed out and your API tokens revoked.")
    return forms.submit(
        db,
        lambda: service.change_password(
            db, principal, current_password, new_password, keep_api_tokens=keep_api_tokens
        ),
        done=lambda _result: _account_page(request, db, principal, message=message),
        refused=lambda errors, status: _account_page(
            request, db, principal, errors=errors, status_code=status
        ),
    )


@router.post("/account/tokens")
def create_token(
    request: Request,
    db: DB,
    principal: AccountHolder,
    label: Annotated[str, Form(max_length=400)] = "",
    expires_in_days: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    form = {"label": label, "expires_in_days": expires_in_days}

    def create() -> Any:
        data = forms.parse(
            TokenCreate, {"label": label, "expires_in_days": expires_in_days or TOKEN_DEFAULT_DAYS}
        )
        user = service.own_account(db, principal)
        return service.create_api_token(db, principal, user, data.label, expires_in_days=data.expires_in_days)

    def created(made: Any) -> Response:
        token, raw = made
        new_token = {"label": token.label, "token": raw, "expires_at": token.expires_at}
        return _account_page(request, db, principal, new_token=new_token)

    return forms.submit(
        db,
        create,
        done=created,
        refused=lambda errors, status: _account_page(
            request, db, principal, errors=errors, status_code=status, token_form=form
        ),
    )


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: uuid.UUID, db: DB, principal: AccountHolder) -> Response:
    token = service.revoke_api_token(db, principal, token_id)
    # htmx swaps the one row; without JavaScript the browser reloads the account page.
    if request.headers.get("hx-request"):
        return render(request, "auth/_token_row.html", {"t": token, "now": utcnow()})
    return _see_other("/account")


@router.get("/account/two-factor")
def two_factor_setup_form(request: Request, db: DB, principal: PendingPrincipal) -> Response:
    user = service.own_account(db, principal)
    if not second_factor.may_enrol(principal, user):
        return _see_other("/sign-in/two-factor")
    secret, uri = second_factor.begin_enrolment(user)
    return _two_factor_setup(request, principal, user, secret, uri, {})


def _two_factor_setup(
    request: Request,
    principal: Any,
    user: Any,
    secret: str,
    uri: str,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code for your authenticator app"))
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "auth/two_factor_setup.html",
        {
            "secret": secret,
            "secret_grouped": grouped,
            "qr_svg": qr_svg,
            "errors": errors,
            # Outside the sign-in step the password (and a current code) must be typed again.
            "reauthenticate": not principal.two_factor_pending,
            "replacing": user.two_factor_enrolled,
        },
        status_code=status_code,
    )


@router.post("/account/two-factor")
def two_factor_setup(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: PendingPrincipal,
    secret: Annotated[str, Form(max_length=128)] = "",
    code: Annotated[str, Form(max_length=32)] = "",
    current_password: Annotated[str, Form(max_length=256)] = "",
    current_code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    refused: DomainError | None
    try:
        refused = second_factor.confirm_enrolment(
            db,
            settings,
            principal,
            secret,
            code,
            now=utcnow(),
            password=current_password,
            current_code=current_code,
        )
    except DomainError as exc:
        roll_back(db, exc)
        refused = exc
    if refused is None:
        return _see_other("/")
    user = service.own_account(db, principal)
    if not second_factor.may_enrol(principal, user):
        raise refused  # 403: a half-signed-in session of an account with a second factor
    normalised = crypto.normalise_totp_secret(secret)
    if normalised is None:
        normalised, uri = second_factor.begin_enrolment(user)
    else:
        uri = totp_uri(normalised, user.username)
    errors = {refused.field or "form": refused.detail}
    response = _two_factor_setup(
        request, principal, user, normalised, uri, errors, status_code=refused.status
    )
    if isinstance(refused, TooManyAttempts):
        response.headers["Retry-After"] = str(refused.retry_after_seconds)
    return response


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
            "form": defaultdict(str, form or {"country": principal.agency_country or ""}),
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
    name_en: Annotated[str, Form(max_length=400)] = "",
    name_ru: Annotated[str, Form(max_length=400)] = "",
    name_kk: Annotated[str, Form(max_length=400)] = "",
    name_uz: Annotated[str, Form(max_length=400)] = "",
    name_ky: Annotated[str, Form(max_length=400)] = "",
    name_tg: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    form = {"code": code, "name": name, "country": country, "kind": kind}
    # The name in each language, optional: a language without one shows `name`.
    fields = {"en": name_en, "ru": name_ru, "kk": name_kk, "uz": name_uz, "ky": name_ky, "tg": name_tg}
    form.update({f"name_{k}": v for k, v in fields.items()})

    def registered(agency: Any) -> Response:
        message = (
            _("Agency %(code)s was registered.")
            if agency.active
            else _(
                "Agency %(code)s was registered; "
                "it receives referrals once a second administrator approves it."
            )
        )
        return _agencies_page(request, db, principal, message=message % {"code": agency.code})

    return forms.submit(
        db,
        lambda: service.create_agency(
            db, principal, forms.parse(AgencyCreate, {**form, "names": fields}, keep_blanks=True)
        ),
        done=registered,
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
    users = service.list_users(db, principal)
    return render(
        request,
        "auth/users.html",
        {
            "users": users,
            "pending": service.pending_roles(db, users),
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

    def made(result: Any) -> Response:
        user, generated = result
        awaiting = bool(service.pending_roles(db, [user]))
        created = {"username": user.username, "password": generated, "awaiting": awaiting}
        return _users_page(request, db, principal, created=created)

    return forms.submit(
        db,
        lambda: service.create_user(db, principal, forms.parse(UserCreate, values, keep_blanks=True)),
        done=made,
        refused=lambda errors, status: _users_page(
            request, db, principal, form=form, errors=errors, status_code=status
        ),
    )


def _user_activity_changed(request: Request, db: DB, user: Any) -> Response:
    # htmx swaps the one table row; without JavaScript the browser reloads the list.
    if request.headers.get("hx-request"):
        context = {"u": user, "role_label": role_label, "pending": service.pending_roles(db, [user])}
        return render(request, "auth/_user_row.html", context)
    return _see_other("/admin/users")


@router.post("/admin/users/{user_id}/disable")
def disable_user(request: Request, user_id: uuid.UUID, db: DB, principal: UserAdmin) -> Response:
    user = service.set_user_active(db, principal, service.get_user(db, principal, user_id), False)
    return _user_activity_changed(request, db, user)


@router.post("/admin/users/{user_id}/enable")
def enable_user(request: Request, user_id: uuid.UUID, db: DB, principal: UserAdmin) -> Response:
    user = service.set_user_active(db, principal, service.get_user(db, principal, user_id), True)
    return _user_activity_changed(request, db, user)
