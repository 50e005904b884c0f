"""The intake wizard: three steps whose fields all travel in every POST (nothing is kept on
the server between steps), then the registration with its possible-duplicate check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import Response

from qorgau.errors import DomainError
from qorgau.i18n import current_locale
from qorgau.nrm import service
from qorgau.nrm.pages.common import (
    CaseWriter,
    _countries,
    _split,
    _split_names,
)
from qorgau.nrm.schemas import (
    CaseCreate,
)
from qorgau.web import forms
from qorgau.web.deps import DB, AppSettings, roll_back
from qorgau.web.render import country_label, go_to, is_htmx, private, render

router = APIRouter(include_in_schema=False)


def _intake_field(loc: Sequence[Any]) -> str:
    """The intake form's field for a CaseCreate error location."""
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if parts and parts[0] == "person":
        parts = parts[1:]
    if not parts:
        return "form"
    if parts[0] == "documents":
        last = parts[-1] if len(parts) > 1 else "number"
        return "document_country" if last == "issuing_country" else f"document_{last}"
    return parts[0]


class IntakeForm(BaseModel):
    """The intake wizard's fields, as typed. Every step posts all of them (the other steps' as
    hidden fields, in the POST body), so nothing is kept between requests on the server."""

    family_name: str = Field(default="", max_length=400)
    given_name: str = Field(default="", max_length=400)
    patronymic: str = Field(default="", max_length=400)
    other_names: str = Field(default="", max_length=2000)
    sex: str = Field(default="unknown", max_length=32)
    birth_date: str = Field(default="", max_length=32)
    estimated_age: str = Field(default="", max_length=8)
    citizenships: str = Field(default="", max_length=200)
    document_type: str = Field(default="passport", max_length=32)
    document_number: str = Field(default="", max_length=200)
    document_country: str = Field(default="", max_length=32)
    languages: str = Field(default="", max_length=400)
    exploitation_types: list[str] = Field(default_factory=list, max_length=16)
    recruitment_country: str = Field(default="", max_length=32)
    recruitment_place: str = Field(default="", max_length=1000)
    transit_countries: str = Field(default="", max_length=400)
    destination_country: str = Field(default="", max_length=32)
    destination_place: str = Field(default="", max_length=1000)
    found_in_country: str = Field(default="", max_length=32)
    narrative: str = Field(default="", max_length=20_000)
    has_guardian: bool = False
    potential_victim: bool = False
    acknowledge_possible_duplicate: bool = False
    go: str = Field(default="", max_length=16)  # the button pressed: a step number, or "register"


INTAKE_STEPS: dict[int, list[str]] = {
    1: [
        "family_name",
        "given_name",
        "patronymic",
        "other_names",
        "sex",
        "birth_date",
        "estimated_age",
        "citizenships",
        "document_type",
        "document_number",
        "document_country",
        "languages",
    ],
    2: [
        "exploitation_types",
        "recruitment_country",
        "recruitment_place",
        "transit_countries",
        "destination_country",
        "destination_place",
        "found_in_country",
        "narrative",
        "has_guardian",
        "potential_victim",
    ],
    3: ["acknowledge_possible_duplicate"],
}
_STEP_OF = {field: step for step, fields in INTAKE_STEPS.items() for field in fields}


def _case_create(form: IntakeForm) -> CaseCreate:
    document = forms.blank_none(
        {"type": form.document_type, "number": form.document_number, "issuing_country": form.document_country}
    )
    person = forms.blank_none(
        {
            "family_name": form.family_name,
            "given_name": form.given_name,
            "patronymic": form.patronymic,
            "sex": form.sex,
            "birth_date": form.birth_date,
            "estimated_age": form.estimated_age,
        }
    )
    person.update(
        other_names=_split_names(form.other_names),
        citizenships=_split(form.citizenships),
        languages=_split(form.languages),
        # A document is recorded once its number or country is given; its type alone is the default.
        documents=[document] if document.keys() - {"type"} else [],
    )
    data = forms.blank_none(
        {
            "recruitment_country": form.recruitment_country,
            "recruitment_place": form.recruitment_place,
            "destination_country": form.destination_country,
            "destination_place": form.destination_place,
            "found_in_country": form.found_in_country,
            "narrative": form.narrative,
        }
    )
    data.update(
        person=person,
        exploitation_types=form.exploitation_types,
        transit_countries=_split(form.transit_countries),
        has_guardian=form.has_guardian,
        acknowledge_possible_duplicate=form.acknowledge_possible_duplicate,
    )
    return CaseCreate.model_validate(data)


def _intake_page(
    request: Request,
    form: IntakeForm,
    step: int,
    *,
    data: CaseCreate | None = None,
    errors: dict[str, str] | None = None,
    duplicate: str | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "form": form,
        "step": step,
        "steps": INTAKE_STEPS,
        "data": data,
        "errors": errors or {},
        "duplicate": duplicate,
        "countries": _countries(current_locale()),
        "country": country_label,
    }
    if is_htmx(request):
        status_code = 200
    return private(render(request, "nrm/intake.html", ctx, status_code=status_code))


@router.get("/cases/new")
def intake_form(request: Request, settings: AppSettings, principal: CaseWriter) -> Response:
    return _intake_page(request, IntakeForm(found_in_country=settings.node_country), 1)


@router.post("/cases/new")
def intake(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    form: Annotated[IntakeForm, Form()],
) -> Response:
    target = int(form.go) if form.go in ("1", "2", "3") else 3
    errors: dict[str, str] = {}
    data = None
    try:
        data = _case_create(form)
    except ValidationError as exc:
        errors, _status = forms.form_errors(exc, locate=_intake_field)
    if errors:
        first_bad = min(_STEP_OF.get(field, 1) for field in errors)
        if first_bad < target or form.go == "register":
            # The steps before the one asked for must be right: show the first one that is not.
            shown = {k: v for k, v in errors.items() if _STEP_OF.get(k, 1) == first_bad}
            return _intake_page(request, form, first_bad, errors=shown, status_code=422)
        return _intake_page(request, form, target)
    if form.go != "register" or data is None:
        return _intake_page(request, form, target, data=data)
    try:
        case = service.register_case(db, principal, settings, data, potential_victim=form.potential_victim)
    except DomainError as exc:
        roll_back(db, exc)
        if exc.field == "acknowledge_possible_duplicate":
            return _intake_page(request, form, 3, data=data, duplicate=exc.detail, status_code=exc.status)
        shown, code = forms.form_errors(exc, fields=_STEP_OF)
        step = _STEP_OF.get(exc.field or "", 3)
        return _intake_page(request, form, step, data=data, errors=shown, status_code=code)
    return go_to(request, f"/cases/{case.id}")
