"""Two-factor sign-in (TOTP): enrolment, and the code asked for after the password.

Who may set a second factor, and when:
- an account without one, in the enrolment step of sign-in (a session that passed the password
  step and has no second factor to pass yet);
- a fully signed-in account, after typing its password again and, if it has a second factor,
  a current code from it (replacing the seed, e.g. for a new phone).
A session half signed in to an account that has a second factor can never set one. Every code
tried, at sign-in or enrolment, goes through the same throttle (throttle.second_factor_refusal).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.audit.models import Outcome
from qorgau.auth import crypto, throttle
from qorgau.auth.models import User, WebSession
from qorgau.auth.passwords import verify_password
from qorgau.auth.service import own_account
from qorgau.config import Settings
from qorgau.errors import Conflict, Forbidden, InvalidInput, TooManyAttempts
from qorgau.i18n import _
from qorgau.keyring import open_legacy, row_aad
from qorgau.principal import Principal

TOTP_SEAL = "totp"  # what a seed is sealed as: keyring.row_aad("totp", user id)


def _seal_seed(settings: Settings, user: User, secret: str) -> tuple[str, bytes]:
    """(key id, sealed seed) under the keyring's active key, so `keys rotate` re-seals it."""
    return settings.keyring.seal_row(TOTP_SEAL, user.id, secret.encode())


def _open_seed(settings: Settings, user: User, sealed: bytes) -> str:
    if user.totp_key_id is None:  # sealed before migration 0015, with the secrets file's key
        return open_legacy(settings.secrets.secret_box_key, sealed, row_aad(TOTP_SEAL, user.id)).decode()
    return settings.keyring.open_row(user.totp_key_id, sealed, TOTP_SEAL, user.id).decode()


def wrong_code() -> str:
    return _("That code is not correct. Check the clock of your device and try again.")


def begin_enrolment(user: User) -> tuple[str, str]:
    """A fresh secret and its otpauth:// URI. Nothing is stored until a code confirms it."""
    secret = crypto.new_totp_secret()
    return secret, crypto.totp_uri(secret, user.username)


def may_enrol(actor: Principal, user: User) -> bool:
    """Whether this session may open the enrolment page at all (see the module's rules)."""
    return not (actor.two_factor_pending and user.two_factor_enrolled)


def _throttled(db: Session, settings: Settings, actor: Principal, now: datetime) -> TooManyAttempts | None:
    refused = throttle.second_factor_refusal(db, settings, actor.username, now=now)
    if refused is None and not actor.two_factor_pending:
        refused = throttle.sign_in_refusal(db, settings, actor.username, actor.address or "", now=now)
    return refused


def confirm_enrolment(
    db: Session,
    settings: Settings,
    actor: Principal,
    secret: str,
    code: str,
    *,
    now: datetime,
    password: str = "",
    current_code: str = "",
) -> InvalidInput | None:
    """Store `secret` as the account's second factor once `code` proves the app has it.

    Raises for what writes nothing (refused outright, throttled, a malformed secret). A wrong
    password or code is returned, not raised, after its failed attempt was added: the caller
    keeps the transaction, so that the throttle counts it.
    """
    user = own_account(db, actor)
    if not may_enrol(actor, user):
        raise Forbidden(_("This account already has a second factor: sign in with a code from it."))
    refused = _throttled(db, settings, actor, now)
    if refused is not None:
        raise refused
    normalised = crypto.normalise_totp_secret(secret)
    if normalised is None:
        raise InvalidInput(_("The enrolment expired; start again."), field="secret")
    address = actor.address or ""
    old_sealed = user.totp_secret_sealed
    if not actor.two_factor_pending:
        # Fully signed in: whoever sits at an unlocked screen must not be able to swap the factor.
        if not verify_password(user.password_hash, password):
            throttle.record(db, user.username, address, now=now, ok=False)
            audit.record(db, actor, "user.two_factor_enrol", "user", user.id, outcome=Outcome.DENIED)
            return InvalidInput(_("The current password is not correct."), field="current_password")
        if old_sealed is not None:
            old = _open_seed(settings, user, old_sealed)
            if crypto.totp_matching_step(old, current_code, now.timestamp(), user.totp_last_step) is None:
                throttle.record(db, user.username, address, now=now, ok=False, factor=throttle.TOTP)
                audit.record(db, actor, "user.two_factor_enrol", "user", user.id, outcome=Outcome.DENIED)
                return InvalidInput(wrong_code(), field="current_code")
    step = crypto.totp_matching_step(normalised, code, now.timestamp(), None)
    if step is None:
        throttle.record(db, user.username, address, now=now, ok=False, factor=throttle.TOTP)
        audit.record(db, actor, "user.two_factor_enrol", "user", user.id, outcome=Outcome.DENIED)
        return InvalidInput(wrong_code(), field="code")
    # Conditional on the seed read above: of two enrolments at once, only one can win.
    unchanged: ColumnElement[bool]
    if old_sealed is None:
        unchanged = User.totp_secret_sealed.is_(None)
    else:
        unchanged = User.totp_secret_sealed == old_sealed
    key_id, sealed = _seal_seed(settings, user, normalised)
    written = db.execute(
        update(User)
        .where(User.id == user.id, unchanged)
        .values(totp_secret_sealed=sealed, totp_key_id=key_id, totp_last_step=step)
        .execution_options(synchronize_session="fetch")
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Two-factor sign-in was changed meanwhile; start again."))
    throttle.record(db, user.username, address, now=now, ok=True, factor=throttle.TOTP)
    _mark_session_verified(db, actor)
    audit.record(
        db, actor, "user.two_factor_enrol", "user", user.id, details={"replaced": old_sealed is not None}
    )
    return None


def verify(db: Session, settings: Settings, actor: Principal, code: str, *, now: datetime) -> bool:
    """Check a TOTP code for a session that passed the password step. Failures are counted by
    the second-factor throttle, so the six digits cannot be brute-forced."""
    user = own_account(db, actor)
    if user.totp_secret_sealed is None:
        return False
    secret = _open_seed(settings, user, user.totp_secret_sealed)
    step = crypto.totp_matching_step(secret, code, now.timestamp(), user.totp_last_step)
    ok = step is not None
    throttle.record(db, user.username, actor.address or "", now=now, ok=ok, factor=throttle.TOTP)
    if not ok:
        audit.record(db, actor, "session.two_factor", "user", user.id, outcome=Outcome.DENIED)
        return False
    user.totp_last_step = step
    if user.totp_key_id != settings.keyring.active_id:  # an old key, or the old secret box
        user.totp_key_id, user.totp_secret_sealed = _seal_seed(settings, user, secret)
    _mark_session_verified(db, actor)
    audit.record(db, actor, "session.two_factor", "user", user.id)
    return True


def refusal(db: Session, settings: Settings, actor: Principal, *, now: datetime) -> TooManyAttempts | None:
    return throttle.second_factor_refusal(db, settings, actor.username, now=now)


def _mark_session_verified(db: Session, actor: Principal) -> None:
    if actor.session_id is not None:
        session = db.get(WebSession, actor.session_id)
        if session is not None:
            session.two_factor_passed = True
