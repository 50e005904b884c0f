"""Break-glass: an officer opens a case outside their scope in an emergency, with a written
reason; read-only, for a few hours, reviewed by a supervisor."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.auth.models import User
from qorgau.config import Settings
from qorgau.db import utcnow, uuid7
from qorgau.errors import Conflict, Forbidden, NotFound
from qorgau.i18n import _
from qorgau.nrm import access, people
from qorgau.nrm.common import _history
from qorgau.nrm.models import (
    BreakGlass,
    Case,
)
from qorgau.nrm.schemas import (
    BreakGlassIn,
)
from qorgau.permissions import Permission
from qorgau.principal import Principal

BREAK_GLASS_HOURS = 8


def break_glass(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: BreakGlassIn
) -> BreakGlass:
    """Open a case outside one's scope, for an emergency, with a written reason. It is audited,
    lasts a few hours, and waits for a supervisor's review."""
    actor.require(Permission.CASE_READ)
    if actor.user_id is None:
        raise Forbidden(_("Break-glass access is for a named officer."))
    case = db.get(Case, case_id)
    if case is None:
        raise access.not_found(actor, case_id)
    if db.execute(
        select(access.fully_readable(actor, utcnow())).select_from(Case).where(Case.id == case_id)
    ).scalar():
        raise Conflict(_("You can already open this case."))
    now = utcnow()
    grant = BreakGlass(
        id=uuid7(),
        case_id=case.id,
        user_id=actor.user_id,
        agency_id=actor.agency_id,
        opened_at=now,
        expires_at=now + timedelta(hours=BREAK_GLASS_HOURS),
    )
    people.seal_row(settings.keyring, grant, "nrm_break_glass", grant.id, {"reason": data.reason})
    db.add(grant)
    db.flush()
    _history(db, actor, case, "break_glass.opened")
    audit.record(db, actor, "nrm.case.break_glass", "case", case.id, details={"review": "pending"})
    return grant


def pending_break_glass(db: Session, actor: Principal, settings: Settings) -> list[dict[str, Any]]:
    """Break-glass accesses by the supervisor's agency's officers, or to its cases, not yet reviewed."""
    actor.require(Permission.DECISION_MAKE)
    rows = db.execute(
        access.break_glass_to_review(actor)
        .add_columns(User.username, User.display_name)
        .join(User, User.id == BreakGlass.user_id)
        .where(BreakGlass.reviewed_at.is_(None))
        .order_by(BreakGlass.id)
    )
    return [
        {
            "id": g.id,
            "case_reference": ref,
            "user_id": g.user_id,
            "username": username,
            "display_name": display_name,
            "opened_at": g.opened_at,
            "expires_at": g.expires_at,
            "reason": people.open_row(settings.keyring, g, "nrm_break_glass", g.id)["reason"],
        }
        for g, ref, username, display_name in rows
    ]


def review_break_glass(db: Session, actor: Principal, grant_id: uuid.UUID) -> BreakGlass:
    actor.require(Permission.DECISION_MAKE)
    grant = db.scalar(access.break_glass_to_review(actor).where(BreakGlass.id == grant_id))
    if grant is None:
        raise NotFound(_("No such break-glass access."))
    if grant.user_id == actor.user_id:
        raise Forbidden(_("Someone else reviews your own break-glass access."))
    if grant.reviewed_at is not None:
        raise Conflict(_("This access was already reviewed."))
    grant.reviewed_by, grant.reviewed_at = actor.user_id, utcnow()
    audit.record(db, actor, "nrm.case.break_glass_review", "break_glass", grant.id)
    return grant
