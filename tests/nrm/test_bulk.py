"""The bulk loader of synthetic cases: what it writes reads back through the normal service
exactly as if the cases had been registered one at a time (same sealed person dict, same blind
index, same sealed case details), is searchable in any spelling, is audited once per batch, and
leaves no one's name in plain text in the database.

The cases are loaded once for the module, the way the CLI loads them (an engine, a transaction
per batch), into a database of its own; each test's own writes (audited reads, a user) are rolled
back. Two tests load into the test's transaction instead (a Connection: a savepoint per batch)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import Engine, LargeBinary, String, Text, func, select
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from qorgau import demo
from qorgau.audit.models import AuditEvent
from qorgau.auth import service as auth_service
from qorgau.auth.models import Agency, User
from qorgau.auth.schemas import AgencyCreate
from qorgau.auth.service import principal_for
from qorgau.config import Settings
from qorgau.db import (
    Base,
    make_engine,
    make_sessionmaker,
    unit_of_work,
    utcnow,
    uuid7,
    uuid7_block,
    write_engine,
)
from qorgau.demo import bulk
from qorgau.demo.synthetic import SyntheticCase, generate_cases
from qorgau.migrate import upgrade
from qorgau.models import load_all
from qorgau.nrm import intake, people, rules, service
from qorgau.nrm.models import Case, Person, PersonKey, PlanItem
from qorgau.nrm.rules import CaseStatus
from qorgau.nrm.schemas import CaseFilter, CaseSearch
from qorgau.permissions import Role
from qorgau.principal import Principal, system_principal
from tests.support import fresh_database, make_user

# Under pytest-xdist (scripts/test) this module's tests stay on one worker, which builds the
# module's costly fixture once.
pytestmark = pytest.mark.xdist_group("nrm_bulk")

N = 300
SEED = 7
BATCH = 100


@dataclass
class Node:
    engine: Engine
    settings: Settings
    today: date
    progress: list[int]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """A database with the demo data and N synthetic cases, loaded in batches of BATCH."""
    tmp = tmp_path_factory.mktemp("bulk")
    with fresh_database(tmp, "bulk") as url:
        engine = make_engine(url)
        upgrade(engine)
        settings = Settings(data_dir=tmp / "data", database_url=url)
        with unit_of_work(make_sessionmaker(write_engine(engine))) as db:
            demo.load(db, system_principal(), "Demo-Password-Long-1")
        today, progress = utcnow().date(), []
        loaded = bulk.load_synthetic_cases(
            engine, settings, N, seed=SEED, batch=BATCH, today=today, progress=progress.append
        )
        assert loaded == N
        yield Node(engine, settings, today, progress)
        engine.dispose()


@pytest.fixture
def ldb(node: Node) -> Iterator[Session]:
    """A session on the loaded database; what the test writes is rolled back."""
    with node.engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield session
        session.close()
        outer.rollback()


@pytest.fixture
def demo_users(ldb: Session) -> dict[str, Principal]:
    users = ldb.scalars(select(User).where(User.username.in_(["supervisor", "caseworker"])))
    return {u.username: principal_for(u, "token", request_id=None, address=None) for u in users}


def synthetic(node: Node) -> list[SyntheticCase]:
    return list(generate_cases(N, seed=SEED, today=node.today))


def loaded_cases(db) -> list[Case]:
    """In load order: ids are time-ordered, so the order of generate_cases."""
    return list(db.scalars(select(Case).order_by(Case.id)))


def expected_person(c: SyntheticCase) -> dict:
    """The person dict service.register_case seals when an officer types this person in on the
    day of the report."""
    return intake._person_dict(bulk.intake(c), c.reported_on)


def test_every_loaded_case_reads_back_as_the_service_would_have_written_it(node, ldb):
    db, settings = ldb, node.settings
    keyring = settings.keyring
    cases, made = loaded_cases(db), synthetic(node)
    assert node.progress == [100, 200, 300]
    assert len(cases) == N == db.scalar(select(func.count()).select_from(Person))
    for case, c in zip(cases, made, strict=True):
        person = service.open_person(keyring, case.person)
        expected = expected_person(c)
        assert person == expected
        # The same shape, key for key, and the very bytes Keyring.seal_json would have sealed.
        plain = keyring.open(
            case.person.key_id, case.person.sealed, people.aad("nrm_persons", case.person_id)
        )
        assert plain == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode()
        keys = {
            (k.kind, k.digest)
            for k in db.scalars(select(PersonKey).where(PersonKey.person_id == case.person_id))
        }
        assert keys == people.blind_keys(keyring, expected)
        details = {
            "recruitment_place": c.recruitment_place,
            "destination_place": None,
            "narrative": c.narrative,
        }
        assert people.open_row(keyring, case, "nrm_cases", case.id) == details
        plain = keyring.open(case.key_id, case.sealed, people.aad("nrm_cases", case.id))
        assert plain == json.dumps(details, ensure_ascii=False, separators=(",", ":")).encode()
        assert case.reference.startswith(f"{settings.node_country}-")
        assert case.origin_node_id == settings.secrets.node_id
        assert case.found_in_country == c.found_in_country
        assert case.transit_countries == list(c.transit_countries)
        assert case.exploitation_mask == rules.exploitation_mask(c.exploitation_types)
        assert case.reported_on == c.reported_on
        p = c.person
        assert case.is_child == rules.is_child(p.birth_date, p.estimated_age, c.reported_on, c.reported_on)
        assert case.created_by == case.assigned_user_id


def test_owners_are_demo_agencies_of_the_country_where_the_person_was_found(ldb):
    db = ldb
    agencies = {a.id: a for a in db.scalars(select(Agency))}
    users = {u.id: u for u in db.scalars(select(User))}
    by_code = Counter()
    for case in loaded_cases(db):
        agency = agencies[case.owner_agency_id]
        by_code[agency.code] += 1
        assert agency.kind in bulk.CASE_AGENCY_KINDS
        countries = {a.country for a in agencies.values() if a.kind in bulk.CASE_AGENCY_KINDS}
        assert agency.country == (case.found_in_country if case.found_in_country in countries else "KZ")
        if case.assigned_user_id is not None:
            user = users[case.assigned_user_id]
            assert user.agency_id == agency.id
            assert user.roles & bulk.CASE_ROLES
    country_of = {a.code: a.country for a in agencies.values()}
    kz = sum(n for code, n in by_code.items() if country_of[code] == "KZ")
    assert by_code["KZ-NGO-ALA"] > kz / 3  # the demo supervisor's agency is a busy one


def test_the_supervisor_lists_views_and_finds_the_agencys_cases(node, ldb, demo_users):
    db, settings = ldb, node.settings
    supervisor = demo_users["supervisor"]
    keyring = settings.keyring
    own = [c for c in loaded_cases(db) if c.owner_agency_id == supervisor.agency_id]
    assert own
    page = service.list_cases(db, supervisor, settings, CaseFilter(limit=200))
    assert [i["id"] for i in page["items"]] == [c.id for c in reversed(own)]  # newest first
    assert all(i["access"] == "full" for i in page["items"])
    potential = service.list_cases(db, supervisor, settings, CaseFilter(status=CaseStatus.POTENTIAL_VICTIM))
    assert {i["id"] for i in potential["items"]} == {
        c.id for c in own if c.status == CaseStatus.POTENTIAL_VICTIM
    }

    made = dict(zip([c.id for c in loaded_cases(db)], synthetic(node), strict=True))
    for case in own[:10]:
        view = service.view_case(db, supervisor, settings, case.id)
        c = made[case.id]
        assert view["person"]["family_name"] == c.person.family_name
        assert view["narrative"] == c.narrative
        assert view["status"] == case.status
        # A Latin spelling (as on the passport) and the native one both find the person.
        for name in (
            f"{c.person.given_name_latin} {c.person.family_name_latin}",
            f"{c.person.family_name} {c.person.given_name}",
        ):
            found = service.list_cases(db, supervisor, settings, CaseSearch(name=name, limit=200))
            assert case.reference in [i["reference"] for i in found["items"]], name
        person = service.open_person(keyring, case.person)
        assert view["person"]["given_name"] == person["given_name"]

    # The case worker sees what is assigned to them, and no other case.
    worker = demo_users["caseworker"]
    mine = {c.id for c in loaded_cases(db) if c.assigned_user_id == worker.user_id}
    listed = service.list_cases(db, worker, settings, CaseFilter(limit=200))
    assert {i["id"] for i in listed["items"]} == mine


def test_statuses_dates_and_tasks_follow_the_case_rules(node, ldb):
    db, settings = ldb, node.settings
    cases = loaded_cases(db)
    statuses = Counter(c.status for c in cases)
    assert set(statuses) >= {
        CaseStatus.REPORTED,
        CaseStatus.SCREENING,
        CaseStatus.POTENTIAL_VICTIM,
        CaseStatus.IDENTIFIED_VICTIM,
        CaseStatus.ASSISTANCE,
        CaseStatus.RETURN_REINTEGRATION,
        CaseStatus.CLOSED,
    }
    assert 0.1 < statuses[CaseStatus.CLOSED] / N < 0.3
    today = node.today
    for c in cases:
        stage = c.status_before_close if c.status == CaseStatus.CLOSED else c.status
        if c.status == CaseStatus.CLOSED:
            assert c.closure_reason is not None and c.status_before_close is not None
            assert not (c.is_child and not c.has_guardian)  # the rules keep such a case open
        else:
            assert c.closure_reason is None and c.status_before_close is None
        if stage in (CaseStatus.POTENTIAL_VICTIM, CaseStatus.IDENTIFIED_VICTIM, CaseStatus.ASSISTANCE):
            assert c.reflection_ends_on == c.reported_on + timedelta(
                days=settings.reflection_days(c.found_in_country)
            )
        if stage in (CaseStatus.REPORTED, CaseStatus.SCREENING, CaseStatus.NOT_A_VICTIM):
            assert c.reflection_ends_on is None
        if stage in (CaseStatus.IDENTIFIED_VICTIM, CaseStatus.NOT_A_VICTIM):
            assert c.reported_on <= c.identified_on <= today
        if stage in (CaseStatus.REPORTED, CaseStatus.SCREENING, CaseStatus.POTENTIAL_VICTIM):
            assert c.identified_on is None
        tasks = list(db.scalars(select(PlanItem).where(PlanItem.case_id == c.id)))
        assert c.next_due_on == min((t.due_on for t in tasks), default=None)
        assert not (tasks and c.status == CaseStatus.CLOSED)
    with_tasks = sum(1 for c in cases if c.next_due_on is not None)
    assert 0.03 < with_tasks / N < 0.2
    overdue = {c.id for c in cases if c.next_due_on is not None and c.next_due_on < utcnow().date()}
    assert overdue

    # The overdue filter and the case plan, as a supervisor of an agency with overdue cases.
    agency = db.get(Agency, db.get(Case, min(overdue)).owner_agency_id)
    boss = principal_for(
        make_user(db, Role.SUPERVISOR, agency_code=agency.code), "token", request_id=None, address=None
    )
    listed = service.list_cases(db, boss, settings, CaseFilter(overdue=True, limit=200))
    assert {i["id"] for i in listed["items"]} == {
        c.id for c in cases if c.id in overdue and c.owner_agency_id == agency.id
    }
    assert all(i["overdue"] for i in listed["items"])
    view = service.view_case(db, boss, settings, listed["items"][0]["id"])
    assert any(t["overdue"] and t["title"] in bulk.TASK_TITLES for t in view["plan"])


def test_each_batch_is_one_audit_event_naming_its_first_and_last_case(ldb):
    db = ldb
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "nrm.case.bulk_load")))
    refs = [c.reference for c in loaded_cases(db)]
    # On PostgreSQL two connections write batches side by side: their events may come in either order.
    assert sorted((e.details for e in events), key=lambda d: refs.index(d["first"])) == [
        {"count": BATCH, "first": refs[i], "last": refs[i + BATCH - 1]} for i in range(0, N, BATCH)
    ]
    assert all(e.actor_user_id is None and e.object_type == "case" for e in events)


def test_no_name_document_or_phone_is_in_plain_text_anywhere(node, ldb):
    db = ldb
    needles = set()
    for c in synthetic(node):
        p = c.person
        for value in (p.family_name, p.family_name_latin, p.document_number, p.phone):
            if value and len(value) >= 5:
                needles.add(value)
        needles.add(f"{p.given_name} {p.family_name}")
        needles.add(f"{p.given_name_latin} {p.family_name_latin}")
    load_all()
    texts: list[str] = []
    blobs: list[bytes] = []
    for table in Base.metadata.sorted_tables:
        if table.name == "users":  # the demo accounts' own display names
            continue
        columns = [c for c in table.columns if isinstance(c.type, String | Text | LargeBinary | JSON)]
        if not columns:
            continue
        for row in db.execute(select(*columns)):
            for value in row:
                if isinstance(value, bytes):
                    blobs.append(value)
                elif value is not None:
                    texts.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    assert len(blobs) > 3 * N
    text = "\n".join(texts)
    blob = b"\n".join(blobs)
    leaks = [n for n in needles if n in text or n.encode() in blob]
    assert leaks == []


def load(connection, settings, n: int) -> int:
    return bulk.load_synthetic_cases(connection, settings, n, seed=SEED, batch=BATCH)


def test_a_clash_of_references_is_drawn_again(db, connection, settings, monkeypatch):
    # The demo agencies without their users: the cases are then nobody's in particular.
    for code, name, country, kind in demo.DEMO_AGENCIES:
        auth_service.create_agency(
            db, system_principal(), AgencyCreate(code=code, name=name, country=country, kind=kind)
        )
    db.flush()
    real, calls = service.new_reference, count()

    def clashing(country: str) -> str:
        # The first batch's first reference comes again for its second case.
        return "KZ-00000-00000" if next(calls) < 2 else real(country)

    monkeypatch.setattr(service, "new_reference", clashing)
    assert load(connection, settings, 20) == 20
    refs = list(db.scalars(select(Case.reference)))
    assert len(refs) == len(set(refs)) == 20
    assert set(db.scalars(select(Case.assigned_user_id))) == {None}
    assert "KZ-00000-00000" not in refs


def test_the_loader_needs_the_demo_agencies(connection, settings):
    with pytest.raises(bulk.NoDemoAgencies):
        load(connection, settings, 10)


def test_a_uuid7_block_sits_between_the_ids_before_and_after():
    before = uuid7().int
    first = uuid7_block(1000)
    after = uuid7().int
    assert before < first and first + 999 < after
    for value in (first, first + 999):
        u = uuid.UUID(int=value)
        assert u.version == 7 and u.variant == uuid.RFC_4122


def test_the_demo_command_adds_synthetic_cases_on_the_first_run_and_later_ones(tmp_path):
    with fresh_database(tmp_path, "clibulk") as url:
        env = {
            **os.environ,
            "QORGAU_DATA_DIR": str(tmp_path / "data"),
            "QORGAU_DATABASE_URL": url,
            "CI": "true",
        }

        def demo_command(*args: str) -> str:
            done = subprocess.run(
                [sys.executable, "-m", "qorgau", "demo", "--no-serve", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert "\x1b[" not in done.stdout  # no progress bar drawn into a CI log
            return done.stdout

        first = demo_command("--password", "Demo-Password-Long-1", "--cases", "120")
        assert "supervisor" in first and "Loaded 120 synthetic cases" in first
        again = demo_command("--cases", "30")
        assert "already holds data" in again and "Loaded 30 synthetic cases" in again
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.scalar(select(func.count()).select_from(Case)) == 150
        finally:
            engine.dispose()


def test_the_loader_seals_each_person_as_intake_does_keys_in_order():
    """The person the loader seals (through nrm.people.person_payload, not a copy of the JSON) is
    the dict intake seals for the same form: PersonIn's dump, and "estimated_on" with an age."""
    from qorgau.demo.rows import _Builder

    for c in generate_cases(400, seed=SEED, today=date(2026, 1, 1)):
        p = c.person
        latin = p.family_name_latin != p.family_name or p.given_name_latin != p.given_name
        expected = bulk.intake(c).person.model_dump(mode="json", exclude_none=True)
        if p.estimated_age is not None:
            expected["estimated_on"] = c.reported_on.isoformat()
        assert list(_Builder.person(p, latin, c.reported_on).items()) == list(expected.items())


def test_no_room_imports_the_demo_package():
    """The demo tooling sits above the rooms: it uses them, they never reach up into it."""
    import qorgau

    root = Path(qorgau.__file__).parent
    for path in root.rglob("*.py"):
        if path.is_relative_to(root / "demo") or path.name == "cli.py":
            continue
        source = path.read_text()
        assert "qorgau.demo" not in source and "from qorgau import demo" not in source, path
