"""Tables of the NRM room. Every identifying value and every free text is sealed (AES-GCM, see
qorgau.keyring) in a `sealed` column with the id of its key; what stays in plain columns is what
the rules and lists need and identifies no one (status, dates of the case, countries, agencies).
Exact lookups of people go through blind indexes (PersonKey)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.db import Base, UTCDateTime, string_enum, utcnow, uuid7
from qorgau.nrm.rules import (
    CaseStatus,
    ClosureReason,
    ConsentException,
    ConsentPurpose,
    ReferralStatus,
    RightKind,
    RightStatus,
    ServiceType,
)
from qorgau.sealing import Sealed


class Person(Sealed, Base):
    __tablename__ = "nrm_persons"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    origin_node_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PersonKeyKind(StrEnum):
    NAME = "name"  # one folded name word
    BIRTH_DATE = "birth_date"
    DOCUMENT = "document"


class PersonKey(Base):
    """Blind index of a person: keyed HMACs of normalised values, for exact lookups."""

    __tablename__ = "nrm_person_keys"
    # With the person id in it, a lookup by digest reads the index alone: a common name has
    # thousands of keys at a million cases, and one table row each made name searches slow.
    __table_args__ = (Index("ix_nrm_person_keys_lookup", "kind", "digest", "person_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("nrm_persons.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[PersonKeyKind] = mapped_column(
        string_enum(PersonKeyKind, "person_key_kind", 16), primary_key=True
    )
    digest: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)


class Case(Sealed, Base):
    __tablename__ = "nrm_cases"
    __table_args__ = (
        Index("ix_nrm_cases_owner", "owner_agency_id", "id"),
        Index("ix_nrm_cases_assigned", "assigned_user_id", "id"),
        Index("ix_nrm_cases_due", "next_due_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    # What people quote on the phone and on paper: short, and no personal data in it.
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    origin_node_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_persons.id"), index=True)
    owner_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    assigned_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[CaseStatus] = mapped_column(string_enum(CaseStatus, "case_status", 24))
    status_before_close: Mapped[CaseStatus | None] = mapped_column(
        string_enum(CaseStatus, "case_status_before_close", 24)
    )
    closure_reason: Mapped[ClosureReason | None] = mapped_column(string_enum(ClosureReason, "closure_reason"))
    is_child: Mapped[bool] = mapped_column(Boolean, default=False)
    has_guardian: Mapped[bool] = mapped_column(Boolean, default=False)
    reflection_ends_on: Mapped[date | None] = mapped_column(Date)
    # Bit set of rules.ExploitationType: one integer keeps the list filter a single column.
    exploitation_mask: Mapped[int] = mapped_column(Integer, default=0)
    recruitment_country: Mapped[str | None] = mapped_column(String(2))
    transit_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    destination_country: Mapped[str | None] = mapped_column(String(2))
    found_in_country: Mapped[str] = mapped_column(String(2))
    reported_on: Mapped[date] = mapped_column(Date)
    identified_on: Mapped[date | None] = mapped_column(Date)
    # The earliest due date of the case plan's open tasks: "overdue" is one comparison.
    next_due_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class CaseHistory(Base):
    """The case's timeline: what happened, by whom, when. Parameters are codes and ids only."""

    __tablename__ = "nrm_case_history"
    __table_args__ = (Index("ix_nrm_case_history_case", "case_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    actor_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Consent(Base):
    __tablename__ = "nrm_consents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(string_enum(ConsentPurpose, "consent_purpose", 24))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agencies.id"))
    country: Mapped[str | None] = mapped_column(String(2))
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Right(Base):
    """A right of a potential victim: offered, then accepted or declined."""

    __tablename__ = "nrm_rights"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"))
    kind: Mapped[RightKind] = mapped_column(string_enum(RightKind, "right_kind", 24))
    status: Mapped[RightStatus] = mapped_column(string_enum(RightStatus, "right_status", 16))
    offered_on: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Referral(Sealed, Base):
    """A referral to a service provider, with statuses on the HL7 FHIR Task model. The sealed
    part holds the needs it states and the reasons given along the way."""

    __tablename__ = "nrm_referrals"
    __table_args__ = (Index("ix_nrm_referrals_inbox", "to_agency_id", "status", "case_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"), index=True)
    from_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    service: Mapped[ServiceType] = mapped_column(string_enum(ServiceType, "service_type", 24))
    status: Mapped[ReferralStatus] = mapped_column(string_enum(ReferralStatus, "referral_status", 16))
    consent_exception: Mapped[ConsentException | None] = mapped_column(
        string_enum(ConsentException, "consent_exception", 16)
    )
    requested_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PlanItemKind(StrEnum):
    GOAL = "goal"
    TASK = "task"


class PlanItem(Sealed, Base):
    """A goal or a task of the case plan; its title is sealed (free text about a person)."""

    __tablename__ = "nrm_plan_items"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PlanItemKind] = mapped_column(string_enum(PlanItemKind, "plan_item_kind", 8))
    goal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("nrm_plan_items.id"))
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Note(Sealed, Base):
    __tablename__ = "nrm_notes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"), index=True)
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationStatus(StrEnum):
    AWAITING_CONSENT = "awaiting_consent"
    READY = "ready"  # consent given: the exchange room sends it
    SENT = "sent"


class HomeCountryNotification(Base):
    """A foreign national's home country is to be told; sent only with consent (or a legal
    exception). The exchange room (a later issue) picks up the READY ones."""

    __tablename__ = "nrm_home_notifications"
    __table_args__ = (UniqueConstraint("case_id", "country"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(String(2))
    status: Mapped[NotificationStatus] = mapped_column(
        string_enum(NotificationStatus, "notification_status", 20)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BreakGlass(Sealed, Base):
    """An officer opened a case outside their scope, giving a written reason: the access lasts a
    few hours and waits for a supervisor's review."""

    __tablename__ = "nrm_break_glass"
    __table_args__ = (Index("ix_nrm_break_glass_user", "user_id", "case_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agencies.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
