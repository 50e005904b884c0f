"""Ledger rules (hypothesis): any sequence of valid operations keeps every transaction balanced
and the sum over all accounts zero; large payments wait for another person of another role."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.fund.rules import (
    AccountKind,
    LedgerError,
    Paid,
    Posting,
    balances,
    check_date,
    check_transaction,
    may_approve,
    needs_approval,
    overdrawn,
    paid_within,
    reversal,
    reversal_needs_approval,
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


# Payments to one payee over time: (minutes since the previous one, amount).
WINDOW = timedelta(days=30)
START = datetime(2026, 1, 1, tzinfo=UTC)
payment_runs = st.lists(
    st.tuples(
        st.integers(0, 60 * 24 * 20),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(3000), places=2),
    ),
    min_size=1,
    max_size=30,
)
thresholds = st.decimals(min_value=Decimal(1), max_value=Decimal(5000), places=2)


def pay(amount: Decimal, payee: str = "COST-TRAVEL") -> list[Posting]:
    return [Posting("FUND", -amount, "USD"), Posting(payee, amount, "USD")]


def replay(run: list[tuple[int, Decimal]], threshold: Decimal) -> list[tuple[datetime, Decimal, bool]]:
    """Record the run as the service does: each payment sees what the payee got in the window."""
    history: list[Paid] = []
    out, at = [], START
    for gap, amount in run:
        at += timedelta(minutes=gap)
        already = paid_within(history, at, WINDOW)
        waits = needs_approval(pay(amount), KINDS, {"USD": threshold}, already)
        history.append(Paid(at, "COST-TRAVEL", "USD", amount))
        out.append((at, amount, waits))
    return out


@given(payment_runs, thresholds)
def test_every_payment_that_takes_a_payees_window_over_the_threshold_waits(run, threshold):
    recorded = replay(run, threshold)
    for i, (at, _amount, waits) in enumerate(recorded):
        # This payment and the ones recorded before it, in the window that ends with it.
        window_sum = sum((a for t, a, _w in recorded[: i + 1] if at - WINDOW < t), Decimal(0))
        # Crossing the threshold (alone or with the earlier ones in the window) means a checker;
        # staying within it does not: the control does not hold up what it need not.
        assert waits == (window_sum > threshold)


@given(payment_runs, thresholds)
def test_what_passes_without_a_checker_never_exceeds_the_threshold_in_any_window(run, threshold):
    recorded = replay(run, threshold)
    for start, _a, _w in recorded:
        unchecked = sum((a for t, a, w in recorded if start <= t < start + WINDOW and not w), Decimal(0))
        assert unchecked <= threshold


@given(
    thresholds,
    st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2), min_size=2, max_size=12
    ),
    st.lists(st.integers(0, 60 * 24 * 29), min_size=12, max_size=12),
)
def test_splitting_a_payment_over_the_threshold_does_not_avoid_the_checker(threshold, parts, offsets):
    if sum(parts) <= threshold:
        parts = [*parts, threshold]  # make the whole exceed it
    # All parts within one window, in any order of recording.
    run = [(gap, part) for gap, part in zip([0, *sorted(offsets)], parts, strict=False)]
    run = [(b - a, part) for (a, _), (b, part) in zip([(0, None), *run], run, strict=False)]
    recorded = replay(run, threshold)
    assert recorded[-1][0] - recorded[0][0] < WINDOW
    assert any(waits for _t, _a, waits in recorded)


@given(amounts, amounts)
def test_other_payees_and_old_payments_do_not_count(amount, threshold):
    now = START + timedelta(days=100)
    history = [
        Paid(now - WINDOW, "COST-TRAVEL", "USD", Decimal(10**6)),  # just outside the window
        Paid(now, "COST-SHELTER", "USD", Decimal(10**6)),  # another payee
        Paid(now, "COST-TRAVEL", "KZT", Decimal(10**6)),  # another currency
    ]
    already = paid_within(history, now, WINDOW)
    assert needs_approval(pay(amount), KINDS, {"USD": threshold}, already) == (amount > threshold)


@given(amounts, amounts)
def test_a_reversal_above_the_threshold_waits_either_way(amount, threshold):
    contribution = [Posting("DONOR-EU", -amount, "USD"), Posting("FUND", amount, "USD")]
    for original in (contribution, pay(amount)):
        assert reversal_needs_approval(reversal(original), KINDS, {"USD": threshold}) == (amount > threshold)


@given(amounts, amounts)
def test_no_account_but_a_donor_goes_below_zero(balance, amount):
    before = {("FUND", "USD"): balance, ("DONOR-EU", "USD"): -balance}
    assert bool(overdrawn(pay(amount), KINDS, before)) == (amount > balance)
    # Reversing a contribution takes the money back out of the fund: refused past its balance.
    undo = reversal([Posting("DONOR-EU", -amount, "USD"), Posting("FUND", amount, "USD")])
    assert bool(overdrawn(undo, KINDS, before)) == (amount > balance)
    # A contribution credits the donor below zero: its normal side.
    assert not overdrawn([Posting("DONOR-EU", -amount, "USD"), Posting("FUND", amount, "USD")], KINDS, before)


def test_an_account_already_below_zero_may_be_brought_back():
    before = {("FUND", "USD"): Decimal("-10997.94")}
    assert not overdrawn(
        [Posting("DONOR-EU", Decimal(-5), "USD"), Posting("FUND", Decimal(5), "USD")], KINDS, before
    )
    assert overdrawn(pay(Decimal("0.01")), KINDS, before)


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (date(1, 1, 1), False),
        (date(1999, 12, 31), False),
        (date(2000, 1, 1), True),
        (date(2026, 12, 2), True),
        (date(2026, 12, 9), True),
        (date(2026, 12, 10), False),
        (date(9999, 12, 31), False),
    ],
)
def test_dates_are_within_a_sane_window(day, ok):
    if ok:
        check_date(day, date(2026, 12, 2), 7)
    else:
        with pytest.raises(LedgerError, match="between 2000-01-01 and 2026-12-09"):
            check_date(day, date(2026, 12, 2), 7)


@pytest.mark.parametrize(
    "amount", ["1e999999999", "-1e999999999", "1E+999999999999999999", "Infinity", "sNaN"]
)
def test_huge_or_infinite_amounts_are_refused_without_overflow(amount):
    with pytest.raises(LedgerError):
        check_transaction(
            [
                Posting("FUND", Decimal(amount), "USD"),
                Posting("COST-TRAVEL", Decimal(amount).copy_negate(), "USD"),
            ]
        )
