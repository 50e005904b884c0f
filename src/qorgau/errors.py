"""Errors the rules raise on purpose. Each becomes a 4xx: RFC 9457 problem details for the
API, a friendly page for people. Messages are already translated and never carry personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qorgau.i18n import N_


@dataclass(frozen=True)
class AuditNote:
    """An audit event to write after the request's transaction was rolled back (a refusal)."""

    actor: Any
    action: str
    object_type: str
    object_id: str | None
    details: dict[str, Any] | None = None


class DomainError(Exception):
    status = 400
    title = N_("Bad request")

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.audit_after_rollback: AuditNote | None = None


class InvalidInput(DomainError):
    status = 422
    title = N_("Invalid input")


class NotFound(DomainError):
    status = 404
    title = N_("Not found")


class Conflict(DomainError):
    status = 409
    title = N_("Conflict")


class Forbidden(DomainError):
    status = 403
    title = N_("Forbidden")


class NotAuthenticated(DomainError):
    status = 401
    title = N_("Not signed in")


class TwoFactorPending(NotAuthenticated):
    """Signed in with a password, second factor (or its enrolment) still to do."""


class TooManyAttempts(DomainError):
    status = 429
    title = N_("Too many attempts")

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class Busy(TooManyAttempts):
    """The node has more work queued than it takes on: come back after a short wait."""

    status = 503
    title = N_("Busy")
