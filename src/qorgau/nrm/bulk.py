"""Bulk loading of synthetic cases (nrm.synthetic) for demos and benchmarks: a million cases in
minutes, written so that the normal service reads them back exactly as if they had been
registered one at a time (service.register_case) and then worked on.

Each case gets what intake writes: the person (sealed, in the shape `PersonIn.model_dump(mode=
"json", exclude_none=True)` gives, plus "estimated_on" with an estimated age), the person's blind
index rows (people.blind_keys), and the case (its sealed part {"recruitment_place",
"destination_place", "narrative"}); then a place in the case's life: a status from a realistic
mix, with the dates, closure reasons and reflection period that status implies, and for about one
case in ten a few open plan tasks with due dates (so "next due" and the overdue filter have data).
What the loader leaves out: case history rows, home-country notifications and the automatic
child-protection referral; these cases are not real intakes, and those rows would only make the
load slower.

Owners are the demo agencies (qorgau.demo, loaded first) that handle cases, in the country where
the person was found, else in Kazakhstan; the case's officer and author are a demo user of that
agency who holds a case role, if it has one.

Batches of cases are written in their own transactions: with COPY on PostgreSQL, and with
executemany through SQLAlchemy Core elsewhere (SQLite). The database-specific code is all here.
"""

from __future__ import annotations

import json
import os
import random
import threading
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate, islice
from json.encoder import encode_basestring
from queue import Queue
from typing import Any, cast

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, Table, insert, select, text
from sqlalchemy.orm import Session

from qorgau import demo
from qorgau.audit import service as audit
from qorgau.auth.models import Agency, AgencyKind, User, UserRole
from qorgau.config import Settings
from qorgau.db import utcnow, uuid7_block, write_engine
from qorgau.keyring import NONCE_BYTES
from qorgau.nrm import names, rules, service
from qorgau.nrm.models import Case, Person, PersonKey, PersonKeyKind, PlanItem, PlanItemKind
from qorgau.nrm.people import normal_document_number
from qorgau.nrm.rules import CaseStatus, ClosureReason
from qorgau.nrm.schemas import CaseCreate, ContactIn, ContactKind, DocumentIn, DocumentType, PersonIn, Sex
from qorgau.nrm.synthetic import SyntheticCase, SyntheticPerson, generate_cases
from qorgau.permissions import Permission, roles_with
from qorgau.principal import Principal, system_principal

