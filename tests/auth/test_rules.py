"""Pure rules of the auth room, tested without a database (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from qorgau.auth.rules import locked_until, session_expiry

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WINDOW, LOCK, MAX = timedelta(minutes=15), timedelta(minutes=15), 5

failure_times = st.lists(
    st.integers(min_value=0, max_value=3600).map(lambda s: NOW - timedelta(seconds=s)), max_size=30
)


def lock(failures):
    return locked_until(failures, NOW, window=WINDOW, max_failures=MAX, lock=LOCK)


@given(failure_times)
def test_locked_exactly_when_enough_recent_failures_and_the_lock_has_not_run_out(failures):
    recent = [t for t in failures if NOW - WINDOW <= t <= NOW]
    expected = len(recent) >= MAX and max(recent) + LOCK > NOW
    assert (lock(failures) is not None) == expected
    if expected:
        assert lock(failures) == max(recent) + LOCK


@given(failure_times, st.integers(min_value=0, max_value=3600))
def test_one_more_failure_never_unlocks(failures, ago):
    if lock(failures) is not None:
        assert lock([*failures, NOW - timedelta(seconds=ago)]) is not None


@given(failure_times)
def test_order_of_failures_does_not_matter(failures):
    assert lock(failures) == lock(list(reversed(failures)))


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_session_ends_at_idle_or_absolute_limit_whichever_first(created_ago, seen_after):
    created = NOW - timedelta(minutes=created_ago)
    seen = created + timedelta(minutes=seen_after)
    ends = session_expiry(created, seen, idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    assert ends <= created + timedelta(hours=12)
    assert ends <= seen + timedelta(minutes=30)
    assert ends in (created + timedelta(hours=12), seen + timedelta(minutes=30))
