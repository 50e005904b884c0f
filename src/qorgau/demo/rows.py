"""The rows of synthetic cases (demo.synthetic) as the bulk loader (demo.bulk) writes them: who
owns each case, where it is in its life, and its sealed parts, sealed through the keyring's public
API (Keyring.seal_row_json) in the shape intake seals (nrm.people.person_payload).

Owners are the demo agencies (demo.setup, loaded first) that handle cases, in the country where
the person was found, else in Kazakhstan; the case's officer and author are a demo user of that
agency who holds a case role, if it has one.
"""

from __future__ import annotations

import json
import random
import uuid
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.auth.models import Agency, AgencyKind, User, UserRole
from qorgau.config import Settings
from qorgau.db import uuid7_block
from qorgau.demo.setup import DEMO_AGENCIES
from qorgau.demo.synthetic import SyntheticCase, SyntheticPerson
from qorgau.keyring import Keyring
from qorgau.nrm import names, people, rules, service
from qorgau.nrm.models import Case, Person, PersonKeyKind, PlanItem
from qorgau.nrm.people import normal_document_number
from qorgau.nrm.rules import CaseStatus, ClosureReason
from qorgau.nrm.schemas import CaseCreate, ContactIn, ContactKind, DocumentIn, DocumentType, PersonIn, Sex
from qorgau.permissions import Permission, roles_with

S, R = CaseStatus, ClosureReason
# The tables whose rows carry sealed parts (their names are the sealed values' associated data).
PERSONS, CASES, PLAN_ITEMS = Person.__tablename__, Case.__tablename__, PlanItem.__tablename__

# Agencies that open and work on cases (not ministries, prosecutors, hotlines or clinics).
CASE_AGENCY_KINDS = frozenset(
    {
        AgencyKind.NGO,
        AgencyKind.SOCIAL_SERVICE,
        AgencyKind.POLICE,
        AgencyKind.BORDER_SERVICE,
        AgencyKind.CONSULATE,
        AgencyKind.SHELTER,
    }
)
# Roles of officers who work on cases (who may write to them).
CASE_ROLES = roles_with(Permission.CASE_WRITE)
FALLBACK_COUNTRY = "KZ"
# The demo's crisis centre in Almaty is where the demo's case worker and supervisor sit: it gets
# half of the Kazakh cases (weight 4 against 1 for each of the four other Kazakh agencies), so
# that signing in as them shows a busy agency.
AGENCY_WEIGHTS = {"KZ-NGO-ALA": 4.0}

# Status mix of a case load that has run for some years.
STATUS_MIX: tuple[tuple[CaseStatus, float], ...] = (
    (S.REPORTED, 10),
    (S.SCREENING, 10),
    (S.POTENTIAL_VICTIM, 20),
    (S.IDENTIFIED_VICTIM, 15),
    (S.ASSISTANCE, 15),
    (S.RETURN_REINTEGRATION, 10),
    (S.CLOSED, 20),
)
# A case reported in the last weeks is still at its start (and in its reflection period, when
# no decision against the person's wish may be taken).
RECENT_DAYS = 45
RECENT_MIX: tuple[tuple[CaseStatus, float], ...] = (
    (S.REPORTED, 40),
    (S.SCREENING, 30),
    (S.POTENTIAL_VICTIM, 30),
)
# Closed cases: the status they were closed from, and the reasons that go with it.
CLOSED_FROM: tuple[tuple[CaseStatus, float, tuple[ClosureReason, ...]], ...] = (
    (S.REPORTED, 10, (R.LOST_CONTACT, R.DUPLICATE, R.TRANSFERRED, R.OTHER)),
    (S.SCREENING, 10, (R.LOST_CONTACT, R.DECLINED_ASSISTANCE, R.TRANSFERRED)),
    (S.NOT_A_VICTIM, 20, (R.NOT_A_VICTIM,)),
    (S.POTENTIAL_VICTIM, 10, (R.DECLINED_ASSISTANCE, R.LOST_CONTACT, R.TRANSFERRED)),
    (S.IDENTIFIED_VICTIM, 10, (R.DECLINED_ASSISTANCE, R.TRANSFERRED, R.LOST_CONTACT)),
    (S.ASSISTANCE, 15, (R.REINTEGRATED, R.DECLINED_ASSISTANCE, R.LOST_CONTACT, R.DECEASED)),
    (S.RETURN_REINTEGRATION, 25, (R.REINTEGRATED, R.RETURNED_HOME)),
)
# Stages the loader takes a case to have reached through a reflection period (as a potential
# victim), and through an identification decision.
_REFLECTED = frozenset({S.POTENTIAL_VICTIM, S.IDENTIFIED_VICTIM, S.ASSISTANCE, S.RETURN_REINTEGRATION})
_IDENTIFIED = frozenset({S.IDENTIFIED_VICTIM, S.NOT_A_VICTIM, S.ASSISTANCE, S.RETURN_REINTEGRATION})
P_GUARDIAN = 0.7  # of children; a closed child case always had one (or it could not close)
P_PLAN = 0.125  # of open cases (8 in 10): about one case in ten has open tasks
TASK_TITLES = (
    "Arrange a medical check-up",
    "Book a session with the psychologist",
    "Request a travel document from the consulate",
    "Prepare the statement for the investigator",
    "Find a place in a shelter",
    "Contact the family, with the person's consent",
    "Apply for the one-off state allowance",
    "Arrange legal aid for the court hearing",
    "Enrol in the vocational training course",
    "Follow up after the return home",
)