S, R = CaseStatus, ClosureReason

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
# Connections that write batches side by side on PostgreSQL: while one waits for the server,
# the other's batch is being written; more do not help on a small machine.
PG_WRITERS = 2
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
    codes = [code for code, *_rest in demo.DEMO_AGENCIES]
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
_E = encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False) writes it (C)


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
    exploitation masks, transit lists; one cipher seals everything. The person's JSON is written
    directly, exactly as Keyring.seal_json would encode the dict service.register_case seals."""

    def __init__(
        self, settings: Settings, owners: dict[str, _Owners], rng: random.Random, today: date, postgres: bool
    ) -> None:
        keyring = settings.keyring
        self.keyring = keyring
        self.cipher = AESGCM(keyring.data_keys[keyring.active_id])
        self.node_country = settings.node_country
        self.reflection_days = settings.reflection_days
        self.owners = owners
        self.rng = rng
        self.today = today
        self.postgres = postgres
        self._name_digests: dict[str, tuple[bytes, ...]] = {}
        self._birth_digests: dict[date, bytes] = {}
        self._masks: dict[tuple[str, ...], int] = {}
        self._transits: dict[tuple[str, ...], Any] = {}
        self._languages: dict[tuple[str, ...], str] = {}
        self._titles = [('{"title":' + _E(t) + "}").encode() for t in TASK_TITLES]

    def seal(self, plaintext: bytes, table: bytes, row_id: int) -> bytes:
        """Keyring.seal with the active key; the associated data is people.aad(table, row_id)."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self.cipher.encrypt(nonce, plaintext, table + row_id.to_bytes(16, "big"))

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
            digest = self._birth_digests[day] = self.keyring.blind(PersonKeyKind.BIRTH_DATE, day.isoformat())
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

    def languages(self, tags: tuple[str, ...]) -> str:
        value = self._languages.get(tags)
        if value is None:
            value = self._languages[tags] = ",".join(map(_E, tags))
        return value

    def person_json(self, p: SyntheticPerson, latin: bool, reported_on: date) -> str:
        """The JSON of the person dict service.register_case seals for this person: the keys of
        PersonIn.model_dump(mode="json", exclude_none=True) in their order (empty lists too),
        then "estimated_on" with an estimated age. The Latin spelling (as on the passport) is
        one of the other names, as an officer would enter it; an age is estimated on the day of
        the report."""
        s = '{"family_name":' + _E(p.family_name) + ',"given_name":' + _E(p.given_name)
        if p.patronymic is not None:
            s += ',"patronymic":' + _E(p.patronymic)
        if latin:
            s += ',"other_names":[' + _E(f"{p.given_name_latin} {p.family_name_latin}") + "]"
        else:
            s += ',"other_names":[]'
        s += ',"sex":' + _E(p.sex)
        if p.birth_date is not None:
            s += f',"birth_date":"{p.birth_date.isoformat()}"'
        if p.estimated_age is not None:
            s += f',"estimated_age":{p.estimated_age:d}'
        citizenship = _E(p.citizenship)
        s += f',"citizenships":[{citizenship}]'
        if p.document_type and p.document_number:
            s += (
                f',"documents":[{{"type":{_E(p.document_type)},"number":{_E(p.document_number)},'
                f'"issuing_country":{citizenship}}}]'
            )
        else:
            s += ',"documents":[]'
        s += ',"languages":[' + self.languages(p.languages) + "]"
        if p.phone:
            s += ',"contacts":[{"kind":"phone","value":' + _E(p.phone) + "}]"
        else:
            s += ',"contacts":[]'
        if p.estimated_age is not None:
            s += f',"estimated_on":"{reported_on.isoformat()}"'
        return s + "}"

    def build(self, cases: list[SyntheticCase], now: datetime) -> _Batch:
        batch = _Batch(now)
        persons, keys, case_rows, plan = batch.persons, batch.keys, batch.cases, batch.plan
        rng = self.rng.random
        seal, name_digests, blind = self.seal, self.name_digests, self.keyring.blind
        owners_by_country, fallback = self.owners, self.owners[FALLBACK_COUNTRY]
        today, new_reference, node_country = self.today, service.new_reference, self.node_country
        titles = self._titles
        # person, case and up to 3 tasks: ids for every case, in one go (unused ones are skipped)
        next_id = uuid7_block(5 * len(cases))
        for c in cases:
            p = c.person
            reported_on = c.reported_on
            person_id, case_id = next_id, next_id + 1
            next_id += 2

            latin = p.family_name_latin != p.family_name or p.given_name_latin != p.given_name
            person_json = self.person_json(p, latin, reported_on)
            persons.append((person_id, seal(person_json.encode(), b"nrm_persons:", person_id)))

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
                    plan.append((item_id, case_id, user_id, due_on, seal(title, b"nrm_plan_items:", item_id)))
            place = c.recruitment_place
            case_json = (
                '{"recruitment_place":'
                + ("null" if place is None else _E(place))
                + ',"destination_place":null,"narrative":'
                + _E(c.narrative)
                + "}"
            )
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
                    seal(case_json.encode(), b"nrm_cases:", case_id),
                ]
            )
        return batch


_REFERENCE = 1


# --- Writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Common:
    """What every row has in common, besides the batch's time."""

    node_id: uuid.UUID
    key_id: str


def _copy_text(batch: _Batch, common: _Common) -> list[tuple[str, str]]:
    """PostgreSQL: the batch as COPY text, table by table (statement, data). Every value is
    ASCII with nothing to escape: ids and bytes in hex, dates and times in ISO 8601, and codes."""
    n = "\\N"
    node, key_id, now = common.node_id.hex, common.key_id, batch.now.isoformat()

    def ref(value: int | None) -> str:
        return n if value is None else f"{value:032x}"

    persons = "".join(
        f"{pid:032x}\t{node}\t{now}\t{now}\t{key_id}\t\\\\x{sealed.hex()}\n" for pid, sealed in batch.persons
    )
    keys = "".join(f"{pid:032x}\t{kind}\t\\\\x{digest.hex()}\n" for pid, kind, digest in batch.keys)
    cases = "".join(
        f"{cid:032x}\t{reference}\t{node}\t{pid:032x}\t{agency:032x}\t{ref(user)}\t{status}\t"
        f"{before or n}\t{reason or n}\t{'t' if child else 'f'}\t{'t' if guardian else 'f'}\t"
        f"{reflection or n}\t{mask:d}\t{recruitment or n}\t{transits}\t{destination or n}\t{found}\t"
        f"{reported}\t{identified or n}\t{due or n}\t{ref(user)}\t{now}\t{now}\t{key_id}\t"
        f"\\\\x{sealed.hex()}\n"
        for (
            cid,
            reference,
            pid,
            agency,
            user,
            status,
            before,
            reason,
            child,
            guardian,
            reflection,
            mask,
            recruitment,
            transits,
            destination,
            found,
            reported,
            identified,
            due,
            sealed,
        ) in batch.cases
    )
    plan = "".join(
        f"{iid:032x}\t{cid:032x}\ttask\t{n}\t{ref(owner)}\t{due}\t{n}\t{now}\t{key_id}\t\\\\x{sealed.hex()}\n"
        for iid, cid, owner, due, sealed in batch.plan
    )
    return [
        ("COPY nrm_persons (id, origin_node_id, created_at, updated_at, key_id, sealed)", persons),
        ("COPY nrm_person_keys (person_id, kind, digest)", keys),
        (
            "COPY nrm_cases (id, reference, origin_node_id, person_id, owner_agency_id, assigned_user_id, "
            "status, status_before_close, closure_reason, is_child, has_guardian, reflection_ends_on, "
            "exploitation_mask, recruitment_country, transit_countries, destination_country, "
            "found_in_country, reported_on, identified_on, next_due_on, created_by, created_at, "
            "updated_at, key_id, sealed)",
            cases,
        ),
        (
            "COPY nrm_plan_items (id, case_id, kind, goal_id, owner_user_id, due_on, done_on, created_at, "
            "key_id, sealed)",
            plan,
        ),
    ]


