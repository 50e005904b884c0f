"""What every use case of the NRM room shares: the case the actor may see or change, the
case's history, a rule's refusal as a 4xx, and the sealed note. Internal to the room: other rooms
use nrm.service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

from sqlalchemy.orm import Session

from qorgau.auth.models import Agency
from qorgau.db import utcnow, uuid7
from qorgau.errors import Conflict, Forbidden, InvalidInput
from qorgau.i18n import _
from qorgau.keyring import Keyring
from qorgau.nrm import access, people, rules
from qorgau.nrm.models import (
    Case,
    CaseHistory,
    Note,
    Person,
)
from qorgau.nrm.rules import RuleViolation
from qorgau.permissions import Permission
from qorgau.principal import Principal

_BAD_INPUT = {
    "reason_required",
    "exception_reason_required",
    "closure_reason_required",
    "exception_not_applicable",
}


def _violation(exc: RuleViolation) -> InvalidInput | Conflict:
    # A missing or wrong value is bad input (422); a step that the state of the case forbids
    # (a protection, a closed case, no consent) is a conflict (409).
    if exc.code in _BAD_INPUT:
        return InvalidInput(exc.message, field=exc.field)
    return Conflict(exc.message, field=exc.field)


def _history(db: Session, actor: Principal, case: Case, kind: str, **params: Any) -> None:
    db.add(
        CaseHistory(
            case_id=case.id,
            actor_user_id=actor.user_id,
            actor_agency_id=actor.agency_id,
            kind=kind,
            params={k: (str(v) if isinstance(v, uuid.UUID | date) else v) for k, v in params.items()},
        )
    )


def _today() -> date:
    return utcnow().date()


def _agency(db: Session, agency_id: uuid.UUID, field: str) -> Agency:
    agency = db.get(Agency, agency_id)
    if agency is None:
        raise InvalidInput(_("No such agency."), field=field)
    return agency


def _case_for(
    db: Session, actor: Principal, case_id: uuid.UUID, *, need_full: bool = True
) -> tuple[Case, access.Access]:
    """The case if the actor may see it. A case they may not see is 'not found', the same as
    one that does not exist: the answer must not tell that it does."""
    actor.require(Permission.CASE_READ)
    row = db.execute(access.readable_cases(actor, utcnow()).where(Case.id == case_id)).first()
    if row is None:
        raise access.not_found(actor, case_id)
    case, level = row
    if need_full and level == "referral":
        raise Forbidden(_("Your agency sees only the part of this case its referral needs."))
    return case, cast(access.Access, level)


def _case_to_change(db: Session, actor: Principal, case_id: uuid.UUID) -> Case:
    """The case if the actor may change it: seen in full, and not only by break-glass (which is
    read-only). Every write to a case starts here (access.require_write)."""
    case, level = _case_for(db, actor, case_id, need_full=False)
    access.require_write(actor, case.id, level)
    return case


def _facts(case: Case, today: date) -> rules.CaseFacts:
    return rules.CaseFacts(
        status=case.status,
        status_before_close=case.status_before_close,
        is_child=case.is_child,
        has_guardian=case.has_guardian,
        reflection_ends_on=case.reflection_ends_on,
        today=today,
    )


def open_person(keyring: Keyring, person: Person) -> dict[str, Any]:
    return people.open_row(keyring, person, "nrm_persons", person.id)


def _note(
    db: Session, actor: Principal, keyring: Keyring, case: Case, text: str, about: str | None = None
) -> Note:
    note = Note(id=uuid7(), case_id=case.id, author_user_id=actor.user_id)
    people.seal_row(keyring, note, "nrm_notes", note.id, {"text": text, "about": about})
    db.add(note)
    return note
