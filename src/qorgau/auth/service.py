"""Use cases of the auth room. Every function takes the acting principal, checks what it may
do, writes through the ORM and records an audit event. None of them commits."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from qorgau.audit import service as audit
from qorgau.auth import crypto, grants, throttle
from qorgau.auth.models import Agency, ApiToken, SignInAttempt, User, UserRole, WebSession
from qorgau.auth.passwords import (
    hash_password,
    needs_rehash,
    password_checks,
    policy_problems,
    verify_password,
)
from qorgau.auth.rules import TOKEN_MAX_DAYS, session_expiry, token_lifetime
from qorgau.auth.schemas import AgencyCreate, MeOut, UserCreate, UserOut
from qorgau.config import Settings
from qorgau.db import read_connection, utcnow
from qorgau.errors import AuditNote, Conflict, InvalidInput, NotFound, TooManyAttempts
from qorgau.i18n import _
from qorgau.l10n import default_zone, is_zone
from qorgau.permissions import TWO_FACTOR_REQUIRED, Permission, Role
from qorgau.principal import Principal

# --- who sees what --------------------------------------------------------------------------


def readable_users(actor: Principal) -> Select[User]:
    """The one query every list and fetch of users starts from. Only user administrators see
    accounts; everybody else sees only their own (through `me`)."""
    query = select(User)
    if actor.can(Permission.USER_ADMIN):
        return query
    return query.where(User.id == actor.user_id)


def readable_agencies(actor: Principal) -> Select[Agency]:
    # The agency directory is not personal data; every signed-in role needs it for routing.
    actor.require(Permission.AGENCY_READ)
    return select(Agency)


def referral_agencies() -> Select[Agency]:
    """Agencies that may receive referrals: those in effect. A registration still waiting for
    its second person (auth/grants.py) receives none, the automatic one for a child included."""
    return select(Agency).where(Agency.active)


def receives_referrals(agency: Agency) -> bool:
    return agency.active


# The two-person rule's maker-checker test, for other rooms (the fund's approvals).
empowered_recently = grants.empowered_recently


# --- agencies -------------------------------------------------------------------------------


def create_agency(db: Session, actor: Principal, data: AgencyCreate) -> Agency:
    actor.require(Permission.AGENCY_ADMIN)
    if db.scalar(select(Agency.id).where(Agency.code == data.code)) is not None:
        raise Conflict(_("An agency with this code already exists."), field="code")
    waits = grants.agency_needs_approval(actor)
    agency = Agency(
        code=data.code,
        name=data.name,
        names=data.names or None,
        country=data.country,
        kind=data.kind,
        active=not waits,
    )
    db.add(agency)
    db.flush()
    audit.record(db, actor, "agency.create", "agency", agency.id, details={"awaiting_approval": waits})
    if waits:
        grants.request_agency(db, actor, agency)
    return agency


def list_agencies(db: Session, actor: Principal) -> list[Agency]:
    return list(db.scalars(readable_agencies(actor).order_by(Agency.country, Agency.code)))


def get_agency_by_code(db: Session, actor: Principal, code: str) -> Agency:
    agency = db.scalar(readable_agencies(actor).where(Agency.code == code.upper()))
    if agency is None:
        raise NotFound(_("No agency has this code."), field="agency_code")
    return agency


# --- users ----------------------------------------------------------------------------------


def generate_password() -> str:
    # 16 characters from a 57-symbol alphabet (~93 bits); no look-alike characters.
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def user_out(user: User, pending_roles: list[Role] | None = None) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        agency_code=user.agency.code,
        agency_country=user.agency.country,
        roles=sorted(user.roles),
        pending_roles=pending_roles or [],
        active=user.active,
        two_factor_enrolled=user.two_factor_enrolled,
        created_at=user.created_at,
    )


def me_out(actor: Principal) -> MeOut:
    # Built from the principal alone: `me` answers without another query.
    if actor.user_id is None:
        raise NotFound(_("The system principal has no account."))
    return MeOut(
        id=actor.user_id,
        username=actor.username,
        display_name=actor.display_name,
        agency_code=actor.agency_code,
        agency_country=actor.agency_country,
        roles=sorted(actor.roles),
        permissions=sorted(actor.permissions),
        authenticated_via=actor.via,
    )


def create_user(db: Session, actor: Principal, data: UserCreate) -> tuple[User, str | None]:
    """Create an account. Returns the user and the generated password, if one was generated."""
    actor.require(Permission.USER_ADMIN)
    agency = get_agency_by_code(db, actor, data.agency_code)
    if db.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Conflict(_("This username is taken."), field="username")
    generated = None
    password = data.password
    if password is None:
        password = generated = generate_password()
    problems = policy_problems(password, data.username)
    if problems:
        raise InvalidInput(" ".join(problems), field="password")
    at_once, waiting = grants.split_roles(actor, data.roles)
    user = User(
        username=data.username,
        display_name=data.display_name,
        agency=agency,
        password_hash=hash_password(password),
        created_by=actor.user_id,
        role_rows=[UserRole(role=r) for r in at_once],
    )
    db.add(user)
    db.flush()
    audit.record(
        db,
        actor,
        "user.create",
        "user",
        user.id,
        details={
            "roles": sorted(r.value for r in data.roles),
            "awaiting_approval": [r.value for r in waiting],
        },
    )
    for role in waiting:  # a powerful role waits for a second person (auth/grants.py)
        grants.request_role(db, actor, user, role)
    return user, generated


def pending_roles(db: Session, users: list[User]) -> dict[uuid.UUID, list[Role]]:
    """The roles of these accounts that still wait for a second person, by account."""
    return grants.pending_roles(db, (u.id for u in users))


def users_out(db: Session, users: list[User]) -> list[UserOut]:
    waiting = pending_roles(db, users)
    return [user_out(u, waiting.get(u.id)) for u in users]


def list_users(db: Session, actor: Principal) -> list[User]:
    return list(db.scalars(readable_users(actor).order_by(User.username)))


def get_user(db: Session, actor: Principal, user_id: uuid.UUID) -> User:
    user = db.scalar(readable_users(actor).where(User.id == user_id))
    if user is None:
        raise NotFound(_("No such user."))
    return user


def get_user_by_username(db: Session, actor: Principal, username: str) -> User:
    user = db.scalar(readable_users(actor).where(User.username == username.lower()))
    if user is None:
        raise NotFound(_("No user has this username."), field="username")
    return user


def set_user_active(db: Session, actor: Principal, user: User, active: bool) -> User:
    actor.require(Permission.USER_ADMIN)
    if not active and user.id == actor.user_id:
        raise Conflict(_("You cannot disable your own account."))
    user.active = active
    if not active:
        # A disabled account loses its sessions and tokens at once, not at their expiry.
        now = utcnow()
        for s in db.scalars(
            select(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        ):
            s.ended_at = now
        for t in db.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            t.revoked_at = now
    audit.record(db, actor, "user.enable" if active else "user.disable", "user", user.id)
    return user


def own_account(db: Session, actor: Principal) -> User:
    if actor.user_id is None:
        raise NotFound(_("The system principal has no account."))
    user = db.get(User, actor.user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def change_password(
    db: Session, actor: Principal, current: str, new: str, *, keep_api_tokens: bool = False
) -> None:
    """Change one's own password. Other sessions end, and so do one's API tokens unless
    `keep_api_tokens`: a password change is often a response to a leak."""
    actor.require(Permission.ACCOUNT_SELF)
    user = own_account(db, actor)
    if not verify_password(user.password_hash, current):
        refused = InvalidInput(_("The current password is not correct."), field="current_password")
        # A wrong current password may be someone else at an unlocked screen: keep a trace.
        refused.audit_after_rollback = AuditNote(actor, "user.password_change", "user", str(user.id))
        raise refused
    problems = policy_problems(new, user.username)
    if problems:
        raise InvalidInput(" ".join(problems), field="new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    # Other sessions of this user end: a password change is often a response to a leak.
    for s in db.scalars(
        select(WebSession).where(
            WebSession.user_id == user.id, WebSession.ended_at.is_(None), WebSession.id != actor.session_id
        )
    ):
        s.ended_at = utcnow()
    ended = 0 if keep_api_tokens else _end_api_tokens(db, user, utcnow())
    audit.record(db, actor, "user.password_change", "user", user.id, details={"api_tokens_ended": ended})


def set_time_zone(db: Session, actor: Principal, zone: str) -> None:
    """The zone the user's times are shown in; "" returns to the agency country's zone."""
    actor.require(Permission.ACCOUNT_SELF)
    if zone and not is_zone(zone):
        raise InvalidInput(_("Choose a time zone from the list."), field="time_zone")
    user = db.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotFound(_("No such user."))
    if user.time_zone != (zone or None):
        user.time_zone = zone or None
        audit.record(db, actor, "user.time_zone", "user", user.id, details={"time_zone": zone or None})


def set_locale(db: Session, actor: Principal, locale: str) -> None:
    if actor.user_id is None:
        return
    user = db.get(User, actor.user_id)
    if user is not None and user.locale != locale:
        user.locale = locale


# --- API tokens -----------------------------------------------------------------------------


def create_api_token(
    db: Session, actor: Principal, user: User, label: str, *, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for `user`: oneself, or anyone for a user administrator. The raw token is
    returned once and only its hash is kept. It ends after `expires_in_days` (default 90)."""
    if user.id != actor.user_id:
        actor.require(Permission.USER_ADMIN)
    if not user.active:
        raise Conflict(_("This account is disabled."))
    lifetime = token_lifetime(expires_in_days)
    if lifetime is None:
        raise InvalidInput(
            _("A token lasts from 1 to %(days)d days.") % {"days": TOKEN_MAX_DAYS}, field="expires_in_days"
        )
    raw = crypto.new_token()
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        label=label,
        token_hash=crypto.token_hash(raw),
        created_at=now,
        expires_at=now + lifetime,
    )
    db.add(token)
    db.flush()
    audit.record(
        db,
        actor,
        "api_token.create",
        "api_token",
        token.id,
        details={"user_id": str(user.id), "days": lifetime.days},
    )
    return token, raw


