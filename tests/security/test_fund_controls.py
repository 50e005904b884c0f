"""The fund room's controls, tried as the hardening review tried them (issue 11, items 9 and 13):
splitting a payment, reversing a large entry alone, overdrawing, absurd dates and amounts."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from qorgau.auth.service import principal_for
from qorgau.config import Settings
from qorgau.db import make_engine, make_sessionmaker, unit_of_work, utcnow, write_engine
from qorgau.errors import Conflict
from qorgau.fund import service
from qorgau.fund.models import FundPosting, FundTransaction
from qorgau.fund.schemas import AccountCreate, TransactionCreate
from qorgau.migrate import upgrade
from qorgau.permissions import Role
from qorgau.principal import Principal
from tests.fund import test_ledger_api as ledger
from tests.support import fresh_database, make_user

TRANSACTIONS = "/api/v1/fund/transactions"
# The ledger tests' fixture (five USD accounts, a 25,000 contribution, a maker and a checker).
fund = ledger.fund
balances, payment = ledger.balances, ledger.payment


def post(client, headers, body):  # type: ignore[no-untyped-def]
    return client.post(TRANSACTIONS, headers=headers, json=body)


def test_six_payments_of_999_99_to_one_payee_do_not_pass_without_a_checker(client, fund):
    statuses = [post(client, fund["maker"], payment("999.99")).json()["status"] for _ in range(6)]
    # The first is under the threshold (1000 USD); from the second on, the payee's 30-day sum is not.
    assert statuses == ["posted"] + ["pending_approval"] * 5
    assert balances(client, None) == {"USD": "24000.01"}
    # Another payee's window is its own: a payment to a case is not held up by the travel ones.
    assert post(client, fund["maker"], payment("500.00", "CASE-9F2C-USD")).json()["status"] == "posted"


def test_a_reversed_payment_no_longer_counts_in_the_window(client, fund):
    first = post(client, fund["maker"], payment("900.00")).json()
    undo = client.post(
        f"{TRANSACTIONS}/{first['id']}/reverse", headers=fund["maker"], json={"reason": "refund"}
    )
    assert undo.status_code == 201 and undo.json()["status"] == "posted"
    assert post(client, fund["maker"], payment("900.00")).json()["status"] == "posted"


def test_reversing_a_large_contribution_needs_a_checker(client, db, fund):
    contribution = next(
        t for t in client.get(TRANSACTIONS, headers=fund["maker"]).json() if t["kind"] == "contribution"
    )
    undo = client.post(
        f"{TRANSACTIONS}/{contribution['id']}/reverse",
        headers=fund["maker"],
        json={"reason": "entered twice"},
    )
    assert undo.status_code == 201 and undo.json()["status"] == "pending_approval"
    assert balances(client, None) == {"USD": "25000.00"}  # nothing undone until a second person agrees
    pending = undo.json()["id"]
    assert client.post(f"{TRANSACTIONS}/{pending}/approve", headers=fund["maker"]).status_code == 403
    approved = client.post(f"{TRANSACTIONS}/{pending}/approve", headers=fund["checker"])
    assert approved.status_code == 200 and approved.json()["status"] == "posted"
    assert balances(client, None) == {"USD": "0.00"}


def test_a_large_payment_reversed_also_needs_a_checker(client, fund):
    paid = post(client, fund["maker"], payment("4000.00")).json()
    client.post(f"{TRANSACTIONS}/{paid['id']}/approve", headers=fund["checker"])
    undo = client.post(
        f"{TRANSACTIONS}/{paid['id']}/reverse", headers=fund["maker"], json={"reason": "refund"}
    )
    assert undo.json()["status"] == "pending_approval"


def test_the_fund_never_goes_below_zero(client, db, fund):
    before = db.scalar(select(func.count()).select_from(FundPosting))
    too_much = post(client, fund["maker"], payment("25000.01"))
    assert too_much.status_code == 409
    assert "FUND-USD" in too_much.json()["detail"] and "-0.01" in too_much.json()["detail"]
    # Spend most of it (approved), then reverse the contribution: that would leave -20,000.
    big = post(client, fund["maker"], payment("20000.00")).json()
    assert client.post(f"{TRANSACTIONS}/{big['id']}/approve", headers=fund["checker"]).status_code == 200
    contribution = next(
        t for t in client.get(TRANSACTIONS, headers=fund["maker"]).json() if t["kind"] == "contribution"
    )
    undo = client.post(
        f"{TRANSACTIONS}/{contribution['id']}/reverse", headers=fund["maker"], json={"reason": "bounced"}
    )
    assert undo.status_code == 409
    assert balances(client, None) == {"USD": "5000.00"}
    assert db.scalar(select(func.count()).select_from(FundPosting)) == before + 2


def test_two_waiting_payments_cannot_both_be_approved_past_the_balance(client, fund):
    first, second = (
        post(client, fund["maker"], payment("15000.00", cat)).json()
        for cat in ("COST-TRAVEL-USD", "COST-DOCS-USD")
    )
    assert first["status"] == second["status"] == "pending_approval"  # each fits the balance alone
    assert client.post(f"{TRANSACTIONS}/{first['id']}/approve", headers=fund["checker"]).status_code == 200
    refused = client.post(f"{TRANSACTIONS}/{second['id']}/approve", headers=fund["checker"])
    assert refused.status_code == 409
    assert balances(client, None) == {"USD": "10000.00"}


def test_a_cost_account_cannot_be_credited_below_zero(client, fund):
    # A "transfer" out of a cost category that was never spent on would create money.
    body = payment("50.00")
    body["kind"] = "transfer"
    body["postings"] = [
        {"account": "COST-DOCS-USD", "amount": "-50.00"},
        {"account": "FUND-USD", "amount": "50.00"},
    ]
    assert post(client, fund["maker"], body).status_code == 409


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "far-future"])
def test_absurd_dates_are_refused(client, fund, day):
    if day == "far-future":
        day = (utcnow().date() + timedelta(days=8)).isoformat()
    body = payment("10.00")
    body["occurred_on"] = day
    response = post(client, fund["maker"], body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "occurred_on"


def test_sane_dates_are_accepted(client, fund):
    for day in ("2000-01-01", utcnow().date().isoformat(), (utcnow().date() + timedelta(days=7)).isoformat()):
        body = payment("10.00")
        body["occurred_on"] = day
        assert post(client, fund["maker"], body).status_code == 201, day


@pytest.mark.parametrize(
    "amount",
    [
        "1e999999999",
        "-1e999999999",
        "1E+999999999999999999",
        "NaN",
        "Infinity",
        "-Infinity",
        "sNaN",
        "10.005",
        "1e-999999999",
        "0",
        "-0.00",
        "1_000",
        "\u0663",
        "ten",
        "",
        "1e15",
    ],
)
def test_crafted_amounts_are_a_clear_422(client, db, fund, amount):
    before = db.scalar(select(func.count()).select_from(FundTransaction))
    body = payment("10.00")
    body["postings"][1]["amount"] = amount
    response = post(client, fund["maker"], body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["postings.1.amount"]
    assert db.scalar(select(func.count()).select_from(FundTransaction)) == before


@pytest.mark.parametrize("number", ["1e999999999", "-1e999999999", "1e308", "true", "null", "[1]"])
def test_crafted_json_numbers_are_a_clear_422(client, fund, number):
    raw = (
        '{"kind": "payment", "description": "Flights", "occurred_on": "2026-11-02", "postings": ['
        f'{{"account": "FUND-USD", "amount": {number}}}, '
        '{"account": "COST-TRAVEL-USD", "amount": "10.00"}]}'
    )
    response = client.post(
        TRANSACTIONS, headers={**fund["maker"], "Content-Type": "application/json"}, content=raw
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("limit", ["0", "-1", "1e999999999", "501", "NaN"])
def test_the_listing_limit_refuses_crafted_numbers(client, fund, limit):
    assert client.get(TRANSACTIONS, headers=fund["maker"], params={"limit": limit}).status_code == 422


def _principal(db, user) -> Principal:  # type: ignore[no-untyped-def]
    return principal_for(user, "test", request_id=None, address=None)


def test_two_concurrent_payments_cannot_both_spend_the_same_money(tmp_path):
    """Each payment alone fits the balance (1,000); together they do not. The second waits for
    the first's lock (a row lock on PostgreSQL, the write lock on SQLite), then sees its posting."""
    with fresh_database(tmp_path, "fundrace") as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            factory = make_sessionmaker(write_engine(engine))
            settings = Settings(data_dir=tmp_path, database_url=url)
            with unit_of_work(factory) as db:
                maker = _principal(db, make_user(db, Role.CONSULAR_OFFICER, username="fund-maker"))
                for code, kind in [
                    ("DONOR-USD", "donor"),
                    ("FUND-USD", "fund"),
                    ("COST-A-USD", "cost"),
                    ("COST-B-USD", "cost"),
                ]:
                    service.open_account(
                        db, maker, AccountCreate(code=code, name=code, kind=kind, currency="USD")
                    )
                service.record_transaction(
                    db, maker, settings, _txn("contribution", "DONOR-USD", "FUND-USD", "1000")
                )

            recorded, outcomes = threading.Event(), {}

            def first() -> None:
                with unit_of_work(factory) as db:
                    service.record_transaction(
                        db, maker, settings, _txn("payment", "FUND-USD", "COST-A-USD", "600")
                    )
                    recorded.set()
                    threading.Event().wait(1.0)  # hold the lock a while before committing
                outcomes["first"] = "posted"

            def second() -> None:
                recorded.wait(30)
                try:
                    with unit_of_work(factory) as db:
                        service.record_transaction(
                            db, maker, settings, _txn("payment", "FUND-USD", "COST-B-USD", "600")
                        )
                    outcomes["second"] = "posted"
                except Conflict:
                    outcomes["second"] = "refused"

            threads = [threading.Thread(target=first), threading.Thread(target=second)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert outcomes == {"first": "posted", "second": "refused"}
            with unit_of_work(factory) as db:
                assert service.balances(db)[("FUND-USD", "USD")] == Decimal("400.00")
        finally:
            engine.dispose()


def _txn(kind: str, credit: str, debit: str, amount: str) -> TransactionCreate:
    return TransactionCreate.model_validate(
        {
            "kind": kind,
            "description": "race test",
            "occurred_on": date.today().isoformat(),
            "postings": [{"account": credit, "amount": f"-{amount}"}, {"account": debit, "amount": amount}],
        }
    )
