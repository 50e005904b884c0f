"""Bulk loading of synthetic cases (demo.synthetic) for demos and benchmarks: a million cases in
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

The rows, their owners and their sealed parts are built in demo.rows. Batches of cases are
written in their own transactions: with COPY on PostgreSQL, and with executemany through
SQLAlchemy Core elsewhere (SQLite). The database-specific code is all here.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import islice
from queue import Queue
from typing import cast

from sqlalchemy import Connection, Engine, Table, insert, text
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.config import Settings
from qorgau.db import utcnow, write_engine
from qorgau.demo.rows import (
    _REFERENCE,
    CASE_AGENCY_KINDS,
    CASE_ROLES,
    TASK_TITLES,
    NoDemoAgencies,
    _Batch,
    _Builder,
    _owners_by_country,
    intake,
)
from qorgau.demo.synthetic import generate_cases
from qorgau.nrm import service
from qorgau.nrm.models import Case, Person, PersonKey, PlanItem, PlanItemKind
from qorgau.principal import Principal, system_principal

__all__ = [
    "CASE_AGENCY_KINDS",
    "CASE_ROLES",
    "TASK_TITLES",
    "NoDemoAgencies",
    "intake",
    "load_synthetic_cases",
]

# Connections that write batches side by side on PostgreSQL: while one waits for the server,
# the other's batch is being written; more do not help on a small machine.
PG_WRITERS = 2


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
    agencies and users must be there (demo.setup.load); the audit events name `actor` (default:
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
    # (The generator's name is the one it had when the loader lived in the NRM room: the same
    # seed still gives the same load.)
    keyring = settings.keyring
    builder = _Builder(keyring, settings, owners, random.Random(f"qorgau.nrm.bulk:{seed}"), today, postgres)
    common = _Common(settings.secrets.node_id, keyring.active_id)
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
