"""What the screening room needs of a case, and how a screening moves it (through nrm.service)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.config import Settings
from qorgau.nrm import rules
from qorgau.nrm.common import _case_for, _case_to_change, _history, _today
from qorgau.nrm.intake import _refer_child_at_once
from qorgau.nrm.lifecycle import _move
from qorgau.nrm.models import (
    Referral,
)
from qorgau.nrm.reading import _person_out
from qorgau.nrm.rules import CaseAction, CaseStatus
from qorgau.permissions import Permission
from qorgau.principal import Principal


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


class ScreeningFinding(StrEnum):
    """What a screening found, in the NRM's terms. The screening room says which of its outcomes
    means which; this room knows nothing of its outcomes but their names, for the history."""

    NO_INDICATORS = "no_indicators"  # not enough to call the person a potential victim
    POTENTIAL_VICTIM = "potential_victim"  # indicators of trafficking: a potential victim
    CHILD_PROTECTION = "child_protection"  # a child who is a likely victim: child protection now


def apply_screening(
    db: Session,
    actor: Principal,
    settings: Settings,
    case_id: uuid.UUID,
    finding: ScreeningFinding,
    *,
    outcome: str,
    ruleset_version: str,
) -> CaseStatus:
    """Move the case as far as a screening's finding allows under the NRM rules: a reported case
    is now being screened; indicators of trafficking make the person a potential victim (and
    start the reflection period); a child outcome refers the child to child protection at once.
    The identification decision itself stays with a supervisor. `outcome` is the screening's
    own word, kept in the case's history. Returns the case's status now."""
    case = _case_to_change(db, actor, case_id)
    _history(db, actor, case, "screening.recorded", outcome=outcome, ruleset=ruleset_version)
    if case.status == CaseStatus.REPORTED:
        _move(db, actor, settings, case, rules.CaseCommand(CaseAction.START_SCREENING))
    if finding != ScreeningFinding.NO_INDICATORS and case.status == CaseStatus.SCREENING:
        _move(db, actor, settings, case, rules.CaseCommand(CaseAction.MARK_POTENTIAL_VICTIM))
    if finding == ScreeningFinding.CHILD_PROTECTION and not case.is_child:
        case.is_child = True
        already = db.scalar(
            select(Referral.id).where(
                Referral.case_id == case.id, Referral.service == rules.ServiceType.CHILD_PROTECTION
            )
        )
        if already is None:
            _refer_child_at_once(db, actor, settings.keyring, case)
    db.flush()
    return case.status