class NoDemoAgencies(LookupError):
    """The database holds no demo agency to own the cases: load the demo data first."""


def intake(c: SyntheticCase, *, acknowledge_possible_duplicate: bool = False) -> CaseCreate:
    """The intake form an officer would fill in for a synthetic case, the Latin spelling of the
    name (as on the passport) among the other names. A loaded case reads back exactly as this
    form registered with service.register_case on the day of the report (the loader builds the
    same values without pydantic; the tests hold it to this)."""
    p = c.person
    latin = p.family_name_latin != p.family_name or p.given_name_latin != p.given_name
    return CaseCreate(
        person=PersonIn(
            family_name=p.family_name,
            given_name=p.given_name,
            patronymic=p.patronymic,
            other_names=[f"{p.given_name_latin} {p.family_name_latin}"] if latin else [],
            sex=Sex(p.sex),
            birth_date=p.birth_date,
            estimated_age=p.estimated_age,
            citizenships=[p.citizenship],
            documents=[
                DocumentIn(
                    type=DocumentType(p.document_type),
                    number=p.document_number,
                    issuing_country=p.citizenship,
                )
            ]
            if p.document_type and p.document_number
            else [],
            languages=list(p.languages),
            contacts=[ContactIn(kind=ContactKind.PHONE, value=p.phone)] if p.phone else [],
        ),
        exploitation_types=[rules.ExploitationType(t) for t in c.exploitation_types],
        recruitment_country=c.recruitment_country,
        recruitment_place=c.recruitment_place,
        transit_countries=list(c.transit_countries),
        destination_country=c.destination_country,
        found_in_country=c.found_in_country,
        reported_on=c.reported_on,
        narrative=c.narrative,
        acknowledge_possible_duplicate=acknowledge_possible_duplicate,
    )


# --- Owners -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owner:
    agency_id: int  # UUIDs as integers, like every id the loader handles
    users: tuple[int, ...]


@dataclass(frozen=True)
class _Owners:
    """The agencies that may own a case found in one country, with cumulative weights."""

    owners: tuple[_Owner, ...]
    cumulative: tuple[float, ...]


def _owners_by_country(db: Session) -> dict[str, _Owners]:
    codes = [code for code, *_rest in DEMO_AGENCIES]
    agencies = db.execute(
        select(Agency.id, Agency.code, Agency.country)
        .where(Agency.code.in_(codes), Agency.kind.in_(CASE_AGENCY_KINDS))
        .order_by(Agency.code)
    ).all()
    users: dict[uuid.UUID, list[int]] = {}
    for user_id, agency_id in db.execute(
        select(User.id, User.agency_id)
        .where(
            User.agency_id.in_([a.id for a in agencies]),
            User.active,
            User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(CASE_ROLES))),
        )
        .order_by(User.username)
    ):
        users.setdefault(agency_id, []).append(user_id.int)
    by_country: dict[str, list[tuple[_Owner, float]]] = {}
    for a in agencies:
        owner = _Owner(a.id.int, tuple(users.get(a.id, ())))
        by_country.setdefault(a.country, []).append((owner, AGENCY_WEIGHTS.get(a.code, 1.0)))
    if FALLBACK_COUNTRY not in by_country:
        raise NoDemoAgencies(
            "No demo agency of Kazakhstan that handles cases is in this database: load the demo "
            "data first (qorgau demo)."
        )
    return {
        country: _Owners(tuple(o for o, _w in pairs), tuple(accumulate(w for _o, w in pairs)))
        for country, pairs in by_country.items()
    }


