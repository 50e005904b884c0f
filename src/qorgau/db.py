"""Engine, sessions, the declarative base and the column types every room shares."""

from __future__ import annotations

import os
import secrets
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Enum,
    LargeBinary,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


_uuid7_lock = threading.Lock()
_uuid7_last = 0


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7): unique across nodes, and new rows stay
    together in B-tree indexes. Python 3.11 has no uuid.uuid7, hence these few lines.

    Within this process the values strictly increase (RFC 9562, 6.2: when the clock has not
    moved on, the previous value plus one), so rows made in one go keep their order."""
    global _uuid7_last
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(secrets.token_bytes(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 68) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    with _uuid7_lock:
        if value <= _uuid7_last:
            # Same millisecond: count up in the random bits, keeping the version and variant.
            value = _uuid7_last + 1
            if (value >> 62) & 0b11 != 0b10:
                value = ((value >> 64) + 1) << 64 | 0b10 << 62
        _uuid7_last = value
    return uuid.UUID(int=value)


_RAND_B = (1 << 62) - 1


def uuid7_block(n: int) -> int:
    """The first of `n` consecutive UUIDv7 values, as an integer (the values are first + i for
    i < n): what n calls of uuid7() would give, strictly above every value before and below every
    value after, for the price of one (bulk loading). The block stays within one run of the
    random bits, so every value keeps the version and variant."""
    global _uuid7_last
    if n < 1:
        raise ValueError("a block holds at least one value")
    first = uuid7().int
    with _uuid7_lock:
        first = max(first, _uuid7_last + 1)  # another thread may have taken values meanwhile
        if (first >> 62) & 0b11 != 0b10 or (first & _RAND_B) + n > _RAND_B + 1:
            first = ((first >> 64) + 1) << 64 | 0b10 << 62
        _uuid7_last = first + n - 1
    return first


def string_enum(cls: type[StrEnum], name: str, length: int = 40) -> Enum:
    """An enumeration column stored as its value string with a CHECK constraint: portable across
    SQLite and PostgreSQL, and a new member needs only a migration of the constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware, on SQLite too
    (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Qorgau stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


SQLITE_BEGIN = "qorgau_sqlite_begin"

# Threads that may hold a connection at once: the worker threads of the server (anyio's default
# pool, 40) and a few beyond them (the event loop's own short reads, background work).
POOL_CAPACITY = 48
# How long a unit of work queues for the one write connection of a SQLite node before its
# request is refused with 503 (web.errors): far longer than any queue of healthy work.
WRITE_QUEUE_SECONDS = 60

# SQLite engines made by make_engine -> their engine for writes (see write_engine).
_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def write_engine(engine: Engine) -> Engine:
    """The engine for units of work that change data.

    On a SQLite file: a second engine on the same file whose pool holds ONE connection, whose
    transactions begin IMMEDIATE. Writers of this process queue for that connection in Python
    (holding nothing while they wait, and never a reader's connection), instead of spinning in
    SQLite's busy handler or failing to upgrade a stale read snapshot; other processes (the
    CLI beside a server) are still kept out by SQLite's own lock and busy timeout.
    Elsewhere the same engine: PostgreSQL needs nothing different."""
    writer = _SQLITE_WRITERS.get(engine)
    if writer is not None:
        return writer
    return engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine. SQLite gets WAL, foreign keys, a busy timeout, transactions that
    SQLAlchemy (not the sqlite3 module) begins, so SAVEPOINTs work, and its writer engine.

    Pools hold a connection for every worker thread (POOL_CAPACITY), so a burst of requests
    never waits for a connection that no one will give back soon."""
    parsed = make_url(url)
    # Parameters never reach logs or error messages: they may be a victim's data.
    kwargs.setdefault("hide_parameters", True)
    sized = "poolclass" not in kwargs
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        file_db = database not in ("", ":memory:") and not database.startswith("file:")
        if file_db:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
            # Private from its first byte, like the keys: an empty file is an empty database.
            os.close(os.open(parsed.database, os.O_WRONLY | os.O_CREAT, 0o600))  # type: ignore[arg-type]
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 30)
        if sized and file_db:
            kwargs.setdefault("pool_size", POOL_CAPACITY)
            kwargs.setdefault("max_overflow", 0)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        if sized and file_db:
            writer_kwargs = {**kwargs, "pool_size": 1, "max_overflow": 0, "pool_timeout": WRITE_QUEUE_SECONDS}
            writer = create_engine(url, connect_args=connect_args, **writer_kwargs)
            _configure_sqlite(writer)
            event.listen(engine, "engine_disposed", lambda _conn: writer.dispose())
            _SQLITE_WRITERS[engine] = writer.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if sized:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", POOL_CAPACITY - 10)
    return create_engine(url, **kwargs)


def _make_private(path: str) -> None:
    """The database file and its WAL, shared-memory and journal files readable by the owner
    alone (mode 0600), as the keys are. SQLite gives the files it makes the database file's
    mode, so this also covers those made later; files of an older node are narrowed here."""
    for name in (path, path + "-wal", path + "-shm", path + "-journal"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def _configure_sqlite(engine: Engine) -> None:
    path = engine.url.database

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        if path and path != ":memory:" and not path.startswith("file:"):
            _make_private(path)
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # "IMMEDIATE" for work that will write (see write_engine): it takes the write lock at
        # the start, waiting its turn, instead of failing later when it must upgrade a read
        # snapshot that another writer has moved past.
        conn.exec_driver_sql("BEGIN " + conn.get_execution_options().get(SQLITE_BEGIN, ""))


def make_sessionmaker(engine_or_conn: Any, **kwargs: Any) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_or_conn, expire_on_commit=False, **kwargs)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit if the block finishes, roll back if it raises. Services never
    commit; whoever owns the work (a request, a CLI command) does, through this."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_connection(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """A plain connection for a short read outside any unit of work (authentication runs on
    every request, and an ORM session around one Core query costs about as much as the query).

    The factory's bind is an Engine, or, in the tests, the Connection whose transaction each
    test rolls back; there a SAVEPOINT stands in for a transaction of its own."""
    bind = factory.kw["bind"]
    if isinstance(bind, Connection):
        with bind.begin_nested():
            yield bind
        return
    with bind.connect() as conn:
        yield conn
        conn.commit()


# Drivers that take bytes for a BLOB or bytea as they are: the LargeBinary processor would only
# wrap each value in the driver's Binary() (SQLAlchemy's own comment says sqlite3 needs none).
_NATIVE_BYTES_DRIVERS = frozenset({"pysqlite", "psycopg"})


@dataclass(frozen=True)
class _DriverInsert:
    sql: str
    # (position in the row, the column type's bind processor) for columns that need one.
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    keys: tuple[str, ...] | None  # bind names for drivers that take named parameters
    copy: str | None  # PostgreSQL (psycopg): COPY ... FROM STDIN, which is several times faster


def _bind_processor(dialect: Dialect, column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, LargeBinary) and dialect.driver in _NATIVE_BYTES_DRIVERS:
        return None
    # What SQLAlchemy itself would do to the value (UUIDs as text on SQLite, timestamps in UTC,
    # JSON serialised, enums checked, ...).
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _driver_insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> _DriverInsert:
    known = _DRIVER_INSERTS.setdefault(dialect, {})
    found = known.get((table, columns))
    if found is None:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        processors = tuple(
            (i, process)
            for i, name in enumerate(columns)
            if (process := _bind_processor(dialect, table.c[name].type)) is not None
        )
        # The compiled statement must take exactly these columns, in this order if positional.
        if compiled.positional:
            if tuple(compiled.positiontup or ()) != columns:
                raise RuntimeError(f"unexpected parameter order in {compiled.string!r}")
            keys = None
        else:
            if set(compiled.binds) != set(columns):
                raise RuntimeError(f"unexpected parameters in {compiled.string!r}")
            keys = columns
        copy = None
        if dialect.driver == "psycopg":
            quote = dialect.identifier_preparer
            names = ", ".join(quote.quote(c) for c in columns)
            copy = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
        found = known[(table, columns)] = _DriverInsert(compiled.string, processors, keys, copy)
    return found


# Per dialect (one per engine), forgotten with it.
_DRIVER_INSERTS: weakref.WeakKeyDictionary[Dialect, dict[tuple[Table, tuple[str, ...]], _DriverInsert]] = (
    weakref.WeakKeyDictionary()
)


def _processed(
    rows: Sequence[Sequence[Any]], processors: Sequence[tuple[int, Callable[[Any], Any]]]
) -> list[Any]:
    out: list[Any] = [list(row) for row in rows]
    for i, process in processors:
        # Bulk rows repeat values (one actor, one time, one outcome per batch): process each
        # run of the same object once.
        last_in: Any = object()
        last_out: Any = None
        for values in out:
            value = values[i]
            if value is not last_in:
                last_in, last_out = value, process(value)
            values[i] = last_out
    return out


class BulkWriteError(RuntimeError):
    """A bulk COPY failed. The message keeps the database's primary message and SQLSTATE only:
    its detail and context quote the rows, which may hold a person's data."""


def _copy_rows(conn: Connection, table: Table, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    import psycopg  # only PostgreSQL gets here, and psycopg is its driver

    raw = conn.connection.driver_connection
    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        primary = exc.diag.message_primary or type(exc).__name__
        raise BulkWriteError(f"writing to {table.name} failed: {primary} (SQLSTATE {exc.sqlstate})") from None


def insert_rows(db: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT many rows, given as tuples in `columns` order: COPY on PostgreSQL, one driver
    executemany elsewhere, in the session's transaction.

    The same rows as db.execute(insert(table), dicts), without SQLAlchemy's work per row (a
    dict of parameters per row, then each value processed in turn), which was a third of the
    time of appending to the audit log. Values still go through their column type's bind
    processor, so what lands in the table is what the ORM would have written."""
    if not rows:
        return
    conn = db.connection()
    plan = _driver_insert(conn.dialect, table, tuple(columns))
    params: Sequence[Any] = _processed(rows, plan.processors) if plan.processors else rows
    if plan.copy is not None:
        _copy_rows(conn, table, plan.copy, params)
        return
    if plan.keys is None:
        params = [tuple(r) for r in params]
    else:
        params = [dict(zip(plan.keys, r, strict=True)) for r in params]
    conn.exec_driver_sql(plan.sql, params)


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"
