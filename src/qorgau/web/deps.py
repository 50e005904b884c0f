"""Dependencies shared by every room's routes: settings and the request's one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.audit.models import Outcome
from qorgau.config import Settings


def _db(request: Request) -> Iterator[Session]:
    """The request's unit of work: commit when the route returns, roll back if it raises.
    scope="function" makes the commit happen before the response is sent, so a failed commit
    is an error the client sees, not a success that was never stored."""
    session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException as exc:
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
        raise
    finally:
        session.close()


def _settings(request: Request) -> Settings:
    return request.app.state.settings


DB = Annotated[Session, Depends(_db, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
