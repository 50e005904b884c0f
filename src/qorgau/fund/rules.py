"""Pure rules of the ledger: exact amounts, balanced transactions, approval of large payments
(alone, or added up per payee over a window), no account on the wrong side of zero, sane dates.

Sign convention: a posting's amount is positive for a debit and negative for a credit. A
contribution credits a donor account and debits the fund; a payment credits the fund and debits
a cost category. Every transaction sums to zero in each currency, so all accounts together
always sum to zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from qorgau.i18n import _

# ISO 4217 currencies the fund keeps, with their minor units.
MINOR_UNITS = {"KZT": 2, "UZS": 2, "KGS": 2, "TJS": 2, "USD": 2, "EUR": 2}
MAX_AMOUNT = Decimal("1e15")
MAX_INTEGER_DIGITS = 15  # |amount| < MAX_AMOUNT, checked on the exponent: no arithmetic can overflow
# No fund entry is dated before this day (the fund did not exist; 0001-01-01 is a typing slip).
EARLIEST_DATE = date(2000, 1, 1)


class AccountKind(StrEnum):
    DONOR = "donor"  # where contributions come from
    FUND = "fund"  # the safe fund's money
    COST = "cost"  # a category of spending: transport, documents, shelter, medical, reintegration...
    CASE = "case"  # spending on one case, under a pseudonymous reference


# Accounts whose normal balance is a credit (below zero in our sign convention): a donor account
# is the fund's liability to its donors, credited by each contribution. Every other kind (the
# fund's money, what was spent on a category or a case) is a debit and may never go below zero.
CREDIT_NORMAL = frozenset({AccountKind.DONOR})


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
        raise LedgerError(
            _("unknown currency %(currency)s; use one of %(list)s")
            % {"currency": currency, "list": ", ".join(MINOR_UNITS)},
            "currency",
        )
    if not amount.is_finite() or amount.is_zero():
        raise LedgerError(_("an amount must be a finite, non-zero number"), "amount")
    # The exponent first: Decimal("1e999999999") overflows any arithmetic, abs() included.
    if amount.adjusted() >= MAX_INTEGER_DIGITS:
        raise LedgerError(_("the amount is too large"), "amount")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MINOR_UNITS[currency]:
        raise LedgerError(
            _("%(currency)s has %(places)d decimal places at most")
            % {"currency": currency, "places": MINOR_UNITS[currency]},
            "amount",
        )


def check_transaction(postings: Iterable[Posting]) -> None:
    """Refuse a transaction unless it has two or more valid postings that balance per currency."""
    postings = list(postings)
    if len(postings) < 2:
        raise LedgerError(_("a transaction needs at least two postings"))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for p in postings:
        check_amount(p.amount, p.currency)
        totals[p.currency] += p.amount
    unbalanced = {c: t for c, t in totals.items() if t != 0}
    if unbalanced:
        shown = ", ".join(f"{c} {t:+}" for c, t in sorted(unbalanced.items()))
        raise LedgerError(
            _("debits and credits differ (%(totals)s); a transaction must balance") % {"totals": shown}
        )


def fund_outflow(postings: Iterable[Posting], kinds: Mapping[str, AccountKind]) -> dict[str, Decimal]:
    """How much leaves the fund, per currency (credits to fund accounts)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for p in postings:
        if kinds[p.account] == AccountKind.FUND and p.amount < 0:
            out[p.currency] -= p.amount
    return dict(out)


def paid_to(postings: Iterable[Posting], kinds: Mapping[str, AccountKind]) -> dict[tuple[str, str], Decimal]:
    """What a transaction pays to each payee, per currency: the debits to accounts other than the
    fund's (a cost category, a case, a donor refunded), when money leaves the fund."""
    postings = list(postings)
    if not fund_outflow(postings, kinds):
        return {}
    paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for p in postings:
        if kinds[p.account] != AccountKind.FUND and p.amount > 0:
            paid[(p.account, p.currency)] += p.amount
    return dict(paid)


@dataclass(frozen=True)
class Paid:
    """Money paid to a payee by one earlier transaction (posted or waiting, not reversed)."""

    at: datetime  # when it was recorded: the node's clock, not the date the maker typed
    payee: str
    currency: str
    amount: Decimal


def paid_within(history: Iterable[Paid], now: datetime, window: timedelta) -> dict[tuple[str, str], Decimal]:
    """Sum paid to each payee in the window (now - window, now]."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for paid in history:
        if now - window < paid.at <= now:
            sums[(paid.payee, paid.currency)] += paid.amount
    return dict(sums)


def needs_approval(
    postings: Iterable[Posting],
    kinds: Mapping[str, AccountKind],
    thresholds: Mapping[str, Decimal],
    already_paid: Mapping[tuple[str, str], Decimal] | None = None,
) -> bool:
    """A payment waits for a second person when what leaves the fund is above the threshold of its
    currency, or when it brings the sum paid to one payee within the window (already_paid, see
    paid_within) above it: six payments of 999.99 to one payee are not six small payments."""
    postings = list(postings)
    if any(amount > thresholds.get(c, Decimal(0)) for c, amount in fund_outflow(postings, kinds).items()):
        return True
    already_paid = already_paid or {}
    return any(
        already_paid.get((payee, c), Decimal(0)) + amount > thresholds.get(c, Decimal(0))
        for (payee, c), amount in paid_to(postings, kinds).items()
    )


def moved(postings: Iterable[Posting]) -> dict[str, Decimal]:
    """The size of a transaction per currency: the sum of its debits."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for p in postings:
        if p.amount > 0:
            totals[p.currency] += p.amount
    return dict(totals)


def reversal_needs_approval(
    postings: Iterable[Posting],
    kinds: Mapping[str, AccountKind],
    thresholds: Mapping[str, Decimal],
    already_paid: Mapping[tuple[str, str], Decimal] | None = None,
) -> bool:
    """Undoing a large transaction, either way, is as weighty as making it: above the threshold
    a reversal waits for a second person too (so does one that pays out like a payment would)."""
    postings = list(postings)
    if any(amount > thresholds.get(c, Decimal(0)) for c, amount in moved(postings).items()):
        return True
    return needs_approval(postings, kinds, thresholds, already_paid)


def overdrawn(
    postings: Iterable[Posting],
    kinds: Mapping[str, AccountKind],
    before: Mapping[tuple[str, str], Decimal],
) -> list[tuple[str, str, Decimal]]:
    """The accounts (code, currency, balance after) this transaction would push onto the wrong
    side of zero: below it for the fund, a cost or a case; above it for a donor (refunding more
    than was given). An account already on the wrong side may still be moved back towards zero."""
    wrong = []
    for (account, currency), change in sorted(balances(postings).items()):
        sign = -1 if kinds[account] in CREDIT_NORMAL else 1
        after = before.get((account, currency), Decimal(0)) + change
        if sign * change < 0 and sign * after < 0:
            wrong.append((account, currency, after))
    return wrong


def check_date(occurred_on: date, today: date, days_ahead: int) -> None:
    """A fund entry is dated between EARLIEST_DATE and days_ahead days after today."""
    latest = today + timedelta(days=max(days_ahead, 0))
    if occurred_on < EARLIEST_DATE or occurred_on > latest:
        raise LedgerError(
            _("the date must be between %(earliest)s and %(latest)s")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
            "occurred_on",
        )


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
