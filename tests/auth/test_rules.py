"""Pure rules of the auth room, tested without a database (hypothesis)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.auth.rules import (
    TOKEN_DEFAULT_DAYS,
    TOKEN_MAX_DAYS,
    backoff_delay,
    retry_at,
    session_expiry,
    streak,
    token_lifetime,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FIRST, LONGEST, FORGET, FREE = timedelta(seconds=15), timedelta(minutes=15), timedelta(minutes=30), 5

failure_times = st.lists(
    st.integers(min_value=0, max_value=4 * 3600).map(lambda s: NOW - timedelta(seconds=s)), max_size=40
)


def retry(failures, now=NOW):
    return retry_at(failures, now, free=FREE, first=FIRST, longest=LONGEST, forget_after=FORGET)


@given(failure_times)
def test_the_first_failures_are_free(failures):
    if len(streak(failures, NOW, forget_after=FORGET)) < FREE:
        assert retry(failures) is None


@given(failure_times)
def test_nobody_waits_longer_than_the_longest_delay(failures):
    until = retry(failures)
    if until is not None:
        assert NOW < until <= max(failures) + LONGEST
        # Waiting is all it takes: at the time given, the next try is allowed.
        assert retry(failures, until) is None


@given(failure_times, st.integers(min_value=0, max_value=4 * 3600))
def test_one_more_failure_never_shortens_the_wait(failures, ago):
    before = retry(failures)
    after = retry([*failures, NOW - timedelta(seconds=ago)])
    if before is not None:
        assert after is not None and after >= before


@given(failure_times)
def test_order_of_failures_does_not_matter(failures):
    assert retry(failures) == retry(list(reversed(failures)))


@given(failure_times)
def test_a_quiet_period_forgets_earlier_failures(failures):
    later = NOW + FORGET + timedelta(seconds=1)
    assert retry(failures, later) is None
    assert streak(failures, later, forget_after=FORGET) == []


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=200))
def test_delays_grow_and_stop_at_the_longest(a, b):
    da, db = backoff_delay(a, first=FIRST, longest=LONGEST), backoff_delay(b, first=FIRST, longest=LONGEST)
    assert FIRST <= da <= LONGEST
    if a <= b:
        assert da <= db


@settings(deadline=None, max_examples=50)
@given(
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=1, max_value=120),
    st.integers(min_value=5, max_value=60),
    st.integers(min_value=1, max_value=24),
)
def test_a_guesser_trying_as_fast_as_allowed_stays_slow(free, first_s, longest_min, hours):
    """However the settings are chosen, someone who tries again the moment it is allowed gets no
    more than the free tries, the doubling ones, and one per longest delay."""
    first, longest = timedelta(seconds=first_s), timedelta(minutes=longest_min)
    longest = max(longest, first)
    forget = longest + timedelta(minutes=15)
    span = timedelta(hours=hours)
    t, tries = NOW, []
    while t < NOW + span:
        tries.append(t)
        # As the throttle does: only the latest failures are read.
        wait = retry_at(
            tries[-(free + 64) :], t, free=free, first=first, longest=longest, forget_after=forget
        )
        t = wait if wait is not None else t + timedelta(milliseconds=1)
    doubling = math.ceil(math.log2(longest / first)) + 1
    assert len(tries) <= free + doubling + span / longest + 1


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_session_ends_at_idle_or_absolute_limit_whichever_first(created_ago, seen_after):
    created = NOW - timedelta(minutes=created_ago)
    seen = created + timedelta(minutes=seen_after)
    ends = session_expiry(created, seen, idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    assert ends <= created + timedelta(hours=12)
    assert ends <= seen + timedelta(minutes=30)
    assert ends in (created + timedelta(hours=12), seen + timedelta(minutes=30))


@given(st.one_of(st.none(), st.integers(min_value=-1000, max_value=1000)))
def test_token_lifetime_is_bounded(days):
    lifetime = token_lifetime(days)
    if days is None:
        assert lifetime == timedelta(days=TOKEN_DEFAULT_DAYS)
    elif 1 <= days <= TOKEN_MAX_DAYS:
        assert lifetime == timedelta(days=days)
    else:
        assert lifetime is None
