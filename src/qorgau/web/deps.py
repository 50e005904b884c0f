"""Dependencies shared by every room's routes: settings and the request's one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from qorgau.audit import service as audit
from qorgau.audit.models import Outcome
from qorgau.config import Settings


def roll_back(session: Session, exc: BaseException) -> None:
    """Undo the request's changes after `exc`; then write the refusal `exc` asks to keep (see
    errors.AuditNote), in its own commit. Routes that turn an error into a page call this too."""
    session.rollback()
    note = getattr(exc, "audit_after_rollback", None)
    if note is not None:
        audit.record(
            session,
            note.actor,
            note.action,
            note.object_type,
            note.object_id,
            outcome=Outcome.DENIED,
            details=note.details,
        )
        session.commit()


async def _db(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: commit when the route returns, roll back if it raises.

    scope="function" makes the commit happen before the response is sent, so a failed commit is
    an error the client sees, not a success that was never stored. Opening a session does no
    I/O; the commit or rollback runs in the thread pool only if the route used the database.
    """
    reads_only = request.method in ("GET", "HEAD", "OPTIONS")
    session = (request.app.state.sessionmaker if reads_only else request.app.state.write_sessionmaker)()
    try:
        yield session
        if session.in_transaction():
            await run_in_threadpool(session.commit)
    except BaseException as exc:
        await run_in_threadpool(roll_back, session, exc)
        raise
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


def _settings(request: Request) -> Settings:
    return request.app.state.settings


DB = Annotated[Session, Depends(_db, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
