"""Reading: one case as the actor may see it, and lists and searches of cases; every read of a
person's record is audited."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.config import Settings
from qorgau.db import utcnow
from qorgau.errors import InvalidInput
from qorgau.i18n import _
from qorgau.keyring import Keyring
from qorgau.nrm import access, people, rules
from qorgau.nrm.common import _case_for, _facts, _today, open_person
from qorgau.nrm.models import (
    Case,
    CaseHistory,
    Consent,
    HomeCountryNotification,
    Note,
    PersonKeyKind,
    PlanItem,
    Referral,
    Right,
)
from qorgau.nrm.schemas import (
    CaseFilter,
    CaseSearch,
)
from qorgau.permissions import Permission
from qorgau.principal import Principal


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
        q = q.where(*(Case.person_id.in_(people.persons_keyed(PersonKeyKind.NAME, d)) for d in digests))
        criteria.append("name")
    if search.birth_date is not None:
        born = people.birth_date_digest(keyring, search.birth_date)
        q = q.where(Case.person_id.in_(people.persons_keyed(PersonKeyKind.BIRTH_DATE, born)))
        criteria.append("birth_date")
    if search.document_number:
        document = people.document_digest(keyring, search.document_number)
        q = q.where(Case.person_id.in_(people.persons_keyed(PersonKeyKind.DOCUMENT, document)))
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
