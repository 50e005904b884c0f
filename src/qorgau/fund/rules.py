"""Pure rules of the ledger: exact amounts, balanced transactions, approval of large payments.

Sign convention: a posting's amount is positive for a debit and negative for a credit. A
contribution credits a donor account and debits the fund; a payment credits the fund and debits
a cost category. Every transaction sums to zero in each currency, so all accounts together
always sum to zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

# ISO 4217 currencies the fund keeps, with their minor units.
MINOR_UNITS = {"KZT": 2, "UZS": 2, "KGS": 2, "TJS": 2, "USD": 2, "EUR": 2}
MAX_AMOUNT = Decimal("1e15")


class AccountKind(StrEnum):
    DONOR = "donor"  # where contributions come from
    FUND = "fund"  # the safe fund's money
    COST = "cost"  # a category of spending: transport, documents, shelter, medical, reintegration...
    CASE = "case"  # spending on one case, under a pseudonymous reference


class LedgerError(ValueError):
    def __init__(self, message: str, field: str = "postings") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Posting:
    account: str  # account code
    amount: Decimal
    currency: str


def check_amount(amount: Decimal, currency: str) -> None:
    if currency not in MINOR_UNITS:
        raise LedgerError(f"unknown currency {currency}; use one of {', '.join(MINOR_UNITS)}", "currency")
    if not amount.is_finite() or amount == 0:
        raise LedgerError("an amount must be a non-zero number", "amount")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MINOR_UNITS[currency]:
        raise LedgerError(f"{currency} has {MINOR_UNITS[currency]} decimal places at most", "amount")
    if abs(amount) >= MAX_AMOUNT:
        raise LedgerError("the amount is too large", "amount")


def check_transaction(postings: Iterable[Posting]) -> None:
    """Refuse a transaction unless it has two or more valid postings that balance per currency."""
    postings = list(postings)
    if len(postings) < 2:
        raise LedgerError("a transaction needs at least two postings")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for p in postings:
        check_amount(p.amount, p.currency)
        totals[p.currency] += p.amount
    unbalanced = {c: t for c, t in totals.items() if t != 0}
    if unbalanced:
        shown = ", ".join(f"{c} {t:+}" for c, t in sorted(unbalanced.items()))
        raise LedgerError(f"debits and credits differ ({shown}); a transaction must balance")


def fund_outflow(postings: Iterable[Posting], kinds: Mapping[str, AccountKind]) -> dict[str, Decimal]:
    """How much leaves the fund, per currency (credits to fund accounts)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for p in postings:
        if kinds[p.account] == AccountKind.FUND and p.amount < 0:
            out[p.currency] -= p.amount
    return dict(out)


def needs_approval(
    postings: Iterable[Posting], kinds: Mapping[str, AccountKind], thresholds: Mapping[str, Decimal]
) -> bool:
    """A payment above the threshold of its currency waits for a second person."""
    return any(amount > thresholds.get(c, Decimal(0)) for c, amount in fund_outflow(postings, kinds).items())


def may_approve(maker: str, maker_roles: frozenset[str], checker: str, checker_roles: frozenset[str]) -> bool:
    """Maker-checker: another person, holding a role the maker does not."""
    return checker != maker and bool(checker_roles - maker_roles)


def reversal(postings: Iterable[Posting]) -> list[Posting]:
    """The postings that undo a transaction: nothing is ever edited, only reversed."""
    return [Posting(p.account, -p.amount, p.currency) for p in postings]


def balances(postings: Iterable[Posting]) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for p in postings:
        totals[(p.account, p.currency)] += p.amount
    return dict(totals)
