"""Pages of the screening room: the countries' legal profiles side by side; the screening
questionnaire of a case, one step at a time and saved as it goes; a recorded screening, and its
printable record (PDF).

As on the NRM pages, nothing that identifies a person goes into a URL (cases and screenings are
addressed by id, the PDF is named by the case's reference), pages with a case's data are sent with
`Cache-Control: no-store`, and every form works as a plain POST (303) with htmx swapping only the
questionnaire where the browser has it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from qorgau import l10n
from qorgau.audit import service as audit
from qorgau.auth.deps import require
from qorgau.errors import DomainError
from qorgau.i18n import _
from qorgau.nrm.schemas import CaseOut
from qorgau.nrm.sections import CaseSection
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.screening import drafts, profiles, record_pdf, service
from qorgau.screening.catalog import indicator_hint, indicator_label
from qorgau.screening.ruleset import current_ruleset
from qorgau.screening.schemas import CaseScreeningIn
from qorgau.web.csrf import Public
from qorgau.web.deps import DB, AppSettings, roll_back
from qorgau.web.render import country_label, go_to, is_htmx, private, render, see_other

router = APIRouter(include_in_schema=False)

# Screening a case moves it on: case work, as in the JSON API (screening.routes).
CaseScreener = Annotated[Principal, Depends(require(Permission.CASE_WRITE))]
Choice = Annotated[str, Form(max_length=64)]
Codes = Annotated[list[str], Form(max_length=400)]


@router.get("/screening/profiles", dependencies=[Public])
def compare_profiles(request: Request, settings: AppSettings) -> Response:
    """The law of each country, as the screening applies it, with its sources. Public: it holds
    no personal data, and people and observers should be able to read what officers apply."""
    chosen = profiles.bundled_profiles()
    return render(
        request,
        "screening/profiles.html",
        {
            "countries": list(chosen.values()),
            "rows": profiles.comparison_rows(chosen, settings.reflection_days),
        },
    )


# --- The questionnaire -------------------------------------------------------------------------


def _step_title(step: drafts.Step) -> str:
    title = _(step.title)
    return title % {k: country_label(v) for k, v in step.params} if step.params else title


def _questionnaire_page(
    request: Request,
    subject: Any,
    steps: list[drafts.Step],
    step: drafts.Step,
    draft: drafts.Draft,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    answers = draft.indicators
    chosen = [
        (s, [i for g in s.groups for i in g.indicators if i.code in answers]) for s in steps if s.groups
    ]
    ctx = {
        "subject": subject,
        "steps": steps,
        "step": step,
        "number": steps.index(step) + 1,
        "answers": answers,
        "judged_child": draft.judged_child,
        "case_child": _case_child(subject),
        "chosen": chosen,
        "errors": errors or {},
        "label": indicator_label,
        "hint": indicator_hint,
        "country": country_label,
        "step_title": _step_title,
    }
    if is_htmx(request):
        status_code = 200  # htmx swaps only 2xx answers; the message is in the swapped form
    return private(render(request, "screening/questionnaire.html", ctx, status_code=status_code))


def _steps(subject: Any, judged_child: bool) -> list[drafts.Step]:
    return drafts.questionnaire(
        current_ruleset(), child=_case_child(subject) or judged_child, country=subject.country
    )


def _case_child(subject: Any) -> bool:
    """The case itself says the person is a child (recorded as one, or under 18 by their age)."""
    return bool(subject.is_child or (subject.age is not None and subject.age < 18))


def _setup(
    db: DB, settings: AppSettings, principal: Principal, case_id: uuid.UUID
) -> tuple[Any, drafts.Draft]:
    subject = service.questionnaire_subject(db, principal, settings, case_id)
    draft = drafts.load_draft(db, principal, settings, case_id) or drafts.Draft("", frozenset())
    return subject, draft


@router.get("/cases/{case_id}/screening")
def questionnaire(
    request: Request, case_id: uuid.UUID, db: DB, settings: AppSettings, principal: CaseScreener
) -> Response:
    """The questionnaire, at the step the officer left it (or the first), with their answers."""
    subject, draft = _setup(db, settings, principal, case_id)
    steps = _steps(subject, draft.judged_child)
    step = drafts.step_by_id(steps, draft.step)
    return _questionnaire_page(request, subject, steps, step, draft)


@router.post("/cases/{case_id}/screening")
def questionnaire_step(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseScreener,
    step: Choice = "",
    go: Choice = "next",
    child: Choice = "",
    indicator: Codes = [],  # noqa: B006 (FastAPI copies the default)
) -> Response:
    """Save this step's answers to the draft, then show the step asked for; on the review step,
    "record" stores the screening, deletes the draft and shows the result; "discard" throws the
    draft away and goes back to the case."""
    subject, draft = _setup(db, settings, principal, case_id)
    if go == "discard":
        drafts.discard_draft(db, principal, case_id)
        return go_to(request, f"/cases/{case_id}")
    steps = _steps(subject, draft.judged_child)
    current = drafts.step_by_id(steps, step)
    judged, answers = draft.judged_child, draft.indicators
    if current.id == drafts.PERSON:
        judged = child == "yes"
        steps = _steps(subject, judged)
        current = drafts.step_by_id(steps, drafts.PERSON)
        # The other age group's operational indicators are no longer asked: drop their answers.
        answers = answers & drafts.asked(steps)
    try:
        answers = drafts.answer_step(answers, current, indicator)
    except DomainError as exc:
        roll_back(db, exc)
        errors = {"indicators": exc.detail}
        return _questionnaire_page(
            request, subject, steps, current, draft, errors=errors, status_code=exc.status
        )
    if go == "record" and current.id == drafts.REVIEW:
        try:
            screening = CaseScreeningIn(indicators=sorted(answers), is_child=True if judged else None)
            stored = service.screen_case(db, principal, settings, case_id, screening)
            drafts.discard_draft(db, principal, case_id, recorded=True)
        except DomainError as exc:
            roll_back(db, exc)
            return _questionnaire_page(
                request, subject, steps, current, draft, errors={"form": exc.detail}, status_code=exc.status
            )
        return go_to(request, f"/cases/{case_id}/screenings/{stored['id']}")
    saved = drafts.Draft(drafts.neighbour(steps, current, go).id, answers, judged)
    drafts.save_draft(db, principal, settings, case_id, saved)
    if is_htmx(request):
        return _questionnaire_page(request, subject, steps, drafts.step_by_id(steps, saved.step), saved)
    return see_other(f"/cases/{case_id}/screening")


# --- A recorded screening ----------------------------------------------------------------------


# The PDF's route comes first: the result's would take "<id>.pdf" as its id.
@router.get("/cases/{case_id}/screenings/{screening_id}.pdf")
def screening_pdf(
    case_id: uuid.UUID,
    screening_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseScreener,
) -> Response:
    """The printable screening record, for the case file. Every download is audited."""
    if not record_pdf.fonts_available():
        return Response(
            _("The font for printable records is not installed: install the package %(package)s.")
            % {"package": record_pdf.FONT_PACKAGE},
            status_code=503,
            media_type="text/plain; charset=utf-8",
        )
    record = service.screening_record(db, principal, settings, case_id, screening_id)
    date = record["screened_at"].strftime("%Y-%m-%d")
    values = record_pdf.RecordValues(
        reference=record["reference"],
        # A document that leaves the system: its time says in which zone it is.
        screened_at=f"{l10n.format_datetime(record['screened_at'])} ({l10n.current_zone()})",
        officer=record["officer"],
        country=country_label(record["country"]),
        ruleset_version=record["ruleset_version"],
        outcome=service.outcome_label(record["outcome"]),
        rationale=record["rationale"],
        fired=record["fired"],
        indicators=record["indicators"],
    )
    body = record_pdf.build_record_pdf(values)
    audit.record(
        db, principal, "screening.download", "case", case_id, details={"screening": str(screening_id)}
    )
    filename = f"screening-{record['reference']}-{date}.pdf"
    return private(
        Response(
            body,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )


@router.get("/cases/{case_id}/screenings/{screening_id}")
def screening_result(
    request: Request,
    case_id: uuid.UUID,
    screening_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseScreener,
) -> Response:
    record = service.screening_record(db, principal, settings, case_id, screening_id)
    ctx = {"s": record, "outcome": service.outcome_label(record["outcome"]), "country": country_label}
    return private(render(request, "screening/result.html", ctx))


# --- The case page's section (nrm.sections): the case's screenings and the way to screen it -----


def _case_part(db: Session, principal: Principal, case: CaseOut, may_write: bool) -> dict[str, Any]:
    """The screenings of the case (outcome and date) and whether the principal may screen it."""
    return {
        "can_screen": may_write
        and principal.can(Permission.CASE_WRITE)
        and principal.can(Permission.SCREENING_RUN),
        "screenings": [
            {**s, "label": service.outcome_label(s["outcome"])}
            for s in service.case_screening_list(db, principal, case.id)
        ],
    }


CASE_SECTION = CaseSection("screening/_case_screenings.html", _case_part)
