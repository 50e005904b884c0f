"""Tables of the screening room: screenings stored with their case. What was recorded and what
the rules found are sealed (they describe what happened to a person); the outcome and the ruleset
version stay plain, for the case's state and for statistics. A questionnaire an officer has not
finished is kept as a draft, one per case and officer, sealed too (its answers are indicators)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from qorgau.db import Base, UTCDateTime, string_enum, utcnow, uuid7
from qorgau.screening.rules import Outcome
from qorgau.sealing import Sealed


class ScreeningRecord(Sealed, Base):
    __tablename__ = "screening_records"
    __table_args__ = (Index("ix_screening_records_case", "case_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(String(2))
    ruleset_version: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "screening_outcome", 32))
    # A status in the country's law the screening found beside the outcome (the referral
    # mechanism's stage), e.g. "kz.law_110.potential_victim"; comma-separated; None for none.
    legal_status: Mapped[str | None] = mapped_column(String(200), default=None)
    screened_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScreeningDraft(Sealed, Base):
    """The answers of a screening questionnaire so far, and the step the officer was on."""

    __tablename__ = "screening_drafts"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nrm_cases.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
