"""The safe fund over HTTP: contributions and payments, maker-checker, reversals, entries that
cannot be changed, and a public report with no personal data."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from qorgau.audit.models import AuditEvent
from qorgau.fund.models import FundPosting
from qorgau.permissions import Role
from tests.support import bearer, make_user

ACCOUNTS = [
    ("DONOR-EU-USD", "European donors", "donor"),
    ("FUND-USD", "Safe fund", "fund"),
    ("COST-TRAVEL-USD", "Return travel", "cost"),
    ("COST-DOCS-USD", "Travel documents", "cost"),
    ("CASE-9F2C-USD", "Case 9F2C", "case"),
]


@pytest.fixture
def fund(client, db):
    consul, supervisor = make_user(db, Role.CONSULAR_OFFICER), make_user(db, Role.SUPERVISOR)
    maker, checker = bearer(db, consul), bearer(db, supervisor)
    for code, name, kind in ACCOUNTS:
        assert (
            client.post(
                "/api/v1/fund/accounts",
                headers=maker,
                json={"code": code, "name": name, "kind": kind, "currency": "USD"},
            ).status_code
            == 201
        )
    contribution = {
        "kind": "contribution",
        "description": "Grant for returns from the Gulf",
        "occurred_on": "2026-10-01",
        "postings": [
            {"account": "DONOR-EU-USD", "amount": "-25000.00"},
            {"account": "FUND-USD", "amount": "25000.00"},
        ],
    }
    assert client.post("/api/v1/fund/transactions", headers=maker, json=contribution).status_code == 201
    return {"maker": maker, "checker": checker, "maker_user": consul}


def payment(amount: str, category: str = "COST-TRAVEL-USD", country: str = "AE") -> dict:
    return {
        "kind": "payment",
        "description": "Flights Dubai to Almaty",
        "country": country,
        "occurred_on": "2026-11-02",
        "postings": [
            {"account": "FUND-USD", "amount": f"-{amount}"},
            {"account": category, "amount": amount},
        ],
    }


def balances(client, headers) -> dict:
    report = client.get("/transparency/fund").json()
    return {row["currency"]: row["amount"] for row in report["fund_balances"]}


def test_a_small_payment_posts_at_once_and_the_report_shows_it(client, fund):
    response = client.post("/api/v1/fund/transactions", headers=fund["maker"], json=payment("640.50"))
    assert response.status_code == 201 and response.json()["status"] == "posted"
    report = client.get("/transparency/fund").json()
    assert report["contributions"] == [{"currency": "USD", "amount": "25000.00"}]
    assert report["fund_balances"] == [{"currency": "USD", "amount": "24359.50"}]
    assert {
        "category": "COST-TRAVEL-USD",
        "country": "AE",
        "month": "2026-11",
        "currency": "USD",
        "amount": "640.50",
    } in report["spending"]
    csv_text = client.get("/transparency/fund.csv").text
    assert "spending,COST-TRAVEL-USD,AE,2026-11,USD,640.50" in csv_text


def test_a_large_payment_waits_for_another_person_of_another_role(client, db, fund):
    pending = client.post("/api/v1/fund/transactions", headers=fund["maker"], json=payment("4000.00"))
    assert pending.json()["status"] == "pending_approval"
    assert balances(client, None) == {"USD": "25000.00"}  # not spent until approved
    txn = pending.json()["id"]
    # The maker cannot approve (and lacks the permission); another consular officer has no other role.
    assert client.post(f"/api/v1/fund/transactions/{txn}/approve", headers=fund["maker"]).status_code == 403
    admin_consul = make_user(db, Role.CONSULAR_OFFICER, Role.SUPERVISOR)
    same_person = client.post(
        f"/api/v1/fund/transactions/{txn}/approve", headers=bearer(db, fund["maker_user"])
    )
    assert same_person.status_code == 403
    approved = client.post(f"/api/v1/fund/transactions/{txn}/approve", headers=fund["checker"])
    assert approved.status_code == 200 and approved.json()["status"] == "posted"
    assert balances(client, None) == {"USD": "21000.00"}
    again = client.post(f"/api/v1/fund/transactions/{txn}/approve", headers=bearer(db, admin_consul))
    assert again.status_code == 409


def test_unbalanced_or_inexact_transactions_are_refused_and_nothing_is_written(client, db, fund):
    before = db.scalar(select(text("count(*)")).select_from(FundPosting))
    bad = payment("10.00")
    bad["postings"][1]["amount"] = "9.99"
    response = client.post("/api/v1/fund/transactions", headers=fund["maker"], json=bad)
    assert response.status_code == 422 and "must balance" in response.json()["detail"]
    inexact = payment("10.005")
    assert client.post("/api/v1/fund/transactions", headers=fund["maker"], json=inexact).status_code == 422
    unknown = payment("10.00", category="COST-NOWHERE")
    assert (
        "COST-NOWHERE"
        in client.post("/api/v1/fund/transactions", headers=fund["maker"], json=unknown).json()["detail"]
    )
    assert db.scalar(select(text("count(*)")).select_from(FundPosting)) == before


def test_a_reversal_undoes_a_payment_once_and_the_original_stays(client, fund):
    paid = client.post("/api/v1/fund/transactions", headers=fund["maker"], json=payment("300.00")).json()
    reversal = client.post(
        f"/api/v1/fund/transactions/{paid['id']}/reverse",
        headers=fund["maker"],
        json={"reason": "Flight cancelled, refunded"},
    )
    assert reversal.status_code == 201
    assert {p["account"]: p["amount"] for p in reversal.json()["postings"]} == {
        "FUND-USD": "300.00",
        "COST-TRAVEL-USD": "-300.00",
    }
    assert balances(client, None) == {"USD": "25000.00"}
    twice = client.post(
        f"/api/v1/fund/transactions/{paid['id']}/reverse", headers=fund["maker"], json={"reason": "again"}
    )
    assert twice.status_code == 409
    listed = client.get("/api/v1/fund/transactions", headers=fund["maker"]).json()
    assert paid["id"] in {t["id"] for t in listed}


def test_postings_cannot_be_changed_even_with_sql(client, db, fund):
    with pytest.raises(DBAPIError, match="never changed"), db.begin_nested():
        db.execute(update(FundPosting).values(amount_minor=1))


def test_every_entry_is_audited_and_the_report_names_no_case(client, db, fund):
    client.post("/api/v1/fund/transactions", headers=fund["maker"], json=payment("120.00", "CASE-9F2C-USD"))
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("fund.%"))))
    assert {"fund.account.open", "fund.transaction.contribution", "fund.transaction.payment"} <= actions
    report = client.get("/transparency/fund").text
    assert "9F2C" not in report and "CASE-ASSISTANCE" in report and "Flights" not in report


def test_the_public_report_page_shows_a_chart_and_no_case(client, fund):
    client.post("/api/v1/fund/transactions", headers=fund["maker"], json=payment("640.50"))
    client.post("/api/v1/fund/transactions", headers=fund["maker"], json=payment("99.00", "CASE-9F2C-USD"))
    page = client.get("/fund/report")
    assert page.status_code == 200 and "<svg" in page.text
    assert "COST-TRAVEL-USD" in page.text and "640.50" in page.text and "24260.50" in page.text
    assert "9F2C" not in page.text
