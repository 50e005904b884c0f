"""Input and output shapes of the fund room."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qorgau.countries import is_country
from qorgau.fund.models import TransactionKind, TransactionStatus
from qorgau.fund.rules import MINOR_UNITS, AccountKind
from qorgau.i18n import _
from qorgau.text import Input, Text


class AccountCreate(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    code: str = Field(
        min_length=3,
        max_length=40,
        pattern=r"^[A-Z0-9][A-Z0-9-]*[A-Z0-9]$",
        description="e.g. FUND-USD, DONOR-EU, COST-TRAVEL-KZT, CASE-7F3A-USD",
    )
    name: str = Field(min_length=2, max_length=200)
    kind: AccountKind
    currency: str = Field(min_length=3, max_length=3)

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        v = v.upper()
        if v not in MINOR_UNITS:
            raise ValueError(
                _("use one of the fund's currencies: %(list)s") % {"list": ", ".join(MINOR_UNITS)}
            )
        return v


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    kind: AccountKind
    currency: str


class PostingIn(Input):
    account: str = Field(min_length=3, max_length=40, description="account code")
    amount: Decimal = Field(description="positive: debit; negative: credit; exact, as a string")


class TransactionCreate(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    kind: TransactionKind
    description: Text = Field(
        min_length=3, max_length=300, description="what it was for; never a person's name"
    )
    country: str | None = Field(default=None, min_length=2, max_length=2)
    occurred_on: date
    postings: list[PostingIn] = Field(min_length=2, max_length=50)

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.upper()
        if not is_country(v):
            raise ValueError(_("not an ISO 3166-1 alpha-2 country code (for example KZ, UZ, KG, TJ)"))
        return v

    @field_validator("kind")
    @classmethod
    def _not_reversal(cls, v: TransactionKind) -> TransactionKind:
        if v == TransactionKind.REVERSAL:
            raise ValueError(_("reverse a transaction through its reverse action"))
        return v


class PostingOut(BaseModel):
    account: str
    amount: Decimal
    currency: str


class TransactionOut(BaseModel):
    id: uuid.UUID
    kind: TransactionKind
    status: TransactionStatus
    description: str
    country: str | None
    occurred_on: date
    created_at: datetime
    approved_at: datetime | None
    reverses_id: uuid.UUID | None
    postings: list[PostingOut]


class ReversalCreate(Input):
    reason: Text = Field(min_length=3, max_length=300)
