"""JSON API of the fund room, and the public report (JSON and CSV) under /transparency."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from qorgau.auth.deps import require
from qorgau.fund import service
from qorgau.fund.schemas import AccountCreate, AccountOut, ReversalCreate, TransactionCreate, TransactionOut
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.web.csrf import Public
from qorgau.web.deps import DB, AppSettings
from qorgau.web.problems import PROBLEM_RESPONSES
from qorgau.web.render import render

router = APIRouter(prefix="/api/v1/fund", tags=["safe fund"], responses=PROBLEM_RESPONSES)
public_router = APIRouter(prefix="/transparency", tags=["transparency"], dependencies=[Public])
page_router = APIRouter(include_in_schema=False)

FundReader = Annotated[Principal, Depends(require(Permission.FUND_READ))]
FundManager = Annotated[Principal, Depends(require(Permission.FUND_MANAGE))]
FundApprover = Annotated[Principal, Depends(require(Permission.FUND_APPROVE))]


@router.get("/accounts", response_model=list[AccountOut], summary="Ledger accounts")
def accounts(db: DB, principal: FundReader) -> list[AccountOut]:
    return [AccountOut.model_validate(a) for a in service.list_accounts(db, principal)]


@router.post("/accounts", response_model=AccountOut, status_code=201, summary="Open a ledger account")
def open_account(body: AccountCreate, db: DB, principal: FundManager) -> AccountOut:
    return AccountOut.model_validate(service.open_account(db, principal, body))


@router.get("/transactions", response_model=list[TransactionOut], summary="Newest transactions")
def transactions(db: DB, principal: FundReader, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    return [service.transaction_out(t) for t in service.list_transactions(db, principal, limit)]


@router.post("/transactions", response_model=TransactionOut, status_code=201, summary="Record a transaction")
def record(body: TransactionCreate, db: DB, settings: AppSettings, principal: FundManager) -> TransactionOut:
    return service.transaction_out(service.record_transaction(db, principal, settings, body))


@router.post("/transactions/{txn_id}/approve", response_model=TransactionOut, summary="Approve a payment")
def approve(txn_id: uuid.UUID, db: DB, principal: FundApprover) -> TransactionOut:
    return service.transaction_out(service.approve(db, principal, txn_id))


@router.post(
    "/transactions/{txn_id}/reverse",
    response_model=TransactionOut,
    status_code=201,
    summary="Reverse a posted transaction",
)
def reverse(
    txn_id: uuid.UUID, body: ReversalCreate, db: DB, settings: AppSettings, principal: FundManager
) -> TransactionOut:
    return service.transaction_out(service.reverse(db, principal, settings, txn_id, body.reason))


@public_router.get("/fund", summary="The safe fund's public report (no personal data)")
def report(db: DB) -> dict[str, Any]:
    return service.public_report(db)


@page_router.get("/fund/report", dependencies=[Public])
def report_page(request: Request, db: DB) -> Response:
    data = service.public_report(db)
    return render(request, "fund/report.html", {"report": data, **service.report_figures(data)})


@public_router.get("/fund.csv", summary="The safe fund's spending as CSV", response_class=Response)
def report_csv(db: DB) -> Response:
    data = service.public_report(db)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "category", "country", "month", "currency", "amount"])
    for row in data["contributions"]:
        writer.writerow(["contribution", "", "", "", row["currency"], row["amount"]])
    for row in data["spending"]:
        writer.writerow(
            ["spending", row["category"], row["country"] or "", row["month"], row["currency"], row["amount"]]
        )
    for row in data["fund_balances"]:
        writer.writerow(["fund balance", "", "", "", row["currency"], row["amount"]])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="qorgau-safe-fund.csv"'},
    )