def _copy(db: Session, batch: _Batch, common: _Common) -> None:
    """PostgreSQL: COPY ... FROM STDIN on the session's own connection, in its transaction."""
    raw = db.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        for statement, data in _copy_text(batch, common):
            if data:
                with cur.copy(statement + " FROM STDIN") as copy:
                    copy.write(data)


def _executemany(db: Session, batch: _Batch, common: _Common) -> None:
    """Any other database (SQLite): an executemany per table through SQLAlchemy Core."""
    node, key_id, now = common.node_id, common.key_id, batch.now

    def uid(value: int | None) -> uuid.UUID | None:
        return None if value is None else uuid.UUID(int=value)

    persons = [
        {
            "id": uid(pid),
            "origin_node_id": node,
            "created_at": now,
            "updated_at": now,
            "key_id": key_id,
            "sealed": s,
        }
        for pid, s in batch.persons
    ]
    keys = [{"person_id": uid(pid), "kind": kind, "digest": d} for pid, kind, d in batch.keys]
    cases = [
        {
            "id": uid(r[0]),
            "reference": r[1],
            "origin_node_id": node,
            "person_id": uid(r[2]),
            "owner_agency_id": uid(r[3]),
            "assigned_user_id": uid(r[4]),
            "status": r[5],
            "status_before_close": r[6],
            "closure_reason": r[7],
            "is_child": r[8],
            "has_guardian": r[9],
            "reflection_ends_on": r[10],
            "exploitation_mask": r[11],
            "recruitment_country": r[12],
            "transit_countries": r[13],
            "destination_country": r[14],
            "found_in_country": r[15],
            "reported_on": r[16],
            "identified_on": r[17],
            "next_due_on": r[18],
            "created_by": uid(r[4]),
            "created_at": now,
            "updated_at": now,
            "key_id": key_id,
            "sealed": r[19],
        }
        for r in batch.cases
    ]
    plan = [
        {
            "id": uid(iid),
            "case_id": uid(cid),
            "kind": PlanItemKind.TASK.value,
            "goal_id": None,
            "owner_user_id": uid(owner),
            "due_on": due,
            "done_on": None,
            "created_at": now,
            "key_id": key_id,
            "sealed": s,
        }
        for iid, cid, owner, due, s in batch.plan
    ]
    for model, rows in ((Person, persons), (PersonKey, keys), (Case, cases), (PlanItem, plan)):
        if rows:
            db.execute(insert(cast(Table, model.__table__)), rows)


@contextmanager
def _transaction(bind: Engine | Connection) -> Iterator[Session]:
    """A transaction of its own on an engine; on a connection already in one (the tests'), a
    savepoint in it."""
    if isinstance(bind, Connection):
        session = Session(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)
    else:
        session = Session(bind=write_engine(bind), expire_on_commit=False)
    with session, session.begin():
        yield session


def _reference_clash(exc: Exception) -> bool:
    """Two references drawn alike (50 random bits: about once in 2,000 loads of a million)."""
    message = str(exc)
    return "uq_nrm_cases_reference" in message or "nrm_cases.reference" in message


