"""Sign-in throttling: growing delays per account, per account and address, per address, and
for second-factor codes (the pure rule is rules.retry_at).

Nobody can lock an account out for long: after the free failures each further one makes the
next attempt wait longer, up to QORGAU_SIGN_IN_LOCK_MINUTES, and a refused attempt is not a
failure. The failures of an account from everywhere delay it everywhere except at the addresses
it has signed in from before: someone guessing at `admin` from elsewhere slows guessing of
`admin` everywhere, but not the administrator at their usual desk, whom only the failures from
that desk's own address delay.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from qorgau.auth.models import SignInAttempt
from qorgau.auth.rules import retry_at
from qorgau.config import Settings
from qorgau.errors import TooManyAttempts
from qorgau.i18n import _, ngettext

PASSWORD = "password"  # noqa: S105 - the name of a factor, not a secret
TOTP = "totp"
# An address an account signed in from within this time is its own: others cannot delay it there.
KNOWN_ADDRESS_DAYS = 90
# Failures beyond the free ones after which the delay is surely at its cap: no need to read more.
_READ_BEYOND_FREE = 64


def _limits(settings: Settings) -> dict[str, timedelta]:
    longest = timedelta(minutes=settings.sign_in_lock_minutes)
    return {
        "first": timedelta(seconds=settings.sign_in_first_delay_seconds),
        "longest": longest,
        # A streak of failures is forgotten after this much quiet following its longest delay,
        # so waiting out the delay never makes the free failures free again.
        "forget_after": longest + timedelta(minutes=settings.sign_in_window_minutes),
    }


def _failures(
    db: Session, free: int, *conditions: ColumnElement[bool], reset_by_success: bool
) -> list[datetime]:
    """The latest failures matching `conditions`; with `reset_by_success`, only those after the
    last success that matches them too."""
    query = select(SignInAttempt.at).where(*conditions, ~SignInAttempt.succeeded)
    if reset_by_success:
        last_ok = db.scalar(select(func.max(SignInAttempt.at)).where(*conditions, SignInAttempt.succeeded))
        if last_ok is not None:
            query = query.where(SignInAttempt.at > last_ok)
    return list(db.scalars(query.order_by(SignInAttempt.at.desc()).limit(free + _READ_BEYOND_FREE)))


def _known_address(db: Session, username: str, address: str, now: datetime) -> bool:
    return (
        db.scalar(
            select(SignInAttempt.id)
            .where(
                SignInAttempt.username == username,
                SignInAttempt.address == address,
                SignInAttempt.factor == PASSWORD,
                SignInAttempt.succeeded,
                SignInAttempt.at >= now - timedelta(days=KNOWN_ADDRESS_DAYS),
            )
            .limit(1)
        )
        is not None
    )


def _wait_hint(seconds: int) -> str:
    if seconds < 120:
        return ngettext("Try again in %(seconds)d second.", "Try again in %(seconds)d seconds.", seconds) % {
            "seconds": seconds
        }
    minutes = (seconds + 59) // 60
    return ngettext("Try again in %(minutes)d minute.", "Try again in %(minutes)d minutes.", minutes) % {
        "minutes": minutes
    }


def _refusal(until: datetime, now: datetime, why: str) -> TooManyAttempts:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    return TooManyAttempts(why + " " + _wait_hint(seconds), retry_after_seconds=seconds)


def sign_in_refusal(
    db: Session, settings: Settings, username: str, address: str, *, now: datetime
) -> TooManyAttempts | None:
    """Why a password may not be tried now for `username` from `address`, or None."""
    limits = _limits(settings)
    per_account = settings.sign_in_max_failures_per_account
    account = [SignInAttempt.username == username, SignInAttempt.factor == PASSWORD]
    if _known_address(db, username, address, now):
        account.append(SignInAttempt.address == address)
    account_until = retry_at(
        _failures(db, per_account, *account, reset_by_success=True), now, free=per_account, **limits
    )
    per_address = settings.sign_in_max_failures_per_address
    # An address is not reset by a success: a sprayer holding one valid account could otherwise
    # clear its own counter between guesses.
    address_until = retry_at(
        _failures(db, per_address, SignInAttempt.address == address, reset_by_success=False),
        now,
        free=per_address,
        **limits,
    )
    if address_until is not None and (account_until is None or address_until > account_until):
        return _refusal(address_until, now, _("Too many failed sign-in attempts from this address."))
    if account_until is not None:
        return _refusal(account_until, now, _("Too many failed sign-in attempts for this account."))
    return None


def second_factor_refusal(
    db: Session, settings: Settings, username: str, *, now: datetime
) -> TooManyAttempts | None:
    """Why a second-factor code (at sign-in or enrolment) may not be tried now, or None. Only a
    good code resets this count; a good password does not."""
    free = settings.sign_in_max_failures_per_account
    until = retry_at(
        _failures(
            db, free, SignInAttempt.username == username, SignInAttempt.factor == TOTP, reset_by_success=True
        ),
        now,
        free=free,
        **_limits(settings),
    )
    return None if until is None else _refusal(until, now, _("Too many wrong codes."))


def record(
    db: Session, username: str, address: str, *, now: datetime, ok: bool, factor: str = PASSWORD
) -> None:
    db.add(SignInAttempt(username=username[:64], address=address[:64], at=now, succeeded=ok, factor=factor))
