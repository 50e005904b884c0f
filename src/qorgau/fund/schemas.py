"""Input and output shapes of the fund room."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qorgau.countries import is_country
from qorgau.fund.models import TransactionKind, TransactionStatus
from qorgau.fund.rules import MAX_INTEGER_DIGITS, MINOR_UNITS, AccountKind
from qorgau.i18n import _
from qorgau.text import Input, Text

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


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

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, v: Any) -> Decimal:
        """An exact, finite, non-zero amount of sane size, before anything computes with it:
        1e999999999, NaN, Infinity, 0.001 are refused here, each with a clear message."""
        if isinstance(v, bool) or not isinstance(v, str | int | float | Decimal):
            raise ValueError(_('give the amount as a number, for example "640.50"'))
        if isinstance(v, str) and not _NUMBER.fullmatch(v.strip()):
            # Only ASCII digits: Decimal() also reads "1_000" and other scripts' digits.
            raise ValueError(_('give the amount as a number, for example "640.50"'))
        try:
            amount = Decimal(str(v).strip()) if isinstance(v, str | float) else Decimal(v)
        except (InvalidOperation, ValueError):
            raise ValueError(_('give the amount as a number, for example "640.50"')) from None
        if not amount.is_finite() or amount.is_zero():
            raise ValueError(_("an amount must be a finite, non-zero number"))
        if amount.adjusted() >= MAX_INTEGER_DIGITS:
            raise ValueError(_("the amount is too large"))
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -max(MINOR_UNITS.values()):
            raise ValueError(
                _("an amount has %(places)d decimal places at most") % {"places": max(MINOR_UNITS.values())}
            )
        return amount


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
