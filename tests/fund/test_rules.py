"""Ledger rules (hypothesis): any sequence of valid operations keeps every transaction balanced
and the sum over all accounts zero; large payments wait for another person of another role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.fund.rules import (
    AccountKind,
    LedgerError,
    Posting,
    balances,
    check_transaction,
    may_approve,
    needs_approval,
    reversal,
)

KINDS = {
    "DONOR-EU": AccountKind.DONOR,
    "FUND": AccountKind.FUND,
    "COST-TRAVEL": AccountKind.COST,
    "COST-SHELTER": AccountKind.COST,
    "CASE-7F3A": AccountKind.CASE,
}
currencies = st.sampled_from(["KZT", "USD", "UZS"])
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)


@st.composite
def operations(draw):  # type: ignore[no-untyped-def]
    kind = draw(st.sampled_from(["contribution", "payment", "split payment"]))
    currency, amount = draw(currencies), draw(amounts)
    if kind == "contribution":
        return [Posting("DONOR-EU", -amount, currency), Posting("FUND", amount, currency)]
    if kind == "payment":
        return [
            Posting("FUND", -amount, currency),
            Posting(draw(st.sampled_from(["COST-TRAVEL", "COST-SHELTER"])), amount, currency),
        ]
    part = draw(st.decimals(min_value=Decimal("0.01"), max_value=amount, places=2))
    rest = [Posting("CASE-7F3A", amount - part, currency)] if amount - part else []
    return [Posting("FUND", -amount, currency), Posting("COST-TRAVEL", part, currency), *rest]


@given(st.lists(operations(), max_size=40), st.data())
def test_valid_operations_and_their_reversals_keep_the_ledger_at_zero(ops, data):
    journal = []
    for postings in ops:
        check_transaction(postings)
        journal.append(postings)
        if data.draw(st.booleans()):
            undo = reversal(postings)
            check_transaction(undo)
            journal.append(undo)
    totals: dict[str, Decimal] = {}
    for (_account, currency), amount in balances(p for t in journal for p in t).items():
        totals[currency] = totals.get(currency, Decimal(0)) + amount
    assert all(t == 0 for t in totals.values())


@given(operations(), st.integers(0, 5))
def test_an_unbalanced_transaction_is_refused(postings, cents):
    broken = [
        *postings[:-1],
        Posting(postings[-1].account, postings[-1].amount + Decimal(cents + 1) / 100, postings[-1].currency),
    ]
    with pytest.raises(LedgerError, match="must balance"):
        check_transaction(broken)


@pytest.mark.parametrize(
    ("amount", "currency", "words"),
    [
        (Decimal("0.001"), "USD", "decimal places"),
        (Decimal("0"), "KZT", "non-zero"),
        (Decimal("NaN"), "KZT", "non-zero"),
        (Decimal("10"), "RUB", "unknown currency"),
        (Decimal("1e16"), "KZT", "too large"),
    ],
)
def test_bad_amounts_are_refused(amount, currency, words):
    with pytest.raises(LedgerError, match=words):
        check_transaction([Posting("FUND", amount, currency), Posting("COST-TRAVEL", -amount, currency)])


@given(amounts, amounts)
def test_a_payment_above_the_threshold_needs_approval(amount, threshold):
    payment = [Posting("FUND", -amount, "USD"), Posting("COST-TRAVEL", amount, "USD")]
    assert needs_approval(payment, KINDS, {"USD": threshold}) == (amount > threshold)
    contribution = [Posting("DONOR-EU", -amount, "USD"), Posting("FUND", amount, "USD")]
    assert not needs_approval(contribution, KINDS, {"USD": threshold})


def test_maker_checker_needs_another_person_of_another_role():
    assert may_approve("u1", frozenset({"consular_officer"}), "u2", frozenset({"supervisor"}))
    assert not may_approve("u1", frozenset({"supervisor"}), "u1", frozenset({"supervisor", "administrator"}))
    assert not may_approve("u1", frozenset({"supervisor"}), "u2", frozenset({"supervisor"}))
