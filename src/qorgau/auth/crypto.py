"""Small secrets of the auth room: API and session tokens, sealed TOTP seeds (CSRF tokens are
the web kit's: qorgau.web.csrf)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOKEN_PREFIX = "qg_"  # noqa: S105 - a marker that makes leaked tokens findable, not a secret


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM; the associated data binds the sealed value to its owner (a user id)."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)
    except InvalidTag as exc:
        raise ValueError("sealed value does not open with this node's key") from exc


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name="Qorgau")


def totp_matching_step(secret: str, code: str, at_unix: float, last_step: int | None) -> int | None:
    """The TOTP time step a code belongs to (now, or one step either side for clock drift),
    or None if the code is wrong or was already used (replay)."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(at_unix // totp.interval)
    for step in (now_step, now_step - 1, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None
