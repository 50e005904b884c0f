"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from qorgau.errors import TooManyAttempts
from qorgau.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 256

# Set only by the test suite (tests/conftest.py), for itself and the `qorgau` processes it starts:
# argon2 at its cheapest, so that the hundreds of accounts and sign-ins of a test run do not cost
# a tenth of a second each. Never set it anywhere else: it makes stolen hashes cheap to crack.
TEST_ONLY_CHEAP_HASHING = "QORGAU_TEST_ONLY_CHEAP_PASSWORD_HASHING"

log = logging.getLogger(__name__)


def make_hasher(environ: Mapping[str, str]) -> PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: 3 passes over 64 MiB,
    4 lanes), unless the test suite asks for the cheap one."""
    if environ.get(TEST_ONLY_CHEAP_HASHING) == "1":
        log.warning("%s is set: password hashes are cheap to crack (tests only)", TEST_ONLY_CHEAP_HASHING)
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


@cache
def _hasher() -> PasswordHasher:
    return make_hasher(os.environ)


@cache
def _dummy_hash() -> str:
    # Verifying against this keeps sign-in for an unknown user as slow as for a known one,
    # so response time does not tell which usernames exist.
    return _hasher().hash("qorgau-timing-equaliser")


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords from public breach corpora.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def policy_problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with a proposed password, in words a person can act on; empty if fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.") % {"n": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.") % {"n": MAX_LENGTH})
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        problems.append(_("This password is too common or too easy to guess; choose another."))
    if username and len(username) >= 3 and username.lower() in lowered:
        problems.append(_("The password must not contain the username."))
    return problems


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


class HashingGate:
    """At most `slots` password checks at once (each takes a core and 64 MiB for about a
    second), and at most `queue` more waiting for one. Beyond that, or after waiting
    `wait_seconds`, a check is turned away at once (TooManyAttempts, with a Retry-After),
    so a crowd of sign-ins cannot tie up every worker thread, nor the memory, of the node."""

    def __init__(self, slots: int, queue: int, wait_seconds: float) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._limit = slots + queue
        self._admitted = 0
        self._count_lock = threading.Lock()
        self._wait_seconds = wait_seconds

    def _busy(self) -> TooManyAttempts:
        return TooManyAttempts(
            _("Many sign-ins are being checked right now. Try again in a few seconds."), retry_after_seconds=5
        )

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._count_lock:
            if self._admitted >= self._limit:
                raise self._busy()
            self._admitted += 1
        try:
            if not self._slots.acquire(timeout=self._wait_seconds):
                raise self._busy()
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._count_lock:
                self._admitted -= 1


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# The node's gate for password checks on the sign-in path: `with password_checks.turn(): ...`.
password_checks = HashingGate(slots=_cores(), queue=4 * _cores(), wait_seconds=10)
