"""db.insert_rows, the driver-level bulk INSERT under the audit log: it must store exactly what
SQLAlchemy's own INSERT stores, on either database, and refuse what SQLAlchemy refuses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, literal_column, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from qorgau.audit.models import AUDIT_EVENTS, AUDIT_TREE_NODES, Outcome
from qorgau.db import BulkWriteError, insert_rows

COLUMNS = ("id", "occurred_at", "actor_user_id", "action", "object_type", "object_id", "outcome", "details")
ACTOR = uuid.uuid4()
AT = datetime(2026, 11, 23, 21, 30, 5, 123456, tzinfo=timezone(timedelta(hours=5)))


def _rows() -> list[tuple]:
    # Runs of repeated values (insert_rows processes a run once) broken by other values.
    return [
        (uuid.uuid4(), AT, ACTOR, "case.view", "case", "c-1", Outcome.SUCCESS, None),
        (uuid.uuid4(), AT, ACTOR, "case.view", "case", None, Outcome.SUCCESS, {"fields": ["status"]}),
        (uuid.uuid4(), AT.astimezone(UTC), None, "тест", "case", "c-2", Outcome.DENIED, None),
        (uuid.uuid4(), AT, ACTOR, "case.view", "case", "c-3", "failure", {"n": 1, "ok": True}),
        (uuid.uuid4(), AT + timedelta(days=400), ACTOR, "x", "y", "ü", Outcome.SUCCESS, {}),
    ]


def _stored(db: Session, ids: list[uuid.UUID]) -> list[tuple]:
    # The raw values as the database holds them (untyped columns skip the result processors).
    raw = [literal_column(c) for c in COLUMNS if c != "id"]
    return [tuple(db.execute(select(*raw).where(AUDIT_EVENTS.c.id == i)).one()) for i in ids]


def test_insert_rows_stores_what_sqlalchemy_stores(db: Session):
    through_driver, through_core = _rows(), _rows()
    insert_rows(db, AUDIT_EVENTS, COLUMNS, through_driver)
    db.execute(insert(AUDIT_EVENTS), [dict(zip(COLUMNS, row, strict=True)) for row in through_core])
    assert _stored(db, [r[0] for r in through_driver]) == _stored(db, [r[0] for r in through_core])
    # And the ORM's types read them back as given (aware UTC times, JSON null vs SQL NULL).
    back = db.execute(select(AUDIT_EVENTS).where(AUDIT_EVENTS.c.id == through_driver[3][0])).one()
    assert back.occurred_at == AT and back.occurred_at.tzinfo is not None
    assert back.details == {"n": 1, "ok": True} and back.outcome == Outcome.FAILURE


def test_insert_rows_takes_bytes_and_big_integers(db: Session):
    rows = [(40, 2**40 + i, bytes([i]) * 32) for i in range(3)]
    insert_rows(db, AUDIT_TREE_NODES, ("level", "node_index", "hash"), rows)
    stored = db.execute(
        select(AUDIT_TREE_NODES).where(AUDIT_TREE_NODES.c.level == 40).order_by(AUDIT_TREE_NODES.c.node_index)
    ).all()
    assert [tuple(r) for r in stored] == rows


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        ("outcome", "maybe", "not among the defined enum values"),
        ("occurred_at", datetime(2026, 1, 1), "naive"),
    ],
)
def test_insert_rows_refuses_what_the_column_types_refuse(db: Session, column, bad, message):
    row = list(_rows()[0])
    row[COLUMNS.index(column)] = bad
    with pytest.raises((StatementError, ValueError, LookupError), match=message):
        insert_rows(db, AUDIT_EVENTS, COLUMNS, [tuple(row)])


def test_a_failed_bulk_write_names_the_problem_but_quotes_no_value(db: Session):
    row = list(_rows()[0])
    row[COLUMNS.index("object_id")] = "Yerzhan-Akhmetov-1990"  # as if a value held a person's data
    insert_rows(db, AUDIT_EVENTS, COLUMNS, [tuple(row)])
    with pytest.raises((BulkWriteError, IntegrityError)) as failed, db.begin_nested():
        insert_rows(db, AUDIT_EVENTS, COLUMNS, [tuple(row)])  # the same id again
    message = str(failed.value)
    assert "audit_events" in message and ("unique" in message.lower() or "duplicate" in message.lower())
    assert "Yerzhan" not in message and str(row[0]) not in message and row[0].hex not in message
