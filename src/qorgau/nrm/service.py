"""Use cases of the NRM room: intake, the case lifecycle, consent, rights, referrals, the case
plan, notes and break-glass access. Every function checks the permission, applies the pure rules
(nrm.rules), writes through the ORM and records the audit event in the caller's transaction;
none of them commits. Every read of a person's record is audited too."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.auth import service as auth_service
from qorgau.auth.models import Agency, AgencyKind, User
from qorgau.config import Settings
from qorgau.db import utcnow, uuid7
from qorgau.errors import AuditNote, Conflict, DomainError, Forbidden, InvalidInput, NotFound, TooManyAttempts
from qorgau.i18n import _
from qorgau.keyring import Keyring
from qorgau.nrm import access, names, people, rules
from qorgau.nrm.models import (
    BreakGlass,
    Case,
    CaseHistory,
    Consent,
    HomeCountryNotification,
    Note,
    NotificationStatus,
    Person,
    PersonKey,
    PersonKeyKind,
    PlanItem,
    PlanItemKind,
    Referral,
    Right,
)
from qorgau.nrm.rules import CaseAction, CaseStatus, ConsentPurpose, ReferralStatus, RuleViolation
from qorgau.nrm.schemas import (
    BreakGlassIn,
    CaseCommandIn,
    CaseCreate,
    CaseFilter,
    CaseSearch,
    ConsentIn,
    GoalIn,
    GuardianIn,
    NoteIn,
    ReferralCommandIn,
    ReferralIn,
    RightIn,
    TaskIn,
)
from qorgau.permissions import Permission
from qorgau.principal import Principal

BREAK_GLASS_HOURS = 8
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_reference(country: str) -> str:
    """KZ-7F3K9-QXM2A: 50 random bits, so a million cases collide with odds of about 1 in 2,000
    (the unique constraint catches it), and nothing in it says who the person is."""
    n = secrets.randbits(50)
    chars = "".join(_REFERENCE_ALPHABET[(n >> (5 * i)) & 31] for i in range(10))
    return f"{country}-{chars[:5]}-{chars[5:]}"


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
        candidates |= set(
            db.scalars(
                select(PersonKey.person_id).where(
                    PersonKey.kind == PersonKeyKind.DOCUMENT, PersonKey.digest.in_(docs)
                )
            )
        )
    if person.get("birth_date") and name_tokens:
        digests = [keyring.blind(PersonKeyKind.NAME, t) for t in name_tokens]
        q = select(PersonKey.person_id).where(
            PersonKey.kind == PersonKeyKind.BIRTH_DATE,
            PersonKey.digest == keyring.blind(PersonKeyKind.BIRTH_DATE, str(person["birth_date"])),
        )
        for digest in digests:
            q = q.where(
                PersonKey.person_id.in_(
                    select(PersonKey.person_id).where(
                        PersonKey.kind == PersonKeyKind.NAME, PersonKey.digest == digest
                    )
                )
            )
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


# --- Reading: one case, lists and search -------------------------------------------------------


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


def view_case(db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID) -> dict[str, Any]:
    """Everything about a case the actor may see, as plain values for CaseOut; audited."""
    case, level = _case_for(db, actor, case_id, need_full=False)
    audit.record(db, actor, "nrm.case.read", "case", case.id, details={"access": level})
    return _shape_case(db, actor, settings.keyring, case, level)


def _person_out(keyring: Keyring, case: Case, level: str, today: date) -> dict[str, Any]:
    p = open_person(keyring, case.person)
    age = None
    if p.get("birth_date"):
        age = rules.age_on(date.fromisoformat(p["birth_date"]), today)
    elif p.get("estimated_age") is not None:
        since = date.fromisoformat(p.get("estimated_on", today.isoformat()))
        age = p["estimated_age"] + rules.age_on(since, today)
    out = {"id": case.person_id, "age": age, **p}
    if level == "referral":
        # What a service provider needs to receive the person, no more.
        keep = {"id", "family_name", "given_name", "sex", "age", "languages"}
        out = {k: v for k, v in out.items() if k in keep}
    return out


def _referral_out(keyring: Keyring, r: Referral, reference: str) -> dict[str, Any]:
    sealed = people.open_row(keyring, r, "nrm_referrals", r.id)
    hours = None
    if r.accepted_at is not None:
        hours = round((r.accepted_at - r.requested_at).total_seconds() / 3600, 1)
    return {
        "id": r.id,
        "case_id": r.case_id,
        "case_reference": reference,
        "from_agency_id": r.from_agency_id,
        "to_agency_id": r.to_agency_id,
        "service": r.service,
        "status": r.status,
        "needs": sealed.get("needs", ""),
        "consent_exception": r.consent_exception,
        "requested_at": r.requested_at,
        "accepted_at": r.accepted_at,
        "hours_to_accept": hours,
    }


def _shape_case(db: Session, actor: Principal, keyring: Keyring, case: Case, level: str) -> dict[str, Any]:
    today = _today()
    referrals = db.scalars(select(Referral).where(Referral.case_id == case.id).order_by(Referral.id))
    if level == "referral":
        referrals = (r for r in referrals if r.to_agency_id == actor.agency_id)  # type: ignore[assignment]
    out: dict[str, Any] = {
        "id": case.id,
        "reference": case.reference,
        "access": level,
        "status": case.status,
        "allowed_actions": [
            a
            for a in rules.allowed_actions(_facts(case, today))
            if access.may_write(level) and actor.can(rules.ACTION_PERMISSION[a])
        ],
        "closure_reason": case.closure_reason,
        "owner_agency_id": case.owner_agency_id,
        "assigned_user_id": case.assigned_user_id,
        "is_child": case.is_child,
        "has_guardian": case.has_guardian,
        "reflection_ends_on": case.reflection_ends_on,
        "exploitation_types": rules.exploitation_types(case.exploitation_mask),
        "recruitment_country": case.recruitment_country,
        "transit_countries": case.transit_countries,
        "destination_country": case.destination_country,
        "found_in_country": case.found_in_country,
        "reported_on": case.reported_on,
        "identified_on": case.identified_on,
        "person": _person_out(keyring, case, level, today),
        "referrals": [_referral_out(keyring, r, case.reference) for r in referrals],
    }
    if level == "referral":
        return out
    details = people.open_row(keyring, case, "nrm_cases", case.id)
    out.update(
        recruitment_place=details.get("recruitment_place"),
        destination_place=details.get("destination_place"),
        narrative=details.get("narrative"),
        consents=[
            {
                "id": c.id,
                "purpose": c.purpose,
                "agency_id": c.agency_id,
                "country": c.country,
                "given_on": c.given_on,
                "withdrawn_on": c.withdrawn_on,
            }
            for c in db.scalars(select(Consent).where(Consent.case_id == case.id).order_by(Consent.id))
        ],
        rights=[
            {"kind": r.kind, "status": r.status, "offered_on": r.offered_on, "decided_on": r.decided_on}
            for r in db.scalars(select(Right).where(Right.case_id == case.id).order_by(Right.kind))
        ],
        plan=[
            plan_item_out(keyring, item, today)
            for item in db.scalars(select(PlanItem).where(PlanItem.case_id == case.id).order_by(PlanItem.id))
        ],
        notes=[
            {
                "id": n.id,
                "author_user_id": n.author_user_id,
                "created_at": n.created_at,
                "text": people.open_row(keyring, n, "nrm_notes", n.id)["text"],
            }
            for n in db.scalars(select(Note).where(Note.case_id == case.id).order_by(Note.id.desc()))
        ],
        timeline=[
            {"at": h.at, "kind": h.kind, "actor_user_id": h.actor_user_id, "params": h.params}
            for h in db.scalars(
                select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id)
            )
        ],
        home_notifications=[
            {"country": n.country, "status": n.status.value}
            for n in db.scalars(
                select(HomeCountryNotification)
                .where(HomeCountryNotification.case_id == case.id)
                .order_by(HomeCountryNotification.country)
            )
        ],
    )
    return out


def plan_item_out(keyring: Keyring, item: PlanItem, today: date) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind.value,
        "title": people.open_row(keyring, item, "nrm_plan_items", item.id)["title"],
        "goal_id": item.goal_id,
        "owner_user_id": item.owner_user_id,
        "due_on": item.due_on,
        "done_on": item.done_on,
        "overdue": item.done_on is None and item.due_on is not None and item.due_on < today,
    }


def _has_all_names(digests: list[bytes]) -> list[Any]:
    return [
        Case.person_id.in_(
            select(PersonKey.person_id).where(PersonKey.kind == PersonKeyKind.NAME, PersonKey.digest == d)
        )
        for d in digests
    ]


def list_cases(
    db: Session, actor: Principal, settings: Settings, f: CaseFilter | CaseSearch
) -> dict[str, Any]:
    """A page of the cases the actor may see, newest first, filtered and searched; audited with
    the references shown (never the search terms: they are personal data)."""
    actor.require(Permission.CASE_READ)
    keyring = settings.keyring
    today = _today()
    q = access.readable_cases(actor, utcnow())
    criteria = []
    if f.status is not None:
        q = q.where(Case.status == f.status)
    if f.agency_id is not None:
        q = q.where(Case.owner_agency_id == f.agency_id)
    if f.country is not None:
        q = q.where(Case.found_in_country == f.country)
    if f.exploitation_type is not None:
        bit = rules.exploitation_mask([f.exploitation_type])
        q = q.where(Case.exploitation_mask.op("&")(bit) != 0)
    if f.overdue:
        q = q.where(Case.next_due_on < today)
    search = f if isinstance(f, CaseSearch) else CaseSearch()
    if search.name:
        digests = people.name_query_digests(keyring, search.name)
        if not digests:
            raise InvalidInput(_("Type at least one letter of a name."), field="name")
        q = q.where(*_has_all_names(digests))
        criteria.append("name")
    if search.birth_date is not None:
        q = q.where(
            Case.person_id.in_(
                select(PersonKey.person_id).where(
                    PersonKey.kind == PersonKeyKind.BIRTH_DATE,
                    PersonKey.digest == people.birth_date_digest(keyring, search.birth_date),
                )
            )
        )
        criteria.append("birth_date")
    if search.document_number:
        q = q.where(
            Case.person_id.in_(
                select(PersonKey.person_id).where(
                    PersonKey.kind == PersonKeyKind.DOCUMENT,
                    PersonKey.digest == people.document_digest(keyring, search.document_number),
                )
            )
        )
        criteria.append("document_number")
    if f.after:
        try:
            after = uuid.UUID(f.after)
        except ValueError as exc:
            raise InvalidInput(_("Not a cursor from a previous page."), field="after") from exc
        q = q.where(Case.id < after)
    rows = list(db.execute(q.order_by(Case.id.desc()).limit(f.limit + 1)))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    items = []
    for case, level in rows:
        person = open_person(keyring, case.person)
        items.append(
            {
                "id": case.id,
                "reference": case.reference,
                "status": case.status,
                "access": level,
                "name": people.display_name(person),
                "is_child": case.is_child,
                "owner_agency_id": case.owner_agency_id,
                "found_in_country": case.found_in_country,
                "exploitation_types": rules.exploitation_types(case.exploitation_mask),
                "reported_on": case.reported_on,
                "overdue": case.next_due_on is not None and case.next_due_on < today,
            }
        )
    if items:
        audit.record(
            db,
            actor,
            "nrm.case.list",
            "case",
            None,
            details={"cases": [i["reference"] for i in items], "criteria": criteria},
        )
    return {"items": items, "next": str(rows[-1][0].id) if more else None}


# --- The lifecycle ------------------------------------------------------------------------------


def _note(
    db: Session, actor: Principal, keyring: Keyring, case: Case, text: str, about: str | None = None
) -> Note:
    note = Note(id=uuid7(), case_id=case.id, author_user_id=actor.user_id)
    people.seal_row(keyring, note, "nrm_notes", note.id, {"text": text, "about": about})
    db.add(note)
    return note


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


# --- Referrals ----------------------------------------------------------------------------------


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
        if referral.to_agency_id != actor.agency_id:
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
    if actor.agency_id is None:
        return []
    q = (
        select(Referral, Case.reference)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.to_agency_id == actor.agency_id)
    )
    if active_only:
        q = q.where(Referral.status.in_(rules.ACTIVE_REFERRAL))
    rows = db.execute(q.order_by(Referral.id).limit(500))
    return [_referral_out(settings.keyring, r, ref) for r, ref in rows]


# --- Case plan and notes ------------------------------------------------------------------------


def _refresh_due(db: Session, case: Case) -> None:
    db.flush()
    case.next_due_on = db.scalar(
        select(func.min(PlanItem.due_on)).where(
            PlanItem.case_id == case.id, PlanItem.kind == PlanItemKind.TASK, PlanItem.done_on.is_(None)
        )
    )


def _add_task(
    db: Session,
    actor: Principal,
    keyring: Keyring,
    case: Case,
    title: str,
    goal_id: uuid.UUID | None,
    owner: uuid.UUID | None,
    due_on: date | None,
) -> PlanItem:
    item = PlanItem(
        id=uuid7(),
        case_id=case.id,
        kind=PlanItemKind.TASK,
        goal_id=goal_id,
        owner_user_id=owner,
        due_on=due_on,
    )
    people.seal_row(keyring, item, "nrm_plan_items", item.id, {"title": title})
    db.add(item)
    _refresh_due(db, case)
    _history(db, actor, case, "plan.task_added", due_on=due_on)
    return item


def add_goal(db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: GoalIn) -> PlanItem:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    item = PlanItem(id=uuid7(), case_id=case.id, kind=PlanItemKind.GOAL)
    people.seal_row(settings.keyring, item, "nrm_plan_items", item.id, {"title": data.title})
    db.add(item)
    db.flush()
    _history(db, actor, case, "plan.goal_added")
    audit.record(db, actor, "nrm.plan.goal", "plan_item", item.id)
    return item


def add_task(db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: TaskIn) -> PlanItem:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    if data.goal_id is not None:
        goal = db.get(PlanItem, data.goal_id)
        if goal is None or goal.case_id != case.id or goal.kind != PlanItemKind.GOAL:
            raise InvalidInput(_("No such goal in this case's plan."), field="goal_id")
    if data.owner_user_id is not None and db.get(User, data.owner_user_id) is None:
        raise InvalidInput(_("No such user."), field="owner_user_id")
    item = _add_task(
        db, actor, settings.keyring, case, data.title, data.goal_id, data.owner_user_id, data.due_on
    )
    audit.record(db, actor, "nrm.plan.task", "plan_item", item.id)
    return item


def complete_task(db: Session, actor: Principal, case_id: uuid.UUID, task_id: uuid.UUID) -> PlanItem:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    item = db.get(PlanItem, task_id)
    if item is None or item.case_id != case.id or item.kind != PlanItemKind.TASK:
        raise NotFound(_("No such task in this case's plan."))
    if item.done_on is not None:
        raise Conflict(_("This task is already done."))
    item.done_on = _today()
    _refresh_due(db, case)
    _history(db, actor, case, "plan.task_done")
    audit.record(db, actor, "nrm.plan.task_done", "plan_item", item.id)
    return item


def add_note(db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: NoteIn) -> Note:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    note = _note(db, actor, settings.keyring, case, data.text)
    db.flush()
    _history(db, actor, case, "note.added")
    audit.record(db, actor, "nrm.note.add", "note", note.id)
    return note


# --- Break-glass --------------------------------------------------------------------------------


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
        select(BreakGlass, Case.reference, User.username, User.display_name)
        .join(Case, Case.id == BreakGlass.case_id)
        .join(User, User.id == BreakGlass.user_id)
        .where(
            BreakGlass.reviewed_at.is_(None),
            (BreakGlass.agency_id == actor.agency_id) | (Case.owner_agency_id == actor.agency_id),
        )
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
    grant = db.get(BreakGlass, grant_id)
    if grant is None:
        raise NotFound(_("No such break-glass access."))
    case = db.get(Case, grant.case_id)
    if actor.agency_id not in (grant.agency_id, case.owner_agency_id if case else None):
        raise NotFound(_("No such break-glass access."))
    if grant.user_id == actor.user_id:
        raise Forbidden(_("Someone else reviews your own break-glass access."))
    if grant.reviewed_at is not None:
        raise Conflict(_("This access was already reviewed."))
    grant.reviewed_by, grant.reviewed_at = actor.user_id, utcnow()
    audit.record(db, actor, "nrm.case.break_glass_review", "break_glass", grant.id)
    return grant


# --- For the screening room ---------------------------------------------------------------------


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


def case_access(db: Session, actor: Principal, case_id: uuid.UUID) -> access.Access | None:
    """How the actor sees a case ("full", "break_glass", "referral"), or None if not at all.
    Not audited: for a room that shows something beside a case the actor already opened."""
    actor.require(Permission.CASE_READ)
    row = db.execute(access.readable_cases(actor, utcnow()).where(Case.id == case_id)).first()
    return None if row is None else cast(access.Access, row[1])
