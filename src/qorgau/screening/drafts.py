"""The screening questionnaire, one step at a time, and the officer's unfinished answers.

The questionnaire is built from the ruleset and the person: first the person's age group (the
officer may judge a person of unknown or uncertain age to be a child: in doubt, a child is presumed
one, and the child's lists apply); the Palermo Protocol's acts, means and purposes; the ILO's
indicators of forced labour; the ILO/European Commission operational indicators of the person's
age group (one step per list: labour, sexual exploitation), grouped by
dimension; the potential-victim factors of the country where the case is, if its law has them;
then a review.

Each step's answers are kept as a draft (one per case and officer) as the officer goes, so that
leaving and coming back resumes where they were. The answers are indicator codes, which say what
happened to a person, so a draft is sealed like the screening it becomes. Recording the screening
deletes it; so does discarding it. Saving and discarding are audited, as changes to what is
known about a person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.config import Settings
from qorgau.db import utcnow, uuid7
from qorgau.errors import InvalidInput
from qorgau.i18n import N_, _
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.screening.models import ScreeningDraft
from qorgau.screening.rules import AgeGroup, DerivedIndicator, Indicator, Ruleset, Section
from qorgau.sealing import open_row, seal_row

_TABLE = "screening_drafts"
PERSON = "person"
REVIEW = "review"


@dataclass(frozen=True)
class Group:
    """Indicators shown together under one heading: a Palermo element, an operational dimension."""

    title: str | None  # a message id (translate where shown), or None
    indicators: tuple[Indicator, ...]
    dimension: DerivedIndicator | None = None  # an operational dimension: its label is the heading


@dataclass(frozen=True)
class Step:
    id: str
    title: str  # a message id (translate where shown)
    intro: str  # a message id
    groups: tuple[Group, ...] = ()
    params: tuple[tuple[str, str], ...] = ()  # for the title's placeholders

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(i.code for g in self.groups for i in g.indicators)


@dataclass(frozen=True)
class Draft:
    step: str
    indicators: frozenset[str]
    judged_child: bool = False  # the officer judges the person a child, whatever the case's age


_DELPHI_TITLES = {
    "labour": N_("Operational indicators: trafficking for labour exploitation"),
    "sexual": N_("Operational indicators: trafficking for sexual exploitation"),
}


def questionnaire(ruleset: Ruleset, *, child: bool, country: str) -> list[Step]:
    """The steps of the questionnaire for a person of this age group, in this country."""
    group = AgeGroup.CHILD if child else AgeGroup.ADULT
    by_section: dict[Section, list[Indicator]] = {s: [] for s in Section}
    for ind in ruleset.indicators.values():
        by_section[ind.section].append(ind)
    steps = [
        Step(
            PERSON,
            N_("The person"),
            N_(
                "Whether the child's indicators apply. A person under 18 is a child; where the age is "
                "unknown or uncertain and the person may be a child, treat them as one."
            ),
        ),
        Step(
            "palermo",
            N_("The elements of trafficking (Palermo Protocol)"),
            N_(
                "What was done to the person, by what means, and for what purpose. Tick what the person "
                "told you or what you saw; leave the rest."
            ),
            (
                Group(N_("Acts"), tuple(by_section[Section.ACT])),
                Group(N_("Means"), tuple(by_section[Section.MEANS])),
                Group(N_("Purposes of exploitation"), tuple(by_section[Section.PURPOSE])),
            ),
        ),
        Step(
            "ilo",
            N_("The ILO indicators of forced labour"),
            N_(
                "The 11 indicators of the International Labour Organization. Two or more are signs of "
                "forced labour."
            ),
            (Group(None, tuple(by_section[Section.ILO])),),
        ),
    ]
    dimensions = {d.code: d for d in ruleset.derived}
    lists: dict[str, dict[str, list[Indicator]]] = {}
    for ind in by_section[Section.DELPHI]:
        if ind.applies_to not in (group, AgeGroup.ANY):
            continue
        _delphi, list_id, dim_id, *_rest = ind.code.split(".")
        lists.setdefault(list_id, {}).setdefault(f"delphi.{list_id}.{dim_id}", []).append(ind)
    for list_id, dims in lists.items():
        kind = list_id.rpartition("_")[2]
        steps.append(
            Step(
                f"delphi-{list_id}",
                _DELPHI_TITLES.get(kind, N_("Operational indicators")),
                N_(
                    "The ILO/European Commission operational indicators, by dimension. Each is marked "
                    "strong, medium or weak: how much it weighs in its dimension."
                ),
                tuple(Group(None, tuple(inds), dimensions.get(code)) for code, inds in dims.items()),
            )
        )
    factors = [i for i in by_section[Section.FACTOR] if i.countries is None or country in i.countries]
    if factors:
        steps.append(
            Step(
                "factors",
                N_("Potential-victim factors under the law of %(country)s"),
                N_("Circumstances that, under this country's law, make the person a potential victim."),
                (Group(None, tuple(factors)),),
                (("country", country),),
            )
        )
    steps.append(
        Step(REVIEW, N_("Review and record"), N_("Check the indicators chosen, then record the screening."))
    )
    return steps


def step_by_id(steps: list[Step], step_id: str | None) -> Step:
    """The step asked for, or the first one (an unknown or stale step id starts again)."""
    return next((s for s in steps if s.id == step_id), steps[0])


def neighbour(steps: list[Step], step: Step, go: str) -> Step:
    """The step after ("next") or before ("back") this one; this one for anything else."""
    i = steps.index(step)
    if go == "next":
        return steps[min(i + 1, len(steps) - 1)]
    if go == "back":
        return steps[max(i - 1, 0)]
    return step


def asked(steps: list[Step]) -> frozenset[str]:
    """Every indicator code the questionnaire asks about."""
    return frozenset(code for s in steps for code in s.codes)


def answer_step(answers: frozenset[str], step: Step, posted: list[str]) -> frozenset[str]:
    """The answers once this step's are replaced by those posted. A code the step does not ask
    about is refused (InvalidInput): a stale or forged form, not something to store."""
    unknown = sorted(set(posted) - step.codes)
    if unknown:
        raise InvalidInput(
            _("Not an indicator of this step: %(codes)s") % {"codes": ", ".join(unknown)}, field="indicators"
        )
    return (answers - step.codes) | frozenset(posted)


def _mine(actor: Principal, case_id: uuid.UUID) -> Any:
    actor.require(Permission.CASE_WRITE)
    return (ScreeningDraft.case_id == case_id) & (ScreeningDraft.user_id == actor.user_id)


def _own(db: Session, actor: Principal, case_id: uuid.UUID) -> ScreeningDraft | None:
    return db.scalar(select(ScreeningDraft).where(_mine(actor, case_id)))


def load_draft(db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID) -> Draft | None:
    """The officer's draft for this case, if they left one. The caller has checked that the
    officer may work on the case (screening.service.questionnaire_subject)."""
    row = _own(db, actor, case_id)
    if row is None:
        return None
    data: dict[str, Any] = open_row(settings.keyring, row, _TABLE, row.id)
    return Draft(str(data.get("step", "")), frozenset(data.get("indicators", [])), bool(data.get("child")))


def save_draft(db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, draft: Draft) -> None:
    """Keep the officer's answers so far and the step they are on (one draft per case and officer)."""
    row = _own(db, actor, case_id)
    if row is None:
        row = ScreeningDraft(id=uuid7(), case_id=case_id, user_id=actor.user_id)
        db.add(row)
    row.updated_at = utcnow()
    value = {"step": draft.step, "indicators": sorted(draft.indicators), "child": draft.judged_child}
    seal_row(settings.keyring, row, _TABLE, row.id, value)
    db.flush()
    # The step only: which indicators were ticked is about the person, and stays sealed.
    audit.record(db, actor, "screening.draft_save", "case", case_id, details={"step": draft.step})


def discard_draft(db: Session, actor: Principal, case_id: uuid.UUID, *, recorded: bool = False) -> None:
    """Delete the officer's draft: the screening was recorded from it, or the officer threw it away
    (audited; a recorded screening is audited as such)."""
    row = _own(db, actor, case_id)
    if row is None:
        return
    db.delete(row)
    db.flush()
    if not recorded:
        audit.record(db, actor, "screening.draft_discard", "case", case_id)