def _store(
    bind: Engine | Connection, batch: _Batch, common: _Common, actor: Principal, node_country: str
) -> None:
    postgres = bind.dialect.name == "postgresql"
    for attempt in range(5):
        try:
            with _transaction(bind) as db:
                (_copy if postgres else _executemany)(db, batch, common)
                # One audit event per batch, not one per case: these are synthetic demo data, no
                # one's record is read or changed, and the event names what the batch added.
                cases = batch.cases
                audit.record(
                    db,
                    actor,
                    "nrm.case.bulk_load",
                    "case",
                    None,
                    details={
                        "count": len(cases),
                        "first": cases[0][_REFERENCE],
                        "last": cases[-1][_REFERENCE],
                    },
                )
            return
        except Exception as exc:  # IntegrityError from SQLAlchemy, or psycopg's own from COPY
            if attempt == 4 or not _reference_clash(exc):
                raise
            for row in batch.cases:
                row[_REFERENCE] = service.new_reference(node_country)


# --- The loader ---------------------------------------------------------------------------------


def load_synthetic_cases(
    engine: Engine | Connection,
    settings: Settings,
    count: int,
    *,
    seed: int = 0,
    batch: int = 10_000,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
    actor: Principal | None = None,
    analyze: bool = True,
    writers: int | None = None,
) -> int:
    """Load `count` synthetic cases (those synthetic.generate_cases(count, seed=seed, today=today)
    gives) in transactions of `batch` cases; returns how many were loaded. `progress(n)` is
    called with the number loaded so far after each batch. Given a Connection in a transaction
    instead of an Engine, each batch is a savepoint in it and nothing is committed. The demo
    agencies and users must be there (qorgau.demo.load); the audit events name `actor` (default:
    the system principal). On PostgreSQL the tables are vacuumed and analyzed at the end (unless
    `analyze` is false; see _analyze). `writers` connections write batches side by side
    (default: PG_WRITERS on PostgreSQL, else one)."""
    if count < 0 or batch < 1 or (writers is not None and writers < 1):
        raise ValueError("count must not be negative; batch and writers must be positive")
    today = today or utcnow().date()
    actor = actor or system_principal()
    postgres = engine.dialect.name == "postgresql"
    with _transaction(engine) as db:
        owners = _owners_by_country(db)
    # Statuses, owners and tasks draw from a generator of their own, so that the people and their
    # stories are exactly those generate_cases gives for the seed (a benchmark regenerates them).
    builder = _Builder(settings, owners, random.Random(f"qorgau.nrm.bulk:{seed}"), today, postgres)
    common = _Common(settings.secrets.node_id, settings.keyring.active_id)
    cases = generate_cases(count, seed=seed, today=today)
    # Building a batch (Python) overlaps with writing those before (mostly the database's work,
    # which writer threads wait for with the GIL released). A Connection given by the caller,
    # and SQLite (one writer at a time), get one writer.
    if isinstance(engine, Connection) or not postgres:
        writers = 1
    elif writers is None:
        writers = PG_WRITERS
    pending: Queue[_Batch | None] = Queue(maxsize=writers)
    failure: list[BaseException] = []
    lock = threading.Lock()
    done = 0

    def writer() -> None:
        nonlocal done
        try:
            while (item := pending.get()) is not None:
                _store(engine, item, common, actor, settings.node_country)
                with lock:
                    done += len(item.cases)
                    if progress is not None:
                        progress(done)
        except BaseException as exc:  # handed over to the caller's thread
            failure.append(exc)
            while pending.get() is not None:  # so that the builder never waits for ever
                pass

    threads = [threading.Thread(target=writer, name=f"qorgau-bulk-{i}", daemon=True) for i in range(writers)]
    for thread in threads:
        thread.start()
    try:
        while not failure:
            chunk = list(islice(cases, batch))
            if not chunk:
                break
            pending.put(builder.build(chunk, utcnow()))
    finally:
        for _thread in threads:
            pending.put(None)
        for thread in threads:
            thread.join()
    if failure:
        raise failure[0]
    if postgres and analyze and done:
        _analyze(engine)
    return done


_LOADED_TABLES = "nrm_persons, nrm_person_keys, nrm_cases, nrm_plan_items"


def _analyze(bind: Engine | Connection) -> None:
    """PostgreSQL after a load: statistics for the planner, which otherwise plans for the tables
    as they were. With an engine, VACUUM too (outside a transaction, as it must be): it marks the
    new pages all-visible, so that name lookups are index-only scans from the start, instead of
    after autovacuum gets round to it."""
    if isinstance(bind, Connection):
        bind.execute(text(f"ANALYZE {_LOADED_TABLES}"))
        return
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM (ANALYZE) {_LOADED_TABLES}"))
