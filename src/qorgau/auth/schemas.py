"""Input and output shapes of the auth room (API and pages share them)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qorgau.auth.models import AgencyKind, GrantKind, GrantStatus
from qorgau.auth.rules import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS
from qorgau.config import SUPPORTED_LOCALES
from qorgau.countries import is_country
from qorgau.i18n import _
from qorgau.permissions import Permission, Role
from qorgau.text import Input

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$")
AGENCY_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,30}[A-Z0-9]$")


def _country(v: str) -> str:
    v = v.strip().upper()
    if not is_country(v):
        raise ValueError(_("not an ISO 3166-1 alpha-2 country code (for example KZ, UZ, KG, TJ)"))
    return v


class AgencyCreate(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    code: str = Field(min_length=3, max_length=32, description="Short unique code, e.g. KZ-MVD-ALA")
    name: str = Field(min_length=2, max_length=200)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    kind: AgencyKind
    names: dict[str, str] = Field(
        default_factory=dict, description="The name in other languages: {locale: name}"
    )

    @field_validator("names")
    @classmethod
    def _names(cls, v: dict[str, str]) -> dict[str, str]:
        names = {k: n.strip() for k, n in v.items() if n and n.strip()}
        if unknown := sorted(set(names) - set(SUPPORTED_LOCALES)):
            raise ValueError(_("no such language: %(codes)s") % {"codes": ", ".join(unknown)})
        if any(len(n) > 200 for n in names.values()):
            raise ValueError(_("a name has at most 200 characters"))
        return names

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        v = v.upper()
        if not AGENCY_CODE_RE.match(v):
            raise ValueError(_("use capital letters, digits and hyphens, for example KZ-MVD-ALA"))
        return v

    _check_country = field_validator("country")(classmethod(lambda cls, v: _country(v)))


class AgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    names: dict[str, str] | None = Field(default=None, description="The name in other languages")
    country: str
    kind: AgencyKind
    active: bool = Field(description="False while its registration awaits a second person's approval")


class UserCreate(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    username: str = Field(min_length=3, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    agency_code: str = Field(min_length=3, max_length=32)
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="Leave out to have a password generated and returned once",
    )

    @field_validator("username")
    @classmethod
    def _username(cls, v: str) -> str:
        v = v.lower()
        if not USERNAME_RE.match(v):
            raise ValueError(
                _(
                    "use 3-64 lower-case letters, digits, dots, hyphens or underscores, "
                    "starting and ending with a letter or digit"
                )
            )
        return v

    @field_validator("agency_code")
    @classmethod
    def _agency_code(cls, v: str) -> str:
        return v.upper()


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    agency_code: str
    agency_country: str
    roles: list[Role]
    pending_roles: list[Role] = Field(
        default_factory=list, description="Roles awaiting a second person's approval; they confer nothing yet"
    )
    active: bool
    two_factor_enrolled: bool
    created_at: datetime


class UserCreated(UserOut):
    generated_password: str | None = Field(
        default=None, description="Shown once, only when no password was given"
    )


class MeOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    agency_code: str | None
    agency_country: str | None
    roles: list[Role]
    permissions: list[Permission]
    authenticated_via: str


class PasswordChange(Input):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)
    keep_api_tokens: bool = Field(
        default=False, description="Keep my API tokens; by default a password change revokes them"
    )


class TokenCreate(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    label: str = Field(min_length=1, max_length=100)
    expires_in_days: int = Field(
        default=TOKEN_DEFAULT_DAYS,
        ge=1,
        le=TOKEN_MAX_DAYS,
        description=f"Days until the token ends by itself (1-{TOKEN_MAX_DAYS})",
    )


class TokenOut(BaseModel):
    id: uuid.UUID
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once; store it now")


class GrantOut(BaseModel):
    """A grant of power waiting for, or decided by, a second person."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: GrantKind
    status: GrantStatus
    user_id: uuid.UUID | None
    role: Role | None
    agency_id: uuid.UUID
    requested_by: uuid.UUID | None
    requested_at: datetime
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    reason: str | None


class GrantRefusal(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=500)
