"""Use cases of the fund room: accounts, transactions (maker-checker), reversals, balances and
the public report. Every entry is also an audit event; nothing is ever edited."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from qorgau.audit import service as audit
from qorgau.audit.transparency import latest_checkpoint
from qorgau.auth import service as auth_service
from qorgau.config import Settings
from qorgau.db import utcnow
from qorgau.errors import Conflict, Forbidden, InvalidInput, NotFound
from qorgau.fund import rules
from qorgau.fund.models import FundAccount, FundPosting, FundTransaction, TransactionKind, TransactionStatus
from qorgau.fund.schemas import AccountCreate, PostingOut, TransactionCreate, TransactionOut
from qorgau.i18n import _
from qorgau.permissions import Permission
from qorgau.principal import Principal


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(rules.MINOR_UNITS[currency]))


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-rules.MINOR_UNITS[currency])


def open_account(db: Session, actor: Principal, data: AccountCreate) -> FundAccount:
    actor.require(Permission.FUND_MANAGE)
    if db.scalar(select(FundAccount.id).where(FundAccount.code == data.code)) is not None:
        raise Conflict(_("An account with this code already exists."), field="code")
    account = FundAccount(code=data.code, name=data.name, kind=data.kind, currency=data.currency)
    db.add(account)
    db.flush()
    audit.record(db, actor, "fund.account.open", "fund_account", account.id)
    return account


def list_accounts(db: Session, actor: Principal) -> list[FundAccount]:
    actor.require(Permission.FUND_READ)
    return list(db.scalars(select(FundAccount).order_by(FundAccount.code)))


def _accounts_by_code(db: Session, codes: set[str]) -> dict[str, FundAccount]:
    """The accounts, locked until the end of the request's transaction (in id order, so two
    transactions never wait on each other): balances and window sums read after this cannot be
    changed by a concurrent payment before we write. PostgreSQL takes row locks; SQLite's write
    path has already taken the database's write lock (BEGIN IMMEDIATE)."""
    found = {
        a.code: a
        for a in db.scalars(
            select(FundAccount)
            .where(FundAccount.code.in_(codes))
            .order_by(FundAccount.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    unknown = codes - found.keys()
    if unknown:
        raise InvalidInput(
            _("Unknown account: %(codes)s") % {"codes": ", ".join(sorted(unknown))}, field="postings"
        )
    return found


def _posted_balances(db: Session, accounts: Iterable[FundAccount]) -> dict[tuple[str, str], Decimal]:
    by_id = {a.id: a.code for a in accounts}
    rows = db.execute(
        select(FundPosting.account_id, FundPosting.currency, func.sum(FundPosting.amount_minor))
        .join(FundTransaction, FundTransaction.id == FundPosting.transaction_id)
        .where(FundPosting.account_id.in_(by_id), FundTransaction.status == TransactionStatus.POSTED)
        .group_by(FundPosting.account_id, FundPosting.currency)
    )
    return {(by_id[aid], cur): from_minor(int(total), cur) for aid, cur, total in rows}


def _refuse_overdraft(db: Session, postings: list[rules.Posting], accounts: dict[str, FundAccount]) -> None:
    """No account goes onto the wrong side of zero (see rules.overdrawn). Called with the
    accounts locked, inside the request's transaction, so two payments cannot both pass."""
    kinds = {code: a.kind for code, a in accounts.items()}
    wrong = rules.overdrawn(postings, kinds, _posted_balances(db, accounts.values()))
    if wrong:
        code, currency, after = wrong[0]
        raise Conflict(
            _(
                "Not enough money: this would bring account %(code)s to %(balance)s %(currency)s. "
                "Only a donor account may be below zero."
            )
            % {"code": code, "balance": f"{after:.{rules.MINOR_UNITS[currency]}f}", "currency": currency},
            field="postings",
        )


def _paid_in_window(
    db: Session, settings: Settings, payees: Iterable[tuple[str, str]], accounts: dict[str, FundAccount]
) -> dict[tuple[str, str], Decimal]:
    """What was paid out of the fund to each payee within the approval window: debits to it by
    transactions recorded in the window, posted or still waiting, unless reversed."""
    by_id = {accounts[code].id: code for code, _cur in payees}
    if not by_id:
        return {}
    now, window = utcnow(), timedelta(days=settings.fund_approval_window_days)
    fund_leg, fund_account, undo = aliased(FundPosting), aliased(FundAccount), aliased(FundTransaction)
    leaves_fund = (
        exists()
        .where(fund_leg.transaction_id == FundTransaction.id, fund_leg.amount_minor < 0)
        .where(fund_account.id == fund_leg.account_id, fund_account.kind == rules.AccountKind.FUND)
    )
    reversed_ = exists().where(
        undo.reverses_id == FundTransaction.id, undo.status == TransactionStatus.POSTED
    )
    rows = db.execute(
        select(
            FundTransaction.created_at, FundPosting.account_id, FundPosting.currency, FundPosting.amount_minor
        )
        .join(FundTransaction, FundTransaction.id == FundPosting.transaction_id)
        .where(FundPosting.account_id.in_(by_id), FundPosting.amount_minor > 0)
        .where(FundTransaction.created_at > now - window, leaves_fund, ~reversed_)
    )
    history = [rules.Paid(at, by_id[aid], cur, from_minor(amount, cur)) for at, aid, cur, amount in rows]
    return rules.paid_within(history, now, window)


def _post(
    db: Session,
    actor: Principal,
    kind: TransactionKind,
    status: TransactionStatus,
    description: str,
    country: str | None,
    occurred_on: Any,
    postings: list[rules.Posting],
    accounts: dict[str, FundAccount],
    reverses: uuid.UUID | None = None,
) -> FundTransaction:
    txn = FundTransaction(
        kind=kind,
        status=status,
        description=description,
        country=country,
        occurred_on=occurred_on,
        maker_user_id=actor.user_id,
        maker_roles=sorted(actor.roles),
        reverses_id=reverses,
        approved_at=utcnow() if status == TransactionStatus.POSTED else None,
        postings=[
            FundPosting(
                account_id=accounts[p.account].id,
                amount_minor=to_minor(p.amount, p.currency),
                currency=p.currency,
            )
            for p in postings
        ],
    )
    db.add(txn)
    db.flush()
    audit.record(
        db,
        actor,
        f"fund.transaction.{kind.value}",
        "fund_transaction",
        txn.id,
        details={
            "status": status.value,
            "postings": [[p.account, str(p.amount), p.currency] for p in postings],
        },
    )
    return txn


def record_transaction(
    db: Session, actor: Principal, settings: Settings, data: TransactionCreate
) -> FundTransaction:
    """Record a contribution, payment or transfer. A payment above the threshold, or bringing
    what one payee got within the window above it, waits for approval by another person of
    another role. No account may end on the wrong side of zero."""
    actor.require(Permission.FUND_MANAGE)
    try:
        rules.check_date(data.occurred_on, utcnow().date(), settings.fund_days_ahead)
    except rules.LedgerError as exc:
        raise InvalidInput(str(exc), field=exc.field) from exc
    accounts = _accounts_by_code(db, {p.account for p in data.postings})
    postings = [rules.Posting(p.account, p.amount, accounts[p.account].currency) for p in data.postings]
    try:
        rules.check_transaction(postings)
    except rules.LedgerError as exc:
        raise InvalidInput(str(exc), field=exc.field) from exc
    kinds = {code: a.kind for code, a in accounts.items()}
    paid = _paid_in_window(db, settings, rules.paid_to(postings, kinds), accounts)
    waits = rules.needs_approval(postings, kinds, settings.fund_approval_thresholds, paid)
    _refuse_overdraft(db, postings, accounts)  # a waiting payment is checked again when approved
    status = TransactionStatus.PENDING_APPROVAL if waits else TransactionStatus.POSTED
    return _post(
        db, actor, data.kind, status, data.description, data.country, data.occurred_on, postings, accounts
    )


def _get(db: Session, txn_id: uuid.UUID) -> FundTransaction:
    txn = db.get(FundTransaction, txn_id)
    if txn is None:
        raise NotFound(_("No such transaction."))
    return txn


def _postings_of(db: Session, txn: FundTransaction) -> tuple[list[rules.Posting], dict[str, FundAccount]]:
    """A stored transaction's postings, with its accounts locked (see _accounts_by_code)."""
    accounts = _accounts_by_code(db, {p.account.code for p in txn.postings})
    postings = [
        rules.Posting(p.account.code, from_minor(p.amount_minor, p.currency), p.currency)
        for p in txn.postings
    ]
    return postings, accounts


def approve(db: Session, actor: Principal, txn_id: uuid.UUID) -> FundTransaction:
    actor.require(Permission.FUND_APPROVE)
    txn = _get(db, txn_id)
    if txn.status != TransactionStatus.PENDING_APPROVAL:
        raise Conflict(_("This transaction does not wait for approval."))
    if not rules.may_approve(
        str(txn.maker_user_id), frozenset(txn.maker_roles), str(actor.user_id), frozenset(actor.roles)
    ):
        raise Forbidden(_("A payment is approved by another person, holding a role its maker does not."))
    if auth_service.empowered_recently(db, actor.user_id, txn.maker_user_id, utcnow()):
        # The two-person rule: not through an account one of them made or empowered lately.
        raise Forbidden(_("You may not approve what an account you created or empowered recently made."))
    _refuse_overdraft(db, *_postings_of(db, txn))
    txn.status, txn.approved_by, txn.approved_at = TransactionStatus.POSTED, actor.user_id, utcnow()
    audit.record(db, actor, "fund.transaction.approve", "fund_transaction", txn.id)
    return txn


def reverse(
    db: Session, actor: Principal, settings: Settings, txn_id: uuid.UUID, reason: str
) -> FundTransaction:
    """Undo a posted transaction with a reversing one; the original stays as it was. A reversal
    above the threshold waits for a second person, as a payment does."""
    actor.require(Permission.FUND_MANAGE)
    original = _get(db, txn_id)
    if original.status != TransactionStatus.POSTED or original.kind == TransactionKind.REVERSAL:
        raise Conflict(_("Only a posted transaction can be reversed."))
    if db.scalar(select(FundTransaction.id).where(FundTransaction.reverses_id == original.id)) is not None:
        raise Conflict(_("This transaction was already reversed."))
    done, accounts = _postings_of(db, original)
    postings = rules.reversal(done)
    kinds = {code: a.kind for code, a in accounts.items()}
    paid = _paid_in_window(db, settings, rules.paid_to(postings, kinds), accounts)
    waits = rules.reversal_needs_approval(postings, kinds, settings.fund_approval_thresholds, paid)
    _refuse_overdraft(db, postings, accounts)
    return _post(
        db,
        actor,
        TransactionKind.REVERSAL,
        TransactionStatus.PENDING_APPROVAL if waits else TransactionStatus.POSTED,
        reason,
        original.country,
        utcnow().date(),
        postings,
        accounts,
        reverses=original.id,
    )


def transaction_out(txn: FundTransaction) -> TransactionOut:
    return TransactionOut(
        id=txn.id,
        kind=txn.kind,
        status=txn.status,
        description=txn.description,
        country=txn.country,
        occurred_on=txn.occurred_on,
        created_at=txn.created_at,
        approved_at=txn.approved_at,
        reverses_id=txn.reverses_id,
        postings=[
            PostingOut(
                account=p.account.code, amount=from_minor(p.amount_minor, p.currency), currency=p.currency
            )
            for p in txn.postings
        ],
    )


def list_transactions(db: Session, actor: Principal, limit: int = 100) -> list[FundTransaction]:
    actor.require(Permission.FUND_READ)
    return list(db.scalars(select(FundTransaction).order_by(FundTransaction.id.desc()).limit(limit)))


def balances(db: Session) -> dict[tuple[str, str], Decimal]:
    """Balance of every account over posted transactions (pending ones do not count yet)."""
    rows = db.execute(
        select(FundAccount.code, FundPosting.currency, func.sum(FundPosting.amount_minor))
        .join(FundAccount, FundAccount.id == FundPosting.account_id)
        .join(FundTransaction, FundTransaction.id == FundPosting.transaction_id)
        .where(FundTransaction.status == TransactionStatus.POSTED)
        .group_by(FundAccount.code, FundPosting.currency)
    )
    return {(code, cur): from_minor(int(total), cur) for code, cur, total in rows}


def public_report(db: Session) -> dict[str, Any]:
    """What anyone may see: contributions and spending by category, country and month, and the
    fund's balances, in aggregate. No descriptions, no case references, no people."""
    rows = db.execute(
        select(
            FundAccount.kind,
            FundAccount.code,
            FundPosting.currency,
            FundPosting.amount_minor,
            FundTransaction.country,
            FundTransaction.occurred_on,
        )
        .join(FundAccount, FundAccount.id == FundPosting.account_id)
        .join(FundTransaction, FundTransaction.id == FundPosting.transaction_id)
        .where(FundTransaction.status == TransactionStatus.POSTED)
    )
    contributions: dict[str, int] = defaultdict(int)
    spending: dict[tuple[str, str, str, str], int] = defaultdict(int)
    fund: dict[str, int] = defaultdict(int)
    for kind, code, currency, amount, country, occurred_on in rows:
        if kind == rules.AccountKind.DONOR:
            contributions[currency] -= amount
        elif kind == rules.AccountKind.FUND:
            fund[currency] += amount
        else:
            # Spending on one case is shown under "case assistance", never under the case's code.
            category = code if kind == rules.AccountKind.COST else "CASE-ASSISTANCE"
            spending[(category, country or "", occurred_on.strftime("%Y-%m"), currency)] += amount
    checkpoint = latest_checkpoint(db)
    return {
        "contributions": [
            {"currency": c, "amount": str(from_minor(a, c))} for c, a in sorted(contributions.items())
        ],
        "spending": [
            {
                "category": cat,
                "country": country or None,
                "month": month,
                "currency": cur,
                "amount": str(from_minor(a, cur)),
            }
            for (cat, country, month, cur), a in sorted(spending.items())
        ],
        "fund_balances": [{"currency": c, "amount": str(from_minor(a, c))} for c, a in sorted(fund.items())],
        "audit_checkpoint": {"tree_size": checkpoint.tree_size, "root_hash": checkpoint.root_hash.hex()}
        if checkpoint
        else None,
    }


def report_figures(report: dict[str, Any]) -> dict[str, Any]:
    """Totals per currency and bar lengths for the report page's chart (pure shaping)."""
    totals: dict[str, dict[str, str]] = defaultdict(lambda: {"contributions": "0", "balance": "0"})
    for row in report["contributions"]:
        totals[row["currency"]]["contributions"] = row["amount"]
    for row in report["fund_balances"]:
        totals[row["currency"]]["balance"] = row["amount"]
    by_category: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in report["spending"]:
        by_category[row["currency"]][row["category"]] += Decimal(row["amount"])
    charts = {}
    for currency, categories in sorted(by_category.items()):
        top = max(categories.values(), default=Decimal(1)) or Decimal(1)
        charts[currency] = [
            {"category": cat, "amount": str(amount), "width": max(1, int(360 * amount / top))}
            for cat, amount in sorted(categories.items(), key=lambda kv: -kv[1])
        ]
    return {"totals": dict(sorted(totals.items())), "charts": charts}