def _end_api_tokens(db: Session, user: User, now: datetime) -> int:
    """Revoke every live token of `user`; how many were live."""
    tokens = list(
        db.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    )
    for t in tokens:
        t.revoked_at = now
    return len(tokens)


def revoke_api_token(db: Session, actor: Principal, token_id: uuid.UUID) -> ApiToken:
    token = db.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.user_id and not actor.can(Permission.USER_ADMIN)):
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(db, actor, "api_token.revoke", "api_token", token.id)
    return token


def list_api_tokens(db: Session, actor: Principal, user: User) -> list[ApiToken]:
    if user.id != actor.user_id:
        actor.require(Permission.USER_ADMIN)
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)))


def principal_for(
    user: User,
    via: str,
    *,
    request_id: str | None,
    address: str | None,
    session_id: uuid.UUID | None = None,
    two_factor_pending: bool = False,
) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        agency_id=user.agency_id,
        agency_code=user.agency.code,
        agency_country=user.agency.country,
        roles=user.roles,
        via=via,
        request_id=request_id,
        address=address,
        session_id=session_id,
        two_factor_pending=two_factor_pending,
        time_zone=user.time_zone or default_zone(user.agency.country),
    )


# "Last used" stamps are written at most this often, so authenticated reads stay reads.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)

