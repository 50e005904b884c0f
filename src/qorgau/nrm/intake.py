"""Intake: a person registered and their case opened, after the possible-duplicate check.
The rules that protect people start at once (a child is referred to child protection)."""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.auth import service as auth_service
from qorgau.auth.models import Agency, AgencyKind
from qorgau.config import Settings
from qorgau.db import utcnow, uuid7
from qorgau.errors import AuditNote, Conflict, DomainError, Forbidden, TooManyAttempts
from qorgau.i18n import _
from qorgau.keyring import Keyring
from qorgau.nrm import access, names, people, rules
from qorgau.nrm.common import _history, _today
from qorgau.nrm.lifecycle import _move
from qorgau.nrm.models import (
    Case,
    HomeCountryNotification,
    NotificationStatus,
    Person,
    PersonKey,
    PersonKeyKind,
    Referral,
)
from qorgau.nrm.plan import _add_task
from qorgau.nrm.rules import CaseAction, CaseStatus, ReferralStatus
from qorgau.nrm.schemas import (
    CaseCreate,
)
from qorgau.permissions import Permission
from qorgau.principal import Principal

_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_reference(country: str) -> str:
    """KZ-7F3K9-QXM2A: 50 random bits, so a million cases collide with odds of about 1 in 2,000
    (the unique constraint catches it), and nothing in it says who the person is."""
    n = secrets.randbits(50)
    chars = "".join(_REFERENCE_ALPHABET[(n >> (5 * i)) & 31] for i in range(10))
    return f"{country}-{chars[:5]}-{chars[5:]}"


# --- Intake ---------------------------------------------------------------------------------


def _person_dict(data: CaseCreate, today: date) -> dict[str, Any]:
    person = data.person.model_dump(mode="json", exclude_none=True)
    if data.person.estimated_age is not None:
        person["estimated_on"] = today.isoformat()
    return person


def possible_duplicates(
    db: Session, actor: Principal, keyring: Keyring, person: dict[str, Any]
) -> tuple[list[str], bool]:
    """Cases whose person may be this one: the same folded family and given name and the same
    birth date, or the same document number. Returns the references of those the actor may see,
    and whether any the actor may not see match too: never which, nor how many (that another
    agency holds a person is not the officer's to learn beyond "ask")."""
    keys = people.blind_keys(keyring, person)
    docs = [d for k, d in keys if k == PersonKeyKind.DOCUMENT]
    name_tokens = names.name_tokens(person.get("family_name"), person.get("given_name"))
    candidates: set[uuid.UUID] = set()
    if docs:
        candidates |= set(db.scalars(people.persons_keyed(PersonKeyKind.DOCUMENT, *docs)))
    if person.get("birth_date") and name_tokens:
        born = keyring.blind(PersonKeyKind.BIRTH_DATE, str(person["birth_date"]))
        q = people.persons_keyed(PersonKeyKind.BIRTH_DATE, born)
        for token in name_tokens:
            named = people.persons_keyed(PersonKeyKind.NAME, keyring.blind(PersonKeyKind.NAME, token))
            q = q.where(PersonKey.person_id.in_(named))
        candidates |= set(db.scalars(q))
    if not candidates:
        return [], False
    visible = access.readable_cases(actor, utcnow()).where(Case.person_id.in_(candidates))
    refs = sorted(c.reference for c, _level in db.execute(visible))
    total = db.scalar(select(func.count()).select_from(Case).where(Case.person_id.in_(candidates))) or 0
    return refs, total > len(refs)


DUPLICATE_CHECK = "nrm.person.duplicate_check"
DUPLICATE_CHECK_REFUSED = "nrm.person.duplicate_check_refused"


def check_duplicates(db: Session, actor: Principal, keyring: Keyring, person: dict[str, Any]) -> AuditNote:
    """The possible-duplicate check of an intake: rate-limited per user (rules.DUPLICATE_CHECKS_
    PER_HOUR, counted from the audit log, so the limit holds across restarts and processes) and
    audited with its outcome, never its terms. A match refuses the intake with a 409 (the event
    is then written after the rollback); no match records the event in the intake's
    transaction, and returns it for the caller to keep should the intake fail later."""
    if actor.user_id is not None:  # the system principal (command line, loaders) is not limited
        now = utcnow()
        recent = audit.recent_times(db, actor.user_id, DUPLICATE_CHECK, now - rules.DUPLICATE_CHECK_WINDOW)
        wait = rules.duplicate_check_wait(recent, now)
        if wait:
            minutes = max(1, round(wait / 60))
            refused = TooManyAttempts(
                _(
                    "Too many possible-duplicate checks in the last hour. Try again in %(minutes)s "
                    "minutes, or register the person, confirming that they are not already registered."
                )
                % {"minutes": minutes},
                retry_after_seconds=wait,
            )
            refused.audit_after_rollback = AuditNote(actor, DUPLICATE_CHECK_REFUSED, "person", None)
            raise refused
    refs, elsewhere = possible_duplicates(db, actor, keyring, person)
    if not refs and not elsewhere:
        audit.record(db, actor, DUPLICATE_CHECK, "person", None, details={"result": "none"})
        return AuditNote(actor, DUPLICATE_CHECK, "person", None, {"result": "none"})
    parts = []
    if refs:
        parts.append(
            _(
                "This person may already be registered (%(cases)s). Check those cases, or register "
                "anyway, confirming that it is a different person."
            )
            % {"cases": ", ".join(refs)}
        )
    if elsewhere:
        parts.append(
            _(
                "A possible duplicate exists in a case you cannot see; its details are not shown. "
                "Ask your supervisor to check with the agency that holds it before you register "
                "anyway."
            )
        )
    found = Conflict(" ".join(parts), field="acknowledge_possible_duplicate")
    # The references shown (as for any search result), whether others matched; never the terms.
    found.audit_after_rollback = AuditNote(
        actor, DUPLICATE_CHECK, "person", None, {"result": "match", "cases": refs, "elsewhere": elsewhere}
    )
    raise found


