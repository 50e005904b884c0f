"""The case plan (goals and tasks) and notes."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.auth.models import User
from qorgau.config import Settings
from qorgau.db import uuid7
from qorgau.errors import Conflict, InvalidInput, NotFound
from qorgau.i18n import _
from qorgau.keyring import Keyring
from qorgau.nrm import people
from qorgau.nrm.common import _case_to_change, _history, _note, _today
from qorgau.nrm.models import (
    Case,
    Note,
    PlanItem,
    PlanItemKind,
)
from qorgau.nrm.schemas import (
    GoalIn,
    NoteIn,
    TaskIn,
)
from qorgau.permissions import Permission
from qorgau.principal import Principal


def _refresh_due(db: Session, case: Case) -> None:
    db.flush()
    case.next_due_on = db.scalar(
        select(func.min(PlanItem.due_on)).where(
            PlanItem.case_id == case.id, PlanItem.kind == PlanItemKind.TASK, PlanItem.done_on.is_(None)
        )
    )


def _add_task(
    db: Session,
    actor: Principal,
    keyring: Keyring,
    case: Case,
    title: str,
    goal_id: uuid.UUID | None,
    owner: uuid.UUID | None,
    due_on: date | None,
) -> PlanItem:
    item = PlanItem(
        id=uuid7(),
        case_id=case.id,
        kind=PlanItemKind.TASK,
        goal_id=goal_id,
        owner_user_id=owner,
        due_on=due_on,
    )
    people.seal_row(keyring, item, "nrm_plan_items", item.id, {"title": title})
    db.add(item)
    _refresh_due(db, case)
    _history(db, actor, case, "plan.task_added", due_on=due_on)
    return item


def add_goal(db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: GoalIn) -> PlanItem:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    item = PlanItem(id=uuid7(), case_id=case.id, kind=PlanItemKind.GOAL)
    people.seal_row(settings.keyring, item, "nrm_plan_items", item.id, {"title": data.title})
    db.add(item)
    db.flush()
    _history(db, actor, case, "plan.goal_added")
    audit.record(db, actor, "nrm.plan.goal", "plan_item", item.id)
    return item


def add_task(db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: TaskIn) -> PlanItem:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    if data.goal_id is not None:
        goal = db.get(PlanItem, data.goal_id)
        if goal is None or goal.case_id != case.id or goal.kind != PlanItemKind.GOAL:
            raise InvalidInput(_("No such goal in this case's plan."), field="goal_id")
    if data.owner_user_id is not None and db.get(User, data.owner_user_id) is None:
        raise InvalidInput(_("No such user."), field="owner_user_id")
    item = _add_task(
        db, actor, settings.keyring, case, data.title, data.goal_id, data.owner_user_id, data.due_on
    )
    audit.record(db, actor, "nrm.plan.task", "plan_item", item.id)
    return item


def complete_task(db: Session, actor: Principal, case_id: uuid.UUID, task_id: uuid.UUID) -> PlanItem:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    item = db.get(PlanItem, task_id)
    if item is None or item.case_id != case.id or item.kind != PlanItemKind.TASK:
        raise NotFound(_("No such task in this case's plan."))
    if item.done_on is not None:
        raise Conflict(_("This task is already done."))
    item.done_on = _today()
    _refresh_due(db, case)
    _history(db, actor, case, "plan.task_done")
    audit.record(db, actor, "nrm.plan.task_done", "plan_item", item.id)
    return item


def add_note(db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: NoteIn) -> Note:
    actor.require(Permission.CASE_WRITE)
    case = _case_to_change(db, actor, case_id)
    note = _note(db, actor, settings.keyring, case, data.text)
    db.flush()
    _history(db, actor, case, "note.added")
    audit.record(db, actor, "nrm.note.add", "note", note.id)
    return note