# Who a credential belongs to, with all their roles, in one query of plain columns: this runs on
# every authenticated request, so it avoids ORM objects and a second query for the roles.
_PRINCIPAL_COLUMNS = (
    User.id.label("user_id"),
    User.username,
    User.display_name,
    User.agency_id,
    Agency.code.label("agency_code"),
    Agency.country.label("agency_country"),
    User.time_zone,
    UserRole.role,
)
_TOKEN_LOOKUP = (
    select(ApiToken.id.label("credential_id"), ApiToken.last_used_at, *_PRINCIPAL_COLUMNS)
    .join(User, User.id == ApiToken.user_id)
    .join(Agency, Agency.id == User.agency_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > bindparam("now"),
        User.active,
    )
)
_SESSION_LOOKUP = (
    select(
        WebSession.id.label("credential_id"),
        WebSession.created_at,
        WebSession.last_seen_at,
        WebSession.two_factor_passed,
        *_PRINCIPAL_COLUMNS,
    )
    .join(User, User.id == WebSession.user_id)
    .join(Agency, Agency.id == User.agency_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(WebSession.token_hash == bindparam("token_hash"), WebSession.ended_at.is_(None), User.active)
)


@dataclass(frozen=True)
class Authentication:
    principal: Principal
    # Set when the credential's "last used" stamp is due: the caller records it with
    # record_token_use / record_session_use in a transaction of its own.
    stale_credential_id: uuid.UUID | None


def _principal_from_rows(rows: Sequence[Any], via: str, **extra: Any) -> Principal:
    first = rows[0]
    return Principal(
        user_id=first.user_id,
        username=first.username,
        display_name=first.display_name,
        agency_id=first.agency_id,
        agency_code=first.agency_code,
        agency_country=first.agency_country,
        # None: no role in effect yet (an account whose roles wait for approval holds nothing).
        roles=frozenset(Role(r.role) for r in rows if r.role is not None),
        via=via,
        time_zone=first.time_zone or default_zone(first.agency_country),
        **extra,
    )


def authenticate_token(
    db: Connection, raw: str, *, now: datetime, request_id: str | None, address: str | None
) -> Authentication | None:
    rows = db.execute(_TOKEN_LOOKUP, {"token_hash": crypto.token_hash(raw), "now": now}).all()
    if not rows:
        return None
    principal = _principal_from_rows(rows, "token", request_id=request_id, address=address)
    last_used = rows[0].last_used_at
    stale = last_used is None or now - last_used > TOKEN_TOUCH_INTERVAL
    return Authentication(principal, rows[0].credential_id if stale else None)


def record_token_use(db: Session, credential_id: uuid.UUID, now: datetime) -> None:
    # Conditional, so concurrent first uses write once and a newer stamp is never overwritten.
    db.execute(
        update(ApiToken)
        .where(
            ApiToken.id == credential_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOKEN_TOUCH_INTERVAL),
        )
        .values(last_used_at=now)
    )