# --- Rows ---------------------------------------------------------------------------------------


def _cumulative(weights: list[float]) -> tuple[float, ...]:
    total = sum(weights)
    return tuple(c / total for c in accumulate(weights))


_STATUS_CUM = _cumulative([w for _s, w in STATUS_MIX])
_RECENT_CUM = _cumulative([w for _s, w in RECENT_MIX])
_CLOSED_CUM = _cumulative([w for _s, w, _r in CLOSED_FROM])


@dataclass
class _Batch:
    """The rows of a batch of cases. Ids are UUIDs as integers; what every row of a table has
    in common (node, times, key id) is added when the rows are written. Case rows are lists:
    a clash of references is fixed in place."""

    now: datetime
    persons: list[tuple[int, bytes]] = field(default_factory=list)
    keys: list[tuple[int, str, bytes]] = field(default_factory=list)
    # id, reference, person, agency, user, status, status before close, closure reason, child,
    # guardian, reflection end, exploitation mask, recruitment, transits, destination, found in,
    # reported, identified, next due, sealed
    cases: list[list[Any]] = field(default_factory=list)
    plan: list[tuple[int, int, int | None, date, bytes]] = field(default_factory=list)  # id, case, owner, due


class _Builder:
    """Turns synthetic cases into rows. What repeats from case to case is computed once: folded
    name words and their digests (names come from finite lists), birth-date digests,
    exploitation masks, transit lists. Sealed parts go through the keyring's public API, in the
    shapes intake seals: the person as nrm.people.person_payload gives it, the case's
    {"recruitment_place", "destination_place", "narrative"}, a task's {"title"}."""

    def __init__(
        self,
        keyring: Keyring,
        settings: Settings,
        owners: dict[str, _Owners],
        rng: random.Random,
        today: date,
        postgres: bool,
    ) -> None:
        self.keyring = keyring
        self.postgres = postgres
        self.node_country = settings.node_country
        self.reflection_days = settings.reflection_days
        self.owners = owners
        self.rng = rng
        self.today = today
        self._name_digests: dict[str, tuple[bytes, ...]] = {}
        self._birth_digests: dict[date, bytes] = {}
        self._masks: dict[tuple[str, ...], int] = {}
        self._transits: dict[tuple[str, ...], Any] = {}

    def name_digests(self, part: str) -> tuple[bytes, ...]:
        digests = self._name_digests.get(part)
        if digests is None:
            blind = self.keyring.blind
            digests = self._name_digests[part] = tuple(
                blind(PersonKeyKind.NAME, token) for token in names.name_tokens(part)
            )
        return digests

    def birth_digest(self, day: date) -> bytes:
        digest = self._birth_digests.get(day)
        if digest is None:
            digest = self._birth_digests[day] = people.birth_date_digest(self.keyring, day)
        return digest

    def mask(self, types: tuple[str, ...]) -> int:
        mask = self._masks.get(types)
        if mask is None:
            mask = self._masks[types] = rules.exploitation_mask(rules.ExploitationType(t) for t in types)
        return mask

    def transits(self, countries: tuple[str, ...]) -> Any:
        value = self._transits.get(countries)
        if value is None:
            # COPY takes the JSON text; SQLAlchemy's JSON type takes the list.
            value = json.dumps(list(countries)) if self.postgres else list(countries)
            self._transits[countries] = value
        return value

    @staticmethod
    def person(p: SyntheticPerson, latin: bool, reported_on: date) -> dict[str, Any]:
        """The person dict intake seals for this person. The Latin spelling (as on the passport)
        is one of the other names, as an officer would enter it; an age is estimated on the day
        of the report."""
        kind, number = p.document_type, p.document_number
        return people.person_payload(
            family_name=p.family_name,
            given_name=p.given_name,
            patronymic=p.patronymic,
            other_names=[f"{p.given_name_latin} {p.family_name_latin}"] if latin else (),
            sex=p.sex,
            birth_date=p.birth_date,
            estimated_age=p.estimated_age,
            citizenships=(p.citizenship,),
            documents=[{"type": kind, "number": number, "issuing_country": p.citizenship}]
            if kind and number
            else (),
            languages=p.languages,
            contacts=[{"kind": "phone", "value": p.phone}] if p.phone else (),
            estimated_on=reported_on,
        )

    def build(self, cases: list[SyntheticCase], now: datetime) -> _Batch:
        batch = _Batch(now)
        persons, keys, case_rows, plan = batch.persons, batch.keys, batch.cases, batch.plan
        rng = self.rng.random
        seal, name_digests, blind = self.keyring.seal_row_json, self.name_digests, self.keyring.blind
        owners_by_country, fallback = self.owners, self.owners[FALLBACK_COUNTRY]
        today, new_reference, node_country = self.today, service.new_reference, self.node_country
        titles = TASK_TITLES
        # person, case and up to 3 tasks: ids for every case, in one go (unused ones are skipped)
        next_id = uuid7_block(5 * len(cases))
        for c in cases:
            p = c.person
            reported_on = c.reported_on
            person_id, case_id = next_id, next_id + 1
            next_id += 2

            latin = p.family_name_latin != p.family_name or p.given_name_latin != p.given_name
            _key, sealed = seal(PERSONS, person_id, self.person(p, latin, reported_on))
            persons.append((person_id, sealed))

            # The blind index: the set people.blind_keys gives for that person.
            digests = set(name_digests(p.family_name))
            digests.update(name_digests(p.given_name))
            if p.patronymic:
                digests.update(name_digests(p.patronymic))
            if latin:
                digests.update(name_digests(p.given_name_latin))
                digests.update(name_digests(p.family_name_latin))
            keys.extend((person_id, "name", d) for d in digests)
            if p.birth_date is not None:
                keys.append((person_id, "birth_date", self.birth_digest(p.birth_date)))
            if p.document_type and p.document_number:
                number = normal_document_number(p.document_number)
                if number:
                    keys.append((person_id, "document", blind(PersonKeyKind.DOCUMENT, number)))

            # Owner and officer.
            country = c.found_in_country
            owners = owners_by_country.get(country, fallback)
            owner = owners.owners[bisect_right(owners.cumulative, rng() * owners.cumulative[-1])]
            users = owner.users
            user_id = users[int(rng() * len(users))] if users else None

            # A place in the case's life. Registered on the day of the report: a child then is a
            # child case.
            child = rules.is_child(p.birth_date, p.estimated_age, reported_on, reported_on)
            if (today - reported_on).days < RECENT_DAYS:
                status = RECENT_MIX[bisect_right(_RECENT_CUM, rng())][0]
            else:
                status = STATUS_MIX[bisect_right(_STATUS_CUM, rng())][0]
            before_close = closure_reason = None
            stage = status
            if status is S.CLOSED:
                stage, _w, reasons = CLOSED_FROM[bisect_right(_CLOSED_CUM, rng())]
                before_close, closure_reason = stage.value, reasons[int(rng() * len(reasons))].value
            has_guardian = child and (status is S.CLOSED or rng() < P_GUARDIAN)
            reflection_ends_on = identified_on = next_due_on = None
            if stage in _REFLECTED:
                reflection_ends_on = rules.reflection_end(reported_on, self.reflection_days(country))
            if stage in _IDENTIFIED:
                identified_on = min(reported_on + timedelta(days=3 + int(rng() * 58)), today)
            if status is not S.CLOSED and rng() < P_PLAN:
                for _ in range(1 + int(rng() * 3)):
                    item_id = next_id
                    next_id += 1
                    due_on = max(today + timedelta(days=int(rng() * 91) - 30), reported_on)
                    if next_due_on is None or due_on < next_due_on:
                        next_due_on = due_on
                    title = titles[int(rng() * len(titles))]
                    _key, sealed = seal(PLAN_ITEMS, item_id, {"title": title})
                    plan.append((item_id, case_id, user_id, due_on, sealed))
            case_details = {
                "recruitment_place": c.recruitment_place,
                "destination_place": None,
                "narrative": c.narrative,
            }
            _key, sealed = seal(CASES, case_id, case_details)
            case_rows.append(
                [
                    case_id,
                    new_reference(node_country),
                    person_id,
                    owner.agency_id,
                    user_id,
                    status.value,
                    before_close,
                    closure_reason,
                    child,
                    has_guardian,
                    reflection_ends_on,
                    self.mask(c.exploitation_types),
                    c.recruitment_country,
                    self.transits(c.transit_countries),
                    c.destination_country,
                    country,
                    reported_on,
                    identified_on,
                    next_due_on,
                    sealed,
                ]
            )
        return batch


_REFERENCE = 1
