"""Tables of the fund room. Amounts are stored as whole minor units (cents, tiyn): exact on
both databases. Postings are never updated or deleted (a database trigger refuses it)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.db import Base, UTCDateTime, string_enum, utcnow, uuid7
from qorgau.fund.rules import AccountKind


class TransactionKind(StrEnum):
    CONTRIBUTION = "contribution"
    PAYMENT = "payment"
    TRANSFER = "transfer"
    REVERSAL = "reversal"


class TransactionStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    POSTED = "posted"


class FundAccount(Base):
    __tablename__ = "fund_accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AccountKind] = mapped_column(string_enum(AccountKind, "fund_account_kind", 20))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FundTransaction(Base):
    __tablename__ = "fund_transactions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    kind: Mapped[TransactionKind] = mapped_column(string_enum(TransactionKind, "fund_transaction_kind", 20))
    status: Mapped[TransactionStatus] = mapped_column(
        string_enum(TransactionStatus, "fund_transaction_status", 20)
    )
    description: Mapped[str] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    occurred_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    maker_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    maker_roles: Mapped[list[str]] = mapped_column(JSON)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A transaction is reversed at most once.
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fund_transactions.id"), unique=True)

    postings: Mapped[list[FundPosting]] = relationship(lazy="selectin", order_by="FundPosting.id")


class FundPosting(Base):
    __tablename__ = "fund_postings"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fund_transactions.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fund_accounts.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # + debit, - credit
    currency: Mapped[str] = mapped_column(String(3))

    account: Mapped[FundAccount] = relationship(lazy="joined")
