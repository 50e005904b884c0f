"""Issue 11, item 15 (lockout): five bad passwords from anywhere locked anyone out of `admin`
for 15 minutes. Now failures make the next try wait, a little longer each time; an account is
never delayed at an address it signed in from by failures elsewhere; guessing stays slow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from qorgau.auth.models import SignInAttempt
from qorgau.permissions import Role
from tests.support import make_user, sign_in

# Documentation addresses (RFC 5737).
OWNER_DESK, ATTACKER = ("192.0.2.10", 50001), ("203.0.113.66", 50002)


def _client(app, address) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=address)


def _age_failures(db, username: str, seconds: float) -> None:
    """Move this account's attempts back in time, as if `seconds` had passed."""
    for attempt in db.scalars(select(SignInAttempt).where(SignInAttempt.username == username)):
        attempt.at -= timedelta(seconds=seconds)
    db.flush()


def test_an_attacker_cannot_lock_the_owner_out_at_their_usual_desk(app, db):
    admin = make_user(db, Role.CASE_WORKER, username="admin-lockout")
    with _client(app, OWNER_DESK) as owner:
        assert sign_in(owner, admin.username).status_code == 303
    with _client(app, ATTACKER) as attacker:
        for _ in range(12):
            sign_in(attacker, admin.username, "guess-guess-guess-1")
        assert sign_in(attacker, admin.username, "guess-guess-guess-2").status_code == 429
    with _client(app, OWNER_DESK) as owner:
        assert sign_in(owner, admin.username).status_code == 303


def test_the_first_delay_is_seconds_and_it_grows(client, db):
    user = make_user(db, Role.CASE_WORKER)
    for _ in range(5):
        assert sign_in(client, user.username, "wrong-password-123").status_code == 422
    first = sign_in(client, user.username, "wrong-password-123")
    assert first.status_code == 429 and int(first.headers["Retry-After"]) <= 15
    _age_failures(db, user.username, 16)
    assert sign_in(client, user.username, "wrong-password-123").status_code == 422  # the 6th failure
    second = sign_in(client, user.username, "wrong-password-123")
    assert second.status_code == 429 and 15 < int(second.headers["Retry-After"]) <= 30


def test_delays_stop_at_the_longest_and_a_streak_is_not_forgotten_by_waiting_it_out(client, db):
    user = make_user(db, Role.CASE_WORKER)
    for _ in range(12):
        sign_in(client, user.username, "wrong-password-123")
        _age_failures(db, user.username, 15 * 60)  # each guess as soon as allowed
    sign_in(client, user.username, "wrong-password-123")
    capped = sign_in(client, user.username, "wrong-password-123")
    assert capped.status_code == 429
    assert 14 * 60 < int(capped.headers["Retry-After"]) <= 15 * 60
    assert "Try again in 15 minutes" in capped.text


def test_a_streak_is_forgotten_after_a_quiet_half_hour(client, db):
    user = make_user(db, Role.CASE_WORKER)
    for _ in range(8):
        sign_in(client, user.username, "wrong-password-123")
        _age_failures(db, user.username, 15 * 60)
    _age_failures(db, user.username, 31 * 60)
    assert sign_in(client, user.username).status_code == 303


def test_settings_names_still_work(client, db, settings):
    settings.sign_in_max_failures_per_account = 2
    settings.sign_in_first_delay_seconds = 60
    user = make_user(db, Role.CASE_WORKER)
    for _ in range(2):
        sign_in(client, user.username, "wrong-password-123")
    delayed = sign_in(client, user.username)
    assert delayed.status_code == 429 and 30 < int(delayed.headers["Retry-After"]) <= 60