def register_case(
    db: Session, actor: Principal, settings: Settings, data: CaseCreate, *, potential_victim: bool = False
) -> Case:
    """Register a (potential) victim and open their case. The rules that protect people start
    at once: a child is referred to child protection, a foreign national's home country is due a
    notification (sent only with consent)."""
    actor.require(Permission.CASE_WRITE)
    if actor.agency_id is None:
        raise Forbidden(_("Cases are opened by an agency's officer."))
    keyring = settings.keyring
    today = _today()
    person_data = _person_dict(data, today)
    if data.acknowledge_possible_duplicate:
        return _register(db, actor, settings, data, person_data, potential_victim)
    checked = check_duplicates(db, actor, keyring, person_data)
    try:
        return _register(db, actor, settings, data, person_data, potential_victim)
    except DomainError as exc:
        # The intake failed after the check: the check still happened, so its event (which the
        # rollback undoes) is written after it, unless the failure brings an event of its own.
        if exc.audit_after_rollback is None:
            exc.audit_after_rollback = checked
        raise


def _register(
    db: Session,
    actor: Principal,
    settings: Settings,
    data: CaseCreate,
    person_data: dict[str, Any],
    potential_victim: bool,
) -> Case:
    keyring = settings.keyring
    today = _today()
    person = Person(id=uuid7(), origin_node_id=settings.secrets.node_id)
    people.seal_row(keyring, person, "nrm_persons", person.id, person_data)
    db.add(person)
    db.flush()
    db.add_all(
        PersonKey(person_id=person.id, kind=k, digest=d) for k, d in people.blind_keys(keyring, person_data)
    )

    found_in = data.found_in_country or settings.node_country
    child = rules.is_child(data.person.birth_date, data.person.estimated_age, today, today)
    case = Case(
        id=uuid7(),
        reference=new_reference(settings.node_country),
        origin_node_id=settings.secrets.node_id,
        person_id=person.id,
        owner_agency_id=actor.agency_id,
        assigned_user_id=actor.user_id,
        status=CaseStatus.REPORTED,
        is_child=child,
        has_guardian=data.has_guardian,
        exploitation_mask=rules.exploitation_mask(data.exploitation_types),
        recruitment_country=data.recruitment_country,
        transit_countries=data.transit_countries,
        destination_country=data.destination_country,
        found_in_country=found_in,
        reported_on=data.reported_on or today,
        created_by=actor.user_id,
    )
    people.seal_row(
        keyring,
        case,
        "nrm_cases",
        case.id,
        {
            "recruitment_place": data.recruitment_place,
            "destination_place": data.destination_place,
            "narrative": data.narrative,
        },
    )
    db.add(case)
    db.flush()
    _history(db, actor, case, "case.opened", child=child)
    audit.record(db, actor, "nrm.case.open", "case", case.id)
    if potential_victim:
        _move(db, actor, settings, case, rules.CaseCommand(CaseAction.MARK_POTENTIAL_VICTIM))
    if child:
        _refer_child_at_once(db, actor, keyring, case)
    for country in rules.home_countries_to_notify(data.person.citizenships, settings.node_country, found_in):
        db.add(
            HomeCountryNotification(
                case_id=case.id, country=country, status=NotificationStatus.AWAITING_CONSENT
            )
        )
        _history(db, actor, case, "notification.due", country=country)
    db.flush()
    return case


def _refer_child_at_once(db: Session, actor: Principal, keyring: Keyring, case: Case) -> None:
    """A child is referred to child protection at once, consent or not (the law's exception);
    where the node knows no child-protection agency, the plan gets an overdue task instead."""
    agency = db.scalar(
        auth_service.referral_agencies()  # a registration awaiting its second person gets none
        .where(Agency.kind == AgencyKind.SOCIAL_SERVICE, Agency.country == case.found_in_country)
        .order_by(Agency.code)
        .limit(1)
    )
    if agency is None:
        _add_task(db, actor, keyring, case, _("Refer the child to child protection"), None, None, _today())
        return
    referral = Referral(
        id=uuid7(),
        case_id=case.id,
        from_agency_id=case.owner_agency_id,
        to_agency_id=agency.id,
        service=rules.ServiceType.CHILD_PROTECTION,
        status=ReferralStatus.REQUESTED,
        consent_exception=rules.ConsentException.CHILD,
        requested_by=actor.user_id,
    )
    people.seal_row(keyring, referral, "nrm_referrals", referral.id, {"needs": "", "reasons": []})
    db.add(referral)
    _history(
        db, actor, case, "referral.requested", service=referral.service, to_agency=agency.code, auto=True
    )
    audit.record(db, actor, "nrm.referral.request", "referral", referral.id)
