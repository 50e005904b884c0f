"""Small secrets of the auth room: API and session tokens, TOTP seeds and codes (the seeds are
sealed with the keyring, see auth.two_factor; CSRF tokens are the web kit's: qorgau.web.csrf)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import unicodedata

import pyotp

TOKEN_PREFIX = "qg_"  # noqa: S105 - a marker that makes leaked tokens findable, not a secret


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name="Qorgau")


_BASE32 = re.compile(r"[A-Z2-7]{16,64}")


def normalise_totp_secret(secret: str) -> str | None:
    """A TOTP secret in canonical form (upper-case base32, no spaces), or None if it is not
    one an authenticator app could hold."""
    secret = "".join(secret.split()).upper()
    if not _BASE32.fullmatch(secret):
        return None
    try:
        base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        return None
    return secret


def ascii_digits(code: str) -> str | None:
    """A code typed with any decimal digits (Arabic-Indic, Devanagari...) and spaces, as ASCII
    digits; None if it holds anything else."""
    digits = []
    for ch in "".join(code.split()):
        value = unicodedata.decimal(ch, None)
        if value is None:
            return None
        digits.append(str(value))
    return "".join(digits)


def totp_matching_step(secret: str, code: str, at_unix: float, last_step: int | None) -> int | None:
    """The TOTP time step a code belongs to (now, or one step either side for clock drift),
    or None if the code is wrong or was already used (replay)."""
    normalised = ascii_digits(code)
    if normalised is None or len(normalised) != 6:
        return None
    code = normalised
    totp = pyotp.TOTP(secret)
    now_step = int(at_unix // totp.interval)
    for step in (now_step, now_step - 1, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None
