"""Referrals to service providers: made with consent (or a lawful exception), then received,
accepted, started and ended by the receiving agency."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.auth import service as auth_service
from qorgau.config import Settings
from qorgau.db import utcnow, uuid7
from qorgau.errors import Conflict, InvalidInput, NotFound
from qorgau.i18n import _
from qorgau.nrm import access, people, rules
from qorgau.nrm.common import _agency, _case_to_change, _history, _today, _violation
from qorgau.nrm.lifecycle import _grants
from qorgau.nrm.models import (
    Case,
    Referral,
)
from qorgau.nrm.reading import _referral_out
from qorgau.nrm.rules import CaseStatus, ConsentPurpose, ReferralStatus, RuleViolation
from qorgau.nrm.schemas import (
    ReferralCommandIn,
    ReferralIn,
)
from qorgau.permissions import Permission
from qorgau.principal import Principal


def refer(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: ReferralIn
) -> dict[str, Any]:
    """Refer the person to a service provider: only with their consent to assistance, or under a
    lawful exception with a written reason."""
    actor.require(Permission.REFERRAL_MANAGE)
    case = _case_to_change(db, actor, case_id)
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("The case is closed; reopen it first."))
    agency = _agency(db, data.to_agency_id, "to_agency_id")
    if not auth_service.receives_referrals(agency):
        raise InvalidInput(
            _("This agency receives no referrals until its registration is approved."), field="to_agency_id"
        )
    try:
        rules.check_consent(
            _grants(db, case),
            ConsentPurpose.ASSISTANCE,
            on=_today(),
            exception=data.consent_exception,
            exception_reason=data.exception_reason,
            is_child=case.is_child,
        )
    except RuleViolation as exc:
        raise _violation(exc) from exc
    referral = Referral(
        id=uuid7(),
        case_id=case.id,
        from_agency_id=actor.agency_id or case.owner_agency_id,
        to_agency_id=agency.id,
        service=data.service,
        status=ReferralStatus.REQUESTED,
        consent_exception=data.consent_exception,
        requested_by=actor.user_id,
        requested_at=utcnow(),
    )
    reasons = [data.exception_reason] if data.consent_exception and data.exception_reason else []
    people.seal_row(
        settings.keyring, referral, "nrm_referrals", referral.id, {"needs": data.needs, "reasons": reasons}
    )
    db.add(referral)
    db.flush()
    _history(db, actor, case, "referral.requested", service=data.service.value, to_agency=agency.code)
    audit.record(db, actor, "nrm.referral.request", "referral", referral.id)
    return _referral_out(settings.keyring, referral, case.reference)


def act_on_referral(
    db: Session, actor: Principal, settings: Settings, referral_id: uuid.UUID, data: ReferralCommandIn
) -> dict[str, Any]:
    """The receiving agency receives, accepts or rejects, starts and ends the service; the
    referring side may cancel."""
    actor.require(Permission.REFERRAL_MANAGE)
    referral = db.get(Referral, referral_id)
    if referral is None:
        raise NotFound(_("No such referral."))
    side = rules.REFERRAL_ACTION_SIDE[data.action]
    if side == "receiver":
        if db.execute(access.received_referrals(actor).where(Referral.id == referral.id)).first() is None:
            raise NotFound(_("No such referral."))
        case = db.get(Case, referral.case_id)
    else:
        case = _case_to_change(db, actor, referral.case_id)
    assert case is not None
    try:
        status = rules.next_referral_status(referral.status, data.action, data.reason)
    except RuleViolation as exc:
        raise _violation(exc) from exc
    now = utcnow()
    referral.status = status
    if status == ReferralStatus.RECEIVED:
        referral.received_at = now
    elif status == ReferralStatus.ACCEPTED:
        referral.accepted_at = now
        referral.received_at = referral.received_at or now
    elif status in rules.TERMINAL_REFERRAL:
        referral.ended_at = now
    if data.reason:
        sealed = people.open_row(settings.keyring, referral, "nrm_referrals", referral.id)
        sealed.setdefault("reasons", []).append(data.reason)
        people.seal_row(settings.keyring, referral, "nrm_referrals", referral.id, sealed)
    db.flush()
    _history(db, actor, case, f"referral.{status.value}", service=referral.service.value)
    audit.record(db, actor, f"nrm.referral.{data.action.value}", "referral", referral.id)
    return _referral_out(settings.keyring, referral, case.reference)


def referral_inbox(
    db: Session, actor: Principal, settings: Settings, *, active_only: bool = True
) -> list[dict[str, Any]]:
    """Referrals to the actor's agency, oldest waiting first."""
    actor.require(Permission.REFERRAL_MANAGE)
    q = access.received_referrals(actor)
    if active_only:
        q = q.where(Referral.status.in_(rules.ACTIVE_REFERRAL))
    rows = db.execute(q.order_by(Referral.id).limit(500))
    return [_referral_out(settings.keyring, r, ref) for r, ref in rows]
