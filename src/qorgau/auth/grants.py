"""Grants of power are a two-person act.

Giving a user a role that reads cases, decides, approves money or administers (POWERFUL_ROLES),
and registering an agency (every agency can receive referrals), are asked for by one person and
take effect only when a second approves: an administrator other than the one who asked, or, for a
role other than administrator, a supervisor of the user's agency. Until then the role is a pending
`Grant`, not a `UserRole` (the principal does not hold it), and the agency is inactive (it receives
no referrals). The system principal (the command line, the demo loader) is the bootstrap root: it
holds the node's keys anyway, so what it grants takes effect at once.

Two accounts that one of them created, or gave power to, in the last `grant_recent_days` are kept
apart as maker and checker (`empowered_recently`), here and in the fund's maker-checker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.auth.models import Agency, Grant, GrantKind, GrantStatus, User, UserRole, WebSession
from qorgau.config import get_settings
from qorgau.db import utcnow
from qorgau.errors import AuditNote, Conflict, Forbidden, NotFound
from qorgau.i18n import _
from qorgau.permissions import POWERFUL_ROLES, TWO_FACTOR_REQUIRED, Permission, Role
from qorgau.principal import Principal

# --- pure rules ------------------------------------------------------------------------------


def is_root(actor: Principal) -> bool:
    """The system principal: the operator at the command line, who holds the node's keys."""
    return actor.via == "system" and actor.user_id is None


def split_roles(actor: Principal, roles: Iterable[Role]) -> tuple[list[Role], list[Role]]:
    """The roles that take effect at once, and those that wait for a second person."""
    wanted = sorted(set(roles))
    if is_root(actor):
        return wanted, []
    return [r for r in wanted if r not in POWERFUL_ROLES], [r for r in wanted if r in POWERFUL_ROLES]


def agency_needs_approval(actor: Principal) -> bool:
    # Every agency can be sent referrals (and the automatic one for a child), so every
    # registration outside the command line waits.
    return not is_root(actor)


# --- who may approve -------------------------------------------------------------------------


def recent_days() -> int:
    return get_settings().grant_recent_days


def empowered_recently(
    db: Session,
    approver_id: uuid.UUID | None,
    maker_id: uuid.UUID | None,
    now: datetime,
    *,
    days: int | None = None,
) -> bool:
    """True when one of the two accounts created the other, or asked for or approved a grant of
    power to it, in the last `days` (the `grant_recent_days` setting): then the one may not
    approve what the other made. Either way round: an administrator may not check their own
    payment through an account they made, nor through one that made them."""
    if approver_id is None or maker_id is None or approver_id == maker_id:
        return False
    since = now - timedelta(days=recent_days() if days is None else days)
    pairs = ((approver_id, maker_id), (maker_id, approver_id))
    created = select(User.id).where(
        or_(*(and_(User.id == made, User.created_by == maker) for maker, made in pairs)),
        User.created_at >= since,
    )
    if db.scalar(created.limit(1)) is not None:
        return True
    granted = select(Grant.id).where(
        Grant.status != GrantStatus.REFUSED,
        or_(
            *(
                and_(Grant.user_id == made, or_(Grant.requested_by == giver, Grant.decided_by == giver))
                for giver, made in pairs
            )
        ),
        or_(Grant.requested_at >= since, Grant.decided_at >= since),
    )
    return db.scalar(granted.limit(1)) is not None


# --- asking ----------------------------------------------------------------------------------


def request_role(db: Session, actor: Principal, user: User, role: Role) -> Grant:
    grant = Grant(
        kind=GrantKind.ROLE,
        user_id=user.id,
        role=role,
        agency_id=user.agency_id,
        requested_by=actor.user_id,
        requested_at=utcnow(),
    )
    db.add(grant)
    db.flush()
    audit.record(
        db,
        actor,
        "grant.request",
        "grant",
        grant.id,
        details={"kind": grant.kind.value, "role": role.value, "user_id": str(user.id)},
    )
    return grant


def request_agency(db: Session, actor: Principal, agency: Agency) -> Grant:
    grant = Grant(
        kind=GrantKind.AGENCY, agency_id=agency.id, requested_by=actor.user_id, requested_at=utcnow()
    )
    db.add(grant)
    db.flush()
    audit.record(
        db,
        actor,
        "grant.request",
        "grant",
        grant.id,
        details={"kind": grant.kind.value, "agency_id": str(agency.id)},
    )
    return grant


# --- reading ---------------------------------------------------------------------------------


