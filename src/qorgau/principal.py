"""Who is acting: the principal every service receives and the audit log records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from qorgau.errors import Forbidden
from qorgau.i18n import _
from qorgau.permissions import Permission, Role, permissions_for


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID | None
    username: str
    display_name: str
    agency_id: uuid.UUID | None
    agency_code: str | None
    agency_country: str | None
    roles: frozenset[Role]
    # How the principal proved itself: "session", "token", or "system" (the CLI, demo loader).
    via: str
    request_id: str | None = None
    address: str | None = None
    session_id: uuid.UUID | None = None
    two_factor_pending: bool = False
    # The IANA zone the principal's times are shown in (l10n.set_zone).
    time_zone: str = "UTC"
    permissions: frozenset[Permission] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "permissions", permissions_for(self.roles))

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Services check again what routes already checked, so the CLI and other rooms cannot
        skip it."""
        if permission not in self.permissions:
            raise Forbidden(_("You do not have permission to do this."))


def system_principal(request_id: str | None = None) -> Principal:
    """The operator at the command line: acts with every role, is audited as 'system'."""
    return Principal(
        user_id=None,
        username="system",
        display_name="system",
        agency_id=None,
        agency_code=None,
        agency_country=None,
        roles=frozenset(Role),
        via="system",
        request_id=request_id,
    )
