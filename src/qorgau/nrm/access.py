"""Who sees which case: the one place that decides it. Every list, search and fetch of the NRM
room starts from `readable_cases`, so scoping cannot be forgotten.

A principal holding case.read sees a case
- in full when it is assigned to them, or when they are a supervisor of the owning agency;
- in full but read-only, for a few hours, after a break-glass access with a written reason
  (audited, reviewed): break-glass lets an officer read a case in an emergency, never change it;
- in part ("referral") while their agency has an active referral for it: only what the
  referral needs (names, age, sex, languages, and the referral itself).
Administrators hold no case permission and see nothing. Everyone else's access is need to know:
an officer does not see every case of their agency, only those they work on.

Only "full" access writes: every change to a case (its lifecycle and decisions, consent, rights,
referrals, plan, notes, guardian, screenings) passes `require_write`, which refuses the other
levels with a 403 that is audited as denied.

Beyond cases, the same rules scope the referral inbox and the receiving side's steps on a
referral (`received_referrals`: referrals to the principal's agency), and the supervisor's review
of break-glass accesses (`break_glass_to_review`: by the agency's officers, or to its cases).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import ColumnElement, Select, case, exists, false, literal, or_, select
from sqlalchemy.orm import Session

from qorgau.db import utcnow
from qorgau.errors import AuditNote, Forbidden, NotFound
from qorgau.i18n import _
from qorgau.nrm.models import BreakGlass, Case, Referral
from qorgau.nrm.rules import ACTIVE_REFERRAL
from qorgau.permissions import Permission, Role
from qorgau.principal import Principal

Access = Literal["full", "referral", "break_glass"]

# The levels that may change a case. Break-glass is read-only, always; a referral's part is too.
WRITABLE: frozenset[str] = frozenset({"full"})


def _full(actor: Principal) -> ColumnElement[bool]:
    terms: list[ColumnElement[bool]] = []
    if actor.user_id is not None:
        terms.append(Case.assigned_user_id == actor.user_id)
    if Role.SUPERVISOR in actor.roles and actor.agency_id is not None:
        terms.append(Case.owner_agency_id == actor.agency_id)
    return or_(*terms) if terms else false()


def _break_glass(actor: Principal, now: datetime) -> ColumnElement[bool]:
    if actor.user_id is None:
        return false()
    return exists().where(
        BreakGlass.case_id == Case.id, BreakGlass.user_id == actor.user_id, BreakGlass.expires_at > now
    )


def _receiving(actor: Principal) -> ColumnElement[bool]:
    """The referral is to the principal's agency."""
    if actor.agency_id is None:
        return false()
    return Referral.to_agency_id == actor.agency_id


def _referral(actor: Principal) -> ColumnElement[bool]:
    if actor.agency_id is None:
        return false()
    return exists().where(
        Referral.case_id == Case.id, _receiving(actor), Referral.status.in_(ACTIVE_REFERRAL)
    )


def access_level(actor: Principal, now: datetime) -> ColumnElement[str]:
    """The access a principal has to the row's case, best first (for the rows readable_cases
    returns)."""
    return case(
        (_full(actor), literal("full")),
        (_break_glass(actor, now), literal("break_glass")),
        else_=literal("referral"),
    )


def readable_cases(actor: Principal, now: datetime) -> Select[Case, str]:
    """Cases this principal may see, each with the level of access."""
    if not actor.can(Permission.CASE_READ):
        return select(Case, literal("full")).where(false())
    visible = or_(_full(actor), _break_glass(actor, now), _referral(actor))
    return select(Case, access_level(actor, now).label("access")).where(visible)


def case_access(db: Session, actor: Principal, case_id: uuid.UUID) -> Access | None:
    """The principal's access to one case, or None where they may not see it (or it does not exist).
    Not audited: for a room that shows something beside a case the actor already opened."""
    actor.require(Permission.CASE_READ)
    row = db.execute(readable_cases(actor, utcnow()).where(Case.id == case_id)).first()
    return None if row is None else cast(Access, row[1])


def received_referrals(actor: Principal) -> Select[Referral, str]:
    """Referrals to the principal's agency, each with its case's reference: the inbox, and the
    only referrals whose receiving-side steps (receive, accept, reject, start, end) they take."""
    return select(Referral, Case.reference).join(Case, Case.id == Referral.case_id).where(_receiving(actor))


def break_glass_to_review(actor: Principal) -> Select[BreakGlass, str]:
    """Break-glass accesses a supervisor reviews, each with its case's reference: those opened by
    their agency's officers, and those to their agency's cases."""
    if actor.agency_id is None or not actor.can(Permission.DECISION_MAKE):
        return select(BreakGlass, Case.reference).where(false())
    return (
        select(BreakGlass, Case.reference)
        .join(Case, Case.id == BreakGlass.case_id)
        .where((BreakGlass.agency_id == actor.agency_id) | (Case.owner_agency_id == actor.agency_id))
    )


def fully_readable(actor: Principal, now: datetime) -> ColumnElement[bool]:
    """Full access (own work or break-glass): what writes to a case need."""
    if not actor.can(Permission.CASE_READ):
        return false()
    return or_(_full(actor), _break_glass(actor, now))


def may_write(level: str) -> bool:
    """Whether this level of access may change the case (pages use it to offer forms or not)."""
    return level in WRITABLE


def require_write(actor: Principal, case_id: uuid.UUID, level: str) -> None:
    """The one check every write to a case passes: only full access changes a case. A refusal
    is a 403 whose attempt is audited as denied (written after the request's rollback)."""
    if may_write(level):
        return
    if level == "break_glass":
        refused = Forbidden(
            _("Emergency (break-glass) access is read-only: you may read this case, not change it.")
        )
    else:
        refused = Forbidden(_("Your agency sees only the part of this case its referral needs."))
    refused.audit_after_rollback = AuditNote(
        actor, "access.denied", "case", str(case_id), {"access": level, "need": "write"}
    )
    raise refused


def not_found(actor: Principal, case_id: uuid.UUID | str) -> NotFound:
    """'Not found' for a case the actor may not see (or that does not exist: the answer must not
    tell which), with the attempt audited as denied. The id is kept only when it is a UUID."""
    missing = NotFound(_("No such case, or it is not yours to see."))
    try:
        kept: str | None = str(uuid.UUID(str(case_id)))
    except ValueError:
        kept = None
    missing.audit_after_rollback = AuditNote(actor, "access.denied", "case", kept, {"access": "none"})
    return missing
