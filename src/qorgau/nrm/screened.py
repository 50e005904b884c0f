"""What the screening room needs of a case, and how a screening moves it (through nrm.service)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.auth.permissions import Permission
from qorgau.auth.principal import Principal
from qorgau.config import Settings
from qorgau.nrm import rules
from qorgau.nrm.common import _case_for, _case_to_change, _history, _today
from qorgau.nrm.intake import _refer_child_at_once
from qorgau.nrm.lifecycle import _move
from qorgau.nrm.models import (
    Case,
    Referral,
)
from qorgau.nrm.reading import _person_out
from qorgau.nrm.rules import CaseAction, CaseStatus


@dataclass(frozen=True)
class ScreeningSubject:
    """What an identification screening needs to know of a case, and nothing more."""

    case_id: uuid.UUID
    reference: str
    country: str  # where the case is: whose law the screening applies
    age: int | None
    is_child: bool
    status: CaseStatus


def screening_subject(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, *, to_change: bool = True
) -> ScreeningSubject:
    """The case a screening is about, for an officer who may work on it (full access); to screen
    it (`to_change`), not by break-glass, which only reads."""
    actor.require(Permission.CASE_WRITE)
    if to_change:
        case = _case_to_change(db, actor, case_id)
    else:
        case, _level = _case_for(db, actor, case_id)
    person = _person_out(settings.keyring, case, "full", _today())
    return ScreeningSubject(
        case.id, case.reference, case.found_in_country, person["age"], case.is_child, case.status
    )


# Outcomes of a screening that make the person a potential victim in the NRM's sense.
_POTENTIAL_VICTIM_OUTCOMES = {"likely_victim", "potential_victim", "refer_to_child_protection"}


def apply_screening(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, outcome: str, ruleset_version: str
) -> Case:
    """Move the case as far as a screening's outcome allows under the NRM rules: a reported case
    is now being screened; indicators of trafficking make the person a potential victim (and
    start the reflection period); a child outcome refers the child to child protection at once.
    The identification decision itself stays with a supervisor."""
    case = _case_to_change(db, actor, case_id)
    _history(db, actor, case, "screening.recorded", outcome=outcome, ruleset=ruleset_version)
    if case.status == CaseStatus.REPORTED:
        _move(db, actor, settings, case, rules.CaseCommand(CaseAction.START_SCREENING))
    if outcome in _POTENTIAL_VICTIM_OUTCOMES and case.status == CaseStatus.SCREENING:
        _move(db, actor, settings, case, rules.CaseCommand(CaseAction.MARK_POTENTIAL_VICTIM))
    if outcome == "refer_to_child_protection" and not case.is_child:
        case.is_child = True
        already = db.scalar(
            select(Referral.id).where(
                Referral.case_id == case.id, Referral.service == rules.ServiceType.CHILD_PROTECTION
            )
        )
        if already is None:
            _refer_child_at_once(db, actor, settings.keyring, case)
    db.flush()
    return case
