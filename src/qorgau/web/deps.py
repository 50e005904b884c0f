"""Dependencies shared by every room's routes: settings and the request's one transaction."""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from qorgau.config import Settings
from qorgau.db import POOL_CAPACITY
from qorgau.errors import AuditNote

# Writes a refusal's AuditNote as an audit event. The kit knows no room, so the audit room's
# writer is handed over by the composition root (qorgau.app.wire_rooms) before any request.
_note_writer: Callable[[Session, AuditNote], None] | None = None


def write_audit_notes_with(writer: Callable[[Session, AuditNote], None]) -> None:
    global _note_writer
    _note_writer = writer


def roll_back(session: Session, exc: BaseException) -> None:
    """Undo the request's changes after `exc`; then write the refusal `exc` asks to keep (see
    errors.AuditNote), in its own commit. Routes that turn an error into a page call this too."""
    session.rollback()
    note = getattr(exc, "audit_after_rollback", None)
    if note is not None:
        if _note_writer is None:
            # Never drop a refusal's trace silently: an app assembled without the audit room
            # is a bug of the assembly.
            raise RuntimeError("no audit note writer: call qorgau.app.wire_rooms() first")
        _note_writer(session, note)
        session.commit()


# Commits, rollbacks and closes of request transactions run on threads of their own: a
# transaction that holds the write connection (on SQLite, the only one) must never wait for a
# worker thread that may itself be queueing for that connection. These calls wait for nothing.
_FINISH: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


async def _finish(call: Callable[[], object]) -> None:
    loop = asyncio.get_running_loop()
    limiter = _FINISH.get(loop)
    if limiter is None:
        limiter = _FINISH[loop] = anyio.CapacityLimiter(POOL_CAPACITY)
    await anyio.to_thread.run_sync(call, limiter=limiter)


def reads_only(request: Request) -> bool:
    """Whether this request may run on the read path: a GET (or HEAD) of a public route. Every
    request with a principal takes the write path, GETs included: reading a case writes an
    audit event, a refused access writes one, and so does a credential's "last used" stamp. On
    SQLite a read transaction that then writes fails ("database is locked") when another
    writer got in first, so the choice is made before the first query, by the route, not by
    what the route turns out to do."""
    return request.method in ("GET", "HEAD", "OPTIONS") and getattr(request.state, "public_route", False)


async def _db(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: commit when the route returns, roll back if it raises.

    scope="function" makes the commit happen before the response is sent, so a failed commit is
    an error the client sees, not a success that was never stored. Opening a session does no
    I/O; the commit or rollback runs on a thread only if the route used the database.
    """
    state = request.app.state
    session = (state.sessionmaker if reads_only(request) else state.write_sessionmaker)()
    try:
        yield session
        if session.in_transaction():
            await _finish(session.commit)
    except BaseException as exc:
        # Roll back first (that lets go of the write connection), then write what the refusal
        # asks to keep as a new unit of work, which may queue for the write connection.
        await _finish(session.rollback)
        if getattr(exc, "audit_after_rollback", None) is not None:
            # On a finishing thread too: never queue behind route threads that wait for the
            # write connection.
            await _finish(functools.partial(roll_back, session, exc))
        raise
    finally:
        if session.in_transaction():
            await _finish(session.close)
        else:
            session.close()


def _settings(request: Request) -> Settings:
    return request.app.state.settings


DB = Annotated[Session, Depends(_db, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