# --- sign-in and sessions -------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    error: str | None = None
    retry_after_seconds: int | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def _sign_in_refusal(
    db: Session | Connection, settings: Settings, username: str, *, address: str, now: datetime
) -> SignInResult | None:
    """The throttle's answer before a password is checked (growing delays, see auth/throttle.py):
    a refusal, or None to go on."""
    refused = throttle.sign_in_refusal(db, settings, username, address, now=now)  # type: ignore[arg-type]
    if refused is None:
        return None
    return SignInResult(error=refused.detail, retry_after_seconds=refused.retry_after_seconds)


def sign_in(
    db: Session,
    reads: sessionmaker[Session],
    settings: Settings,
    username: str,
    password: str,
    *,
    address: str,
    now: datetime,
) -> SignInResult:
    """Check a username and password, throttled per account and per address.

    Never raises for a wrong password: the attempt must be committed so that the throttle
    counts it. The same message is given for an unknown user and a wrong password.

    The password hash (a second of a core, 64 MiB) is checked outside any transaction, between
    a short read on `reads` (the throttle, the stored hash) and the writes on `db` (the attempt,
    a new hash), which begin only then: a crowd of wrong passwords holds no database lock and
    no connection while it is hashed, and passwords.password_checks bounds how many are hashed at
    once. The throttle is asked again in the write, so attempts that raced past it in the read
    still count and still stop at the limit.
    """
    username = username.strip().lower()[:64]
    with read_connection(reads) as conn:
        refusal = _sign_in_refusal(conn, settings, username, address=address, now=now)
        if refusal is not None:
            return refusal
        stored = conn.execute(select(User.password_hash).where(User.username == username)).scalar()
    try:
        with password_checks.turn():
            matches = verify_password(stored, password)
            new_hash = hash_password(password) if matches and stored and needs_rehash(stored) else None
    except TooManyAttempts as busy:
        return SignInResult(error=busy.detail, retry_after_seconds=busy.retry_after_seconds)

    refusal = _sign_in_refusal(db, settings, username, address=address, now=now)
    if refusal is not None:
        return refusal
    user = db.scalar(select(User).where(User.username == username))
    # The hash checked must still be the account's: a password changed meanwhile wins.
    ok = matches and user is not None and user.active and user.password_hash == stored
    db.add(SignInAttempt(username=username, address=address, at=now, succeeded=ok))
    if not ok or user is None:
        return SignInResult(error=_("The username or password is not correct, or the account is disabled."))
    if new_hash is not None:
        user.password_hash = new_hash
    return SignInResult(user=user)


