"""The case lifecycle (status steps, guardian, assignment), consent and rights."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.auth.models import User
from qorgau.config import Settings
from qorgau.errors import Conflict, Forbidden, InvalidInput, NotFound
from qorgau.i18n import _
from qorgau.nrm import people, rules
from qorgau.nrm.common import _agency, _case_to_change, _facts, _history, _note, _today, _violation
from qorgau.nrm.models import (
    Case,
    Consent,
    HomeCountryNotification,
    NotificationStatus,
    Right,
)
from qorgau.nrm.rules import CaseAction, CaseStatus, ConsentPurpose, RuleViolation
from qorgau.nrm.schemas import (
    CaseCommandIn,
    ConsentIn,
    GuardianIn,
    RightIn,
)
from qorgau.permissions import Permission
from qorgau.principal import Principal


def _move(db: Session, actor: Principal, settings: Settings, case: Case, command: rules.CaseCommand) -> None:
    actor.require(rules.ACTION_PERMISSION[command.action])
    today = _today()
    try:
        new = rules.next_status(_facts(case, today), command)
    except RuleViolation as exc:
        raise _violation(exc) from exc
    old = case.status
    if command.action == CaseAction.CLOSE:
        case.status_before_close, case.closure_reason = old, command.closure_reason
    elif command.action == CaseAction.REOPEN:
        case.status_before_close, case.closure_reason = None, None
    if command.action in (CaseAction.IDENTIFY_AS_VICTIM, CaseAction.DECIDE_NOT_A_VICTIM):
        case.identified_on = today
    if new == CaseStatus.POTENTIAL_VICTIM and case.reflection_ends_on is None:
        days = settings.reflection_days(case.found_in_country)
        case.reflection_ends_on = rules.reflection_end(today, days)
        _offer_right(db, actor, case, rules.RightKind.REFLECTION_PERIOD, today)
    case.status = new
    if command.reason:
        _note(db, actor, settings.keyring, case, command.reason, about=command.action.value)
    _history(
        db,
        actor,
        case,
        "status.changed",
        action=command.action.value,
        old=old.value,
        new=new.value,
        closure_reason=command.closure_reason.value if command.closure_reason else None,
        at_persons_request=command.at_persons_request,
    )
    audit.record(db, actor, f"nrm.case.{command.action.value}", "case", case.id, details={"to": new.value})


def act_on_case(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: CaseCommandIn
) -> Case:
    case = _case_to_change(db, actor, case_id)
    command = rules.CaseCommand(data.action, data.reason, data.closure_reason, data.at_persons_request)
    _move(db, actor, settings, case, command)
    db.flush()
    return case


def set_guardian(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: GuardianIn
) -> Case:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    details = people.open_row(settings.keyring, case, "nrm_cases", case.id)
    details["guardian"] = data.guardian if data.has_guardian else None
    people.seal_row(settings.keyring, case, "nrm_cases", case.id, details)
    case.has_guardian = data.has_guardian
    _history(db, actor, case, "guardian.set", has_guardian=data.has_guardian)
    audit.record(db, actor, "nrm.case.guardian", "case", case.id)
    return case


def assign_case(db: Session, actor: Principal, case_id: uuid.UUID, user_id: uuid.UUID) -> Case:
    """A supervisor gives a case of their agency to one of its officers."""
    actor.require(Permission.DECISION_MAKE)
    case = _case_to_change(db, actor, case_id)
    if case.owner_agency_id != actor.agency_id:
        raise Forbidden(_("Only a supervisor of the agency that owns the case can assign it."))
    user = db.get(User, user_id)
    if user is None or user.agency_id != case.owner_agency_id or not user.active:
        raise InvalidInput(_("Assign the case to an active officer of the owning agency."), field="user_id")
    case.assigned_user_id = user.id
    _history(db, actor, case, "case.assigned", user=user.id)
    audit.record(db, actor, "nrm.case.assign", "case", case.id, details={"user": str(user.id)})
    return case


# --- Consent and rights -------------------------------------------------------------------------


def _grants(db: Session, case: Case) -> list[rules.ConsentGrant]:
    return [
        rules.ConsentGrant(
            c.purpose, str(c.agency_id) if c.agency_id else None, c.country, c.given_on, c.withdrawn_on
        )
        for c in db.scalars(select(Consent).where(Consent.case_id == case.id))
    ]


def _sync_notifications(db: Session, case: Case) -> None:
    """A home-country notification is ready to send exactly while the person's consent to tell
    that country holds (once sent, it stays sent)."""
    grants = _grants(db, case)
    today = _today()
    for n in db.scalars(select(HomeCountryNotification).where(HomeCountryNotification.case_id == case.id)):
        if n.status == NotificationStatus.SENT:
            continue
        covered = rules.consent_covers(grants, ConsentPurpose.SHARE_COUNTRY, on=today, country=n.country)
        n.status = NotificationStatus.READY if covered else NotificationStatus.AWAITING_CONSENT


def give_consent(db: Session, actor: Principal, case_id: uuid.UUID, data: ConsentIn) -> Consent:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    if data.agency_id is not None:
        _agency(db, data.agency_id, "agency_id")
    consent = Consent(
        case_id=case.id,
        purpose=data.purpose,
        agency_id=data.agency_id if data.purpose == ConsentPurpose.SHARE_AGENCY else None,
        country=data.country if data.purpose == ConsentPurpose.SHARE_COUNTRY else None,
        given_on=data.given_on or _today(),
        recorded_by=actor.user_id,
    )
    db.add(consent)
    db.flush()
    _sync_notifications(db, case)
    _history(db, actor, case, "consent.given", purpose=data.purpose.value, country=consent.country)
    audit.record(db, actor, "nrm.consent.give", "consent", consent.id)
    return consent


def withdraw_consent(db: Session, actor: Principal, case_id: uuid.UUID, consent_id: uuid.UUID) -> Consent:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    consent = db.get(Consent, consent_id)
    if consent is None or consent.case_id != case.id:
        raise NotFound(_("No such consent in this case."))
    if consent.withdrawn_on is not None:
        raise Conflict(_("This consent was already withdrawn."))
    consent.withdrawn_on, consent.withdrawn_by = _today(), actor.user_id
    db.flush()
    _sync_notifications(db, case)
    _history(db, actor, case, "consent.withdrawn", purpose=consent.purpose.value, country=consent.country)
    audit.record(db, actor, "nrm.consent.withdraw", "consent", consent.id)
    return consent


def _offer_right(db: Session, actor: Principal, case: Case, kind: rules.RightKind, today: date) -> None:
    if db.scalar(select(Right.id).where(Right.case_id == case.id, Right.kind == kind)) is None:
        db.add(
            Right(
                case_id=case.id,
                kind=kind,
                status=rules.RightStatus.OFFERED,
                offered_on=today,
                updated_by=actor.user_id,
            )
        )
        _history(db, actor, case, "right.offered", right=kind.value)


def set_right(db: Session, actor: Principal, case_id: uuid.UUID, data: RightIn) -> Right:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    right = db.scalar(select(Right).where(Right.case_id == case.id, Right.kind == data.kind))
    try:
        status = rules.next_right_status(right.status if right else None, data.status)
    except RuleViolation as exc:
        raise _violation(exc) from exc
    today = _today()
    if right is None:
        right = Right(case_id=case.id, kind=data.kind, status=status, offered_on=today)
        db.add(right)
    else:
        right.status, right.decided_on = status, today
    right.updated_by = actor.user_id
    db.flush()
    _history(db, actor, case, f"right.{status.value}", right=data.kind.value)
    audit.record(
        db,
        actor,
        "nrm.right.set",
        "case",
        case.id,
        details={"right": data.kind.value, "status": status.value},
    )
    return right
