"""Pure rules of the auth room: sign-in throttling, session and API token lifetimes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

# API tokens end by themselves: 90 days unless their creator chooses otherwise, never more
# than a year (a forgotten token in a script must not live for ever).
TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365


def backoff_delay(excess: int, *, first: timedelta, longest: timedelta) -> timedelta:
    """The wait after a failure that is `excess` failures beyond the free ones: `first`,
    doubling with each further failure, never more than `longest`."""
    if excess < 0:
        return timedelta(0)
    delay = max(first, timedelta(0))
    for _ in range(excess):
        if delay >= longest or delay == timedelta(0):
            break
        delay *= 2  # stops at the cap long before a timedelta could overflow
    return min(delay, longest)


def streak(failures: Iterable[datetime], now: datetime, *, forget_after: timedelta) -> list[datetime]:
    """The failures that still count, oldest first: the latest run in which no two failures
    (nor the last one and now) are more than `forget_after` apart. A quiet period that long
    forgets everything before it. Failures after `now` are ignored."""
    times = sorted(t for t in failures if t <= now)
    if not times or now - times[-1] > forget_after:
        return []
    start = len(times) - 1
    while start > 0 and times[start] - times[start - 1] <= forget_after:
        start -= 1
    return times[start:]


def retry_at(
    failures: Iterable[datetime],
    now: datetime,
    *,
    free: int,
    first: timedelta,
    longest: timedelta,
    forget_after: timedelta,
) -> datetime | None:
    """When the next attempt may be made, or None if it may be made now.

    The first `free` failures of a streak cost nothing (typing mistakes); each further one
    makes the next attempt wait `first`, then twice as long, up to `longest`. Refused
    attempts are not failures (the caller does not record them), so waiting is all it takes:
    nobody is locked out for longer than `longest`, and a guesser gets one try per `longest`
    for as long as it keeps trying. The caller passes only failures since the last success.
    """
    run = streak(failures, now, forget_after=forget_after)
    if len(run) < max(free, 1):
        return None
    until = run[-1] + backoff_delay(len(run) - max(free, 1), first=first, longest=longest)
    return until if until > now else None


def session_expiry(
    created_at: datetime, last_seen_at: datetime, *, idle: timedelta, absolute: timedelta
) -> datetime:
    """A session ends after `idle` without use or `absolute` after it began, whichever first."""
    return min(last_seen_at + idle, created_at + absolute)


def token_lifetime(days: int | None) -> timedelta | None:
    """The lifetime of a new API token, or None if `days` is outside what is allowed."""
    if days is None:
        days = TOKEN_DEFAULT_DAYS
    if not 1 <= days <= TOKEN_MAX_DAYS:
        return None
    return timedelta(days=days)