def readable_grants(actor: Principal) -> Select[Grant]:
    """The one query every list and fetch of grants starts from: administrators see all, a
    supervisor the role grants (other than administrator) for users of their own agency."""
    actor.require(Permission.GRANT_APPROVE)
    query = select(Grant)
    if Role.ADMINISTRATOR in actor.roles:
        return query
    if Role.SUPERVISOR in actor.roles and actor.agency_id is not None:
        return query.where(
            Grant.kind == GrantKind.ROLE,
            Grant.role != Role.ADMINISTRATOR,
            Grant.agency_id == actor.agency_id,
        )
    return query.where(Grant.id.is_(None))


def list_grants(
    db: Session, actor: Principal, status: GrantStatus | None = GrantStatus.PENDING
) -> list[Grant]:
    query = readable_grants(actor)
    if status is not None:
        query = query.where(Grant.status == status)
    return list(db.scalars(query.order_by(Grant.requested_at.desc(), Grant.id.desc()).limit(500)))


def get_grant(db: Session, actor: Principal, grant_id: uuid.UUID) -> Grant:
    grant = db.scalar(readable_grants(actor).where(Grant.id == grant_id))
    if grant is None:
        raise NotFound(_("No such grant, or it is not yours to decide."))
    return grant


def pending_roles(db: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Role]]:
    """The roles waiting for a second person, by user (for the users list)."""
    ids = list(user_ids)
    found: dict[uuid.UUID, list[Role]] = {}
    if not ids:
        return found
    rows = db.execute(
        select(Grant.user_id, Grant.role).where(
            Grant.user_id.in_(ids), Grant.status == GrantStatus.PENDING, Grant.kind == GrantKind.ROLE
        )
    )
    for user_id, role in rows:
        if user_id is not None and role is not None:
            found.setdefault(user_id, []).append(role)
    return {k: sorted(v) for k, v in found.items()}


# --- deciding --------------------------------------------------------------------------------


def _pending(grant: Grant) -> None:
    if grant.status != GrantStatus.PENDING:
        raise Conflict(_("This grant was already decided."))


def approve(db: Session, actor: Principal, grant_id: uuid.UUID, *, days: int | None = None) -> Grant:
    """The second person's approval: the role is given, the agency becomes active."""
    grant = get_grant(db, actor, grant_id)
    _pending(grant)
    now = utcnow()
    refused: Forbidden | None = None
    if actor.user_id is not None and actor.user_id in (grant.requested_by, grant.user_id):
        refused = Forbidden(
            _("A grant of power is approved by a second person, not by the one who asked for it.")
        )
    elif empowered_recently(db, actor.user_id, grant.requested_by, now, days=days):
        refused = Forbidden(
            _("You may not approve what an account you created or empowered recently asked for.")
        )
    if refused is not None:
        # The refused attempt is kept: the request's transaction is rolled back, this is not.
        refused.audit_after_rollback = AuditNote(
            actor, "grant.approve", "grant", str(grant.id), {"kind": grant.kind.value}
        )
        raise refused
    grant.status, grant.decided_by, grant.decided_at = GrantStatus.APPROVED, actor.user_id, now
    if grant.kind == GrantKind.ROLE and grant.user is not None and grant.role is not None:
        _give_role(db, grant.user, grant.role, now)
    elif grant.kind == GrantKind.AGENCY:
        grant.agency.active = True
    audit.record(db, actor, "grant.approve", "grant", grant.id, details={"kind": grant.kind.value})
    return grant


def _give_role(db: Session, user: User, role: Role, now: datetime) -> None:
    if role not in user.roles:
        user.role_rows.append(UserRole(role=role))
    if role in TWO_FACTOR_REQUIRED and not user.two_factor_enrolled:
        # Its sessions began without a second factor; the next sign-in asks for enrolment.
        for s in db.scalars(
            select(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        ):
            s.ended_at = now


def refuse(db: Session, actor: Principal, grant_id: uuid.UUID, reason: str) -> Grant:
    """Refusing gives nothing, so anyone who may decide may refuse, the asker too (withdrawal).
    The reason stays on the grant, never in the audit log."""
    grant = get_grant(db, actor, grant_id)
    _pending(grant)
    grant.status, grant.decided_by, grant.decided_at = GrantStatus.REFUSED, actor.user_id, utcnow()
    grant.reason = reason
    audit.record(db, actor, "grant.refuse", "grant", grant.id, details={"kind": grant.kind.value})
    return grant
