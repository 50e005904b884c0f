"""Sections other rooms add to the NRM's case page (the screening room's list of screenings).

This room does not import the rooms built on it; instead the composition root lists their
sections (app.state.case_sections) and the case page includes each one's template with the
context its function gives (as `part`). A section shows only to whoever sees the case in full or by
break-glass, never on the limited view of a referral."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from qorgau.nrm.schemas import CaseOut
from qorgau.principal import Principal


@dataclass(frozen=True)
class CaseSection:
    """A template to include on the case page, and its context (as `part`): from the
    request's session, the principal, the case as shown and whether they may change it."""

    template: str
    context: Callable[[Session, Principal, CaseOut, bool], dict[str, Any]]
