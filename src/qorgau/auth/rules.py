"""Pure rules of the auth room: sign-in throttling and session lifetimes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def locked_until(
    failures: Iterable[datetime],
    now: datetime,
    *,
    window: timedelta,
    max_failures: int,
    lock: timedelta,
) -> datetime | None:
    """When a lock caused by recent failures ends, or None if not locked.

    The lock starts at the failure that reached the limit inside the window and lasts `lock`;
    failures older than the window are forgotten. Successful sign-ins are not counted here:
    the caller passes only failures since the last success.
    """
    recent = sorted(t for t in failures if now - window <= t <= now)
    if len(recent) < max_failures:
        return None
    until = recent[-1] + lock
    return until if until > now else None


def session_expiry(
    created_at: datetime, last_seen_at: datetime, *, idle: timedelta, absolute: timedelta
) -> datetime:
    """A session ends after `idle` without use or `absolute` after it began, whichever first."""
    return min(last_seen_at + idle, created_at + absolute)
