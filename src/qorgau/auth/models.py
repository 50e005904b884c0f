"""Tables of the auth room."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Uuid, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau import rekey
from qorgau.db import Base, UTCDateTime, string_enum, utcnow, uuid7
from qorgau.permissions import Role


class AgencyKind(StrEnum):
    POLICE = "police"
    BORDER_SERVICE = "border_service"
    SOCIAL_SERVICE = "social_service"
    NGO = "ngo"
    SHELTER = "shelter"
    MEDICAL = "medical"
    LEGAL_AID = "legal_aid"
    CONSULATE = "consulate"
    MINISTRY = "ministry"
    HOTLINE = "hotline"
    ANTI_CORRUPTION = "anti_corruption"
    PROSECUTOR = "prosecutor"
    INTERNATIONAL_ORGANISATION = "international_organisation"


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name in other languages, entered by the administrator: {locale: name}; a language
    # without one shows `name` (l10n.agency_name).
    names: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[AgencyKind] = mapped_column(string_enum(AgencyKind, "agency_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # False while its registration waits for a second person (see auth/grants.py): an agency
    # that is not active receives no referrals.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    # Always stored lower-case so that "Aigerim" and "aigerim" cannot be two accounts.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    # IANA zone the user's times are shown in; None: the zone of the agency's country.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # TOTP seed, sealed with the keyring (keyring.row_aad("totp", id)) under key totp_key_id;
    # None until enrolled. A key id of None: sealed before migration 0015 with the secret-box key
    # of the node's secrets file, re-sealed with the keyring at the next good code or rotation.
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_key_id: Mapped[str | None] = mapped_column(String(16))
    # Last accepted TOTP time step, so a code cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The account that created this one (None: the system principal); the two-person rule
    # keeps the two apart as maker and checker for a while (auth.grants.empowered_recently).
    # No foreign key, like the audit log's actor ids: the column was added to a live table.
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    # Only roles in effect; a role waiting for its second person is a Grant, not a row here.
    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    @property
    def two_factor_enrolled(self) -> bool:
        return self.totp_secret_sealed is not None


# TOTP seeds re-seal with `keys rotate`; the associated data is "totp:" and the user's id.
rekey.register(User, "totp", key_id="totp_key_id", sealed="totp_secret_sealed")


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(string_enum(Role, "user_role"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class GrantKind(StrEnum):
    ROLE = "role"  # a powerful role for a user
    AGENCY = "agency"  # registering an agency (it receives referrals)


class GrantStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class Grant(Base):
    """A grant of power made by one person that takes effect only when a second approves it
    (auth/grants.py). Kept after the decision: it says who asked, who decided, and when."""

    __tablename__ = "auth_grants"
    __table_args__ = (
        Index("ix_auth_grants_status_agency", "status", "agency_id"),
        Index("ix_auth_grants_user_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    kind: Mapped[GrantKind] = mapped_column(string_enum(GrantKind, "grant_kind", length=16))
    # For a role: the user and the role; the agency is the user's (whose supervisors may
    # approve). For an agency registration: the agency itself, no user or role.
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role | None] = mapped_column(string_enum(Role, "grant_role"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    status: Mapped[GrantStatus] = mapped_column(
        string_enum(GrantStatus, "grant_status", length=16), default=GrantStatus.PENDING
    )
    requested_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it was refused, as the decider wrote it (never copied into the audit log).
    reason: Mapped[str | None] = mapped_column(String(500))

    agency: Mapped[Agency] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[user_id])


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the token: tokens are 256 random bits, so a fast hash is safe and keeps the
    # per-request check cheap; the token itself is shown once and never stored.
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A token ends by itself (rules.TOKEN_DEFAULT_DAYS unless chosen at creation).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # False between the password step and the second factor (or two-factor enrolment).
    two_factor_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInAttempt(Base):
    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_username_at", "username", "at"),
        Index("ix_sign_in_attempts_address_at", "address", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    # Which step was tried: "password", or "totp" (a second-factor code, at sign-in or enrolment).
    # They are counted apart, so a good password never resets the count of wrong codes.
    factor: Mapped[str] = mapped_column(String(16), default="password", server_default="password")