def two_factor_required(user: User) -> bool:
    return user.two_factor_enrolled or bool(user.roles & TWO_FACTOR_REQUIRED)


def start_session(
    db: Session, settings: Settings, user: User, *, now: datetime, request_id: str | None, address: str | None
) -> tuple[WebSession, str]:
    raw = crypto.new_token()
    session = WebSession(
        user_id=user.id,
        token_hash=crypto.token_hash(raw),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(minutes=settings.session_absolute_minutes),
        two_factor_passed=not two_factor_required(user),
    )
    db.add(session)
    db.flush()
    actor = principal_for(user, "session", request_id=request_id, address=address, session_id=session.id)
    audit.record(
        db,
        actor,
        "session.start",
        "user",
        user.id,
        details={"two_factor_pending": not session.two_factor_passed},
    )
    return session, raw


def resolve_session(
    db: Connection,
    settings: Settings,
    raw: str,
    *,
    now: datetime,
    request_id: str | None,
    address: str | None,
) -> Authentication | None:
    rows = db.execute(_SESSION_LOOKUP, {"token_hash": crypto.token_hash(raw)}).all()
    if not rows:
        return None
    first = rows[0]
    ends = session_expiry(
        first.created_at,
        first.last_seen_at,
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(minutes=settings.session_absolute_minutes),
    )
    if now >= ends:  # expiry is computed, not stored: an expired session can never come back
        return None
    principal = _principal_from_rows(
        rows,
        "session",
        request_id=request_id,
        address=address,
        session_id=first.credential_id,
        two_factor_pending=not first.two_factor_passed,
    )
    stale = now - first.last_seen_at > SESSION_TOUCH_INTERVAL
    return Authentication(principal, first.credential_id if stale else None)


def record_session_use(db: Session, credential_id: uuid.UUID, now: datetime) -> None:
    db.execute(
        update(WebSession)
        .where(WebSession.id == credential_id, WebSession.last_seen_at < now - SESSION_TOUCH_INTERVAL)
        .values(last_seen_at=now)
    )


def end_session(db: Session, actor: Principal) -> None:
    if actor.session_id is None:
        return
    session = db.get(WebSession, actor.session_id)
    if session is not None and session.ended_at is None:
        session.ended_at = utcnow()
        audit.record(db, actor, "session.end", "user", actor.user_id)
