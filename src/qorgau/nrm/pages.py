"""Pages of the NRM room: the case list and search, the intake wizard, the case with its forms,
the referral inbox and the supervisor's decisions. They call the same service functions as the
JSON API (nrm.routes): each route parses its form into the schemas, calls the service, renders.

Privacy: nothing that identifies a person goes into a URL (they end up in logs and browser
histories). Searches are POSTed, cases are addressed by their id only, and every link and
redirect here is built from ids, references, codes and enumeration values. Pages that show a
person's data are sent with `Cache-Control: no-store`.

Every form works as a plain POST (303 back to the page, or the page again with the message next
to the field). htmx, where the page has it, swaps just the part that changed; htmx swaps only 2xx
answers, so a refusal it asked for comes back as 200 with the message in the swapped part.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

from babel import Locale
from fastapi import APIRouter, Depends, Form, Query, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import Response

from qorgau.auth import service as auth_service
from qorgau.auth.deps import require
from qorgau.auth.models import Agency
from qorgau.auth.permissions import Permission
from qorgau.auth.principal import Principal
from qorgau.countries import country_name, is_country
from qorgau.db import utcnow
from qorgau.errors import DomainError
from qorgau.i18n import _, current_locale, ngettext
from qorgau.l10n import format_date
from qorgau.labels import nrm_label
from qorgau.nrm import access, rules, service
from qorgau.nrm.rules import CaseAction, CaseStatus, ReferralAction, ReferralStatus
from qorgau.nrm.schemas import (
    CaseCommandIn,
    CaseCreate,
    CaseFilter,
    CaseOut,
    CasePage,
    CaseSearch,
    ConsentIn,
    GoalIn,
    GuardianIn,
    HistoryOut,
    NoteIn,
    ReferralCommandIn,
    ReferralIn,
    ReferralOut,
    RightIn,
    TaskIn,
)
from qorgau.web.deps import DB, AppSettings, roll_back
from qorgau.web.render import go_to, is_htmx, private, render, see_other

router = APIRouter(include_in_schema=False)

CaseReader = Annotated[Principal, Depends(require(Permission.CASE_READ))]
CaseWriter = Annotated[Principal, Depends(require(Permission.CASE_WRITE))]
DecisionMaker = Annotated[Principal, Depends(require(Permission.DECISION_MAKE))]
ReferralManager = Annotated[Principal, Depends(require(Permission.REFERRAL_MANAGE))]

Text = Annotated[str, Form(max_length=2000)]
LongText = Annotated[str, Form(max_length=20_000)]
Choice = Annotated[str, Form(max_length=64)]


# --- Helpers -----------------------------------------------------------------------------------


def _blank_none(values: dict[str, Any]) -> dict[str, Any]:
    """Form fields left empty are absent, not empty strings (which would fail as dates, ids...)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, str):
            v = v.strip()
            if v:
                out[k] = v
        elif v is not None:
            out[k] = v
    return out


def _split(text: str) -> list[str]:
    """ "KZ, UZ" or "kk ru" or one per line: the entries of a list typed into one field."""
    return [part for part in re.split(r"[,;\s]+", text) if part]


def _split_names(text: str) -> list[str]:
    """Other spellings of a name: several words each, so separated by commas, semicolons or lines."""
    return [part.strip() for part in re.split(r"[,;\n]+", text) if part.strip()]


def _field_message(err: Any) -> str:
    """A translated message for the usual mistakes; pydantic's own text (without the submitted
    value, which may be personal data) for the rest."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("Fill this in.")
    if kind.startswith(("date_", "datetime_")):
        return _("Enter a real date, as year-month-day (for example 1990-01-31).")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind in ("enum", "literal_error", "uuid_parsing"):
        return _("Choose one of the options.")
    if kind == "string_too_short":
        return _("Too short: at least %(min)s characters.") % {"min": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("Too long: at most %(max)s characters.") % {"max": ctx.get("max_length")}
    if kind == "too_long":
        return _("Too many entries.")
    if kind in ("greater_than_equal", "less_than_equal"):
        return _("This number is out of range.")
    return str(err.get("msg", "")).removeprefix("Value error, ")


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


def _errors(
    exc: ValidationError | DomainError, prefix: str = "", fields: Iterable[str] | None = None
) -> tuple[dict[str, str], int]:
    """A refused form's messages by field ("<prefix>.<field>"), and the status to answer with.
    A field the form does not show gets its message at the top of the form ("<prefix>.form")."""
    known = set(fields) if fields is not None else None
    pre = f"{prefix}." if prefix else ""

    def key(field: str | None) -> str:
        if field is None or (known is not None and field not in known):
            return pre + "form"
        return pre + field

    if isinstance(exc, DomainError):
        return {key(exc.field): exc.detail}, exc.status
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = _intake_field(err["loc"]) if prefix == "" else (str(err["loc"][0]) if err["loc"] else None)
        errors.setdefault(key(field), _field_message(err))
    return errors, 422


@cache
def _countries(locale: str) -> list[tuple[str, str]]:
    """(code, name) of every country, sorted by name in the language: the datalist of country fields."""
    codes = [c for c in Locale.parse("en").territories if is_country(str(c))]
    return sorted(((str(c), country_name(str(c), locale)) for c in codes), key=lambda p: p[1])


def _country(code: str | None) -> str:
    return f"{country_name(code, current_locale())} ({code})" if code else ""


def _duration(seconds: float) -> str:
    minutes = max(int(seconds // 60), 0)
    if minutes < 1:
        return _("less than a minute")
    if minutes < 60:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours}
    days = hours // 24
    return ngettext("%(num)d day", "%(num)d days", days) % {"num": days}


def _waited(referral: ReferralOut, now: datetime) -> str:
    """How long the receiving agency took to accept, or has been taking."""
    if referral.accepted_at is not None:
        seconds = (referral.accepted_at - referral.requested_at).total_seconds()
        return _("accepted after %(time)s") % {"time": _duration(seconds)}
    if referral.status in (ReferralStatus.REQUESTED, ReferralStatus.RECEIVED):
        return _("waiting for %(time)s") % {"time": _duration((now - referral.requested_at).total_seconds())}
    return ""


def _label(kind: str, value: Any) -> str:
    return nrm_label(kind, value) if value else "—"


_REFERRAL_EVENTS = {
    "received": lambda s: _("Referral received (%(service)s)") % s,
    "accepted": lambda s: _("Referral accepted (%(service)s)") % s,
    "rejected": lambda s: _("Referral rejected (%(service)s)") % s,
    "in_progress": lambda s: _("Service started (%(service)s)") % s,
    "completed": lambda s: _("Service completed (%(service)s)") % s,
    "failed": lambda s: _("Service could not be provided (%(service)s)") % s,
    "cancelled": lambda s: _("Referral cancelled (%(service)s)") % s,
}


def timeline_sentence(entry: HistoryOut) -> str:
    """One event of a case's history as a sentence in the reader's language. Parameters are
    codes and ids only (service._history), so nothing personal can appear here."""
    p = entry.params
    kind = entry.kind
    if kind == "case.opened":
        return _("Case opened; the person is a child") if p.get("child") else _("Case opened")
    if kind == "status.changed":
        text = _("Status: %(old)s → %(new)s") % {
            "old": _label("case_status", p.get("old")),
            "new": _label("case_status", p.get("new")),
        }
        if p.get("closure_reason"):
            text += " · " + _label("closure_reason", p["closure_reason"])
        if p.get("at_persons_request"):
            text += " · " + _("at the person's request")
        return text
    if kind == "referral.requested":
        text = _("Referred to %(agency)s (%(service)s)") % {
            "agency": p.get("to_agency", "?"),
            "service": _label("service", p.get("service")),
        }
        if p.get("auto"):
            text += " · " + _("automatically: a child is referred to child protection at once")
        return text
    if kind.startswith("referral.") and kind.removeprefix("referral.") in _REFERRAL_EVENTS:
        return _REFERRAL_EVENTS[kind.removeprefix("referral.")](
            {"service": _label("service", p.get("service"))}
        )
    if kind == "notification.due":
        return _("The home country %(country)s is to be notified, with the person's consent") % {
            "country": _country(str(p.get("country") or ""))
        }
    if kind in ("consent.given", "consent.withdrawn"):
        purpose = _label("consent_purpose", p.get("purpose"))
        if p.get("country"):
            purpose += f" ({p['country']})"
        if kind == "consent.given":
            return _("Consent given: %(purpose)s") % {"purpose": purpose}
        return _("Consent withdrawn: %(purpose)s") % {"purpose": purpose}
    if kind in ("right.offered", "right.accepted", "right.declined"):
        right = {"right": _label("right_kind", p.get("right"))}
        if kind == "right.offered":
            return _("Right offered: %(right)s") % right
        if kind == "right.accepted":
            return _("Right accepted: %(right)s") % right
        return _("Right declined: %(right)s") % right
    if kind == "guardian.set":
        return _("Guardian recorded") if p.get("has_guardian") else _("Guardian removed")
    if kind == "case.assigned":
        return _("Case assigned to an officer")
    if kind == "plan.goal_added":
        return _("Goal added to the case plan")
    if kind == "plan.task_added":
        if p.get("due_on"):
            return _("Task added to the case plan, due %(date)s") % {"date": format_date(str(p["due_on"]))}
        return _("Task added to the case plan")
    if kind == "plan.task_done":
        return _("Task done")
    if kind == "note.added":
        return _("Note added")
    if kind == "break_glass.opened":
        return _("Emergency access opened by an officer outside the case (break-glass)")
    if kind == "screening.recorded":
        from qorgau.screening import service as screening  # the room above, as in case_page

        return _("Screening recorded: %(outcome)s (ruleset %(ruleset)s)") % {
            "outcome": screening.outcome_label(str(p.get("outcome") or "")),
            "ruleset": p.get("ruleset", "?"),
        }
    return kind


# --- The case list and search ------------------------------------------------------------------

PAGE_SIZE = 50  # cases on one page of the list


class _ListForm(BaseModel):
    status: str = ""
    country: str = ""
    exploitation_type: str = ""
    overdue: bool = False


def _cases_page(
    request: Request,
    principal: Principal,
    page: CasePage | None,
    *,
    filters: _ListForm,
    search: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    next_url = None
    if page is not None and page.next and search is None:
        query = _blank_none(filters.model_dump(exclude={"overdue"}))
        if filters.overdue:
            query["overdue"] = "true"
        next_url = "/cases?" + urlencode({**query, "after": page.next})
    ctx = {
        "page": page,
        "filters": filters,
        "search": search or {"name": "", "birth_date": "", "document_number": ""},
        "searched": search is not None,
        "next_url": next_url,
        "errors": errors or {},
        "can_write": principal.can(Permission.CASE_WRITE),
        "country": _country,
    }
    if search is not None and is_htmx(request):
        return private(render(request, "nrm/_case_results.html", ctx))
    return private(render(request, "nrm/cases.html", ctx, status_code=status_code))


@router.get("/cases")
def cases(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: CaseReader,
    status: Annotated[str, Query(max_length=32)] = "",
    country: Annotated[str, Query(max_length=8)] = "",
    exploitation_type: Annotated[str, Query(max_length=32)] = "",
    overdue: Annotated[str, Query(max_length=8)] = "",
    after: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    filters = _ListForm(
        status=status,
        country=country,
        exploitation_type=exploitation_type,
        overdue=overdue in ("1", "true", "on"),
    )
    try:
        f = CaseFilter.model_validate(
            _blank_none({**filters.model_dump(), "after": after, "limit": PAGE_SIZE})
        )
        page = CasePage.model_validate(service.list_cases(db, principal, settings, f))
    except (ValidationError, DomainError) as exc:
        roll_back(db, exc)
        errors, code = _errors(exc, "filter", ["status", "country", "exploitation_type", "after"])
        return _cases_page(request, principal, None, filters=filters, errors=errors, status_code=code)
    # The filters as understood ("kz" is KZ), for the form and the next page's link.
    filters.country = f.country or ""
    return _cases_page(request, principal, page, filters=filters)


@router.post("/cases/search")
def search_cases(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: CaseReader,
    name: Annotated[str, Form(max_length=200)] = "",
    birth_date: Annotated[str, Form(max_length=32)] = "",
    document_number: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    search = {"name": name, "birth_date": birth_date, "document_number": document_number}
    filters = _ListForm()
    terms = _blank_none(search)
    if not terms:
        errors = {"search.form": _("Enter a name, a birth date or a document number.")}
        status_code = 200 if is_htmx(request) else 422
        return _cases_page(
            request, principal, None, filters=filters, search=search, errors=errors, status_code=status_code
        )
    try:
        page = CasePage.model_validate(
            service.list_cases(
                db, principal, settings, CaseSearch.model_validate({**terms, "limit": PAGE_SIZE})
            )
        )
    except (ValidationError, DomainError) as exc:
        roll_back(db, exc)
        errors, code = _errors(exc, "search", search)
        status_code = 200 if is_htmx(request) else code
        return _cases_page(
            request, principal, None, filters=filters, search=search, errors=errors, status_code=status_code
        )
    return _cases_page(request, principal, page, filters=filters, search=search)


# --- Intake ------------------------------------------------------------------------------------


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
    document = _blank_none(
        {"type": form.document_type, "number": form.document_number, "issuing_country": form.document_country}
    )
    person = _blank_none(
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
    data = _blank_none(
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
        "country": _country,
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
        errors, _status = _errors(exc)
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
        shown, code = _errors(exc, fields=_STEP_OF)
        step = _STEP_OF.get(exc.field or "", 3)
        return _intake_page(request, form, step, data=data, errors=shown, status_code=code)
    return go_to(request, f"/cases/{case.id}")


# --- One case ----------------------------------------------------------------------------------

# The sections of the case page that htmx can swap on their own (nrm/_case_<name>.html).
SWAPPABLE = ("consents", "rights", "plan", "notes")
_REASONED = frozenset({CaseAction.DECIDE_NOT_A_VICTIM, CaseAction.CLOSE, CaseAction.REOPEN})


def _action_forms(case: CaseOut, principal: Principal) -> list[dict[str, Any]]:
    """The case's steps as forms: those the service allows now, then the forced steps the
    reflection period holds back, which only the person's own request lets through. None where
    the access only reads (a referral's part, break-glass)."""
    if not access.may_write(case.access):
        return []
    facts = rules.CaseFacts(
        status=case.status,
        status_before_close=None,
        is_child=case.is_child,
        has_guardian=case.has_guardian,
        reflection_ends_on=case.reflection_ends_on,
        today=utcnow().date(),
    )

    def form(action: CaseAction, at_request: bool) -> dict[str, Any]:
        reasons = (
            rules.allowed_closure_reasons(facts, at_persons_request=at_request)
            if action == CaseAction.CLOSE
            else []
        )
        return {
            "action": action.value,
            "id": f"action-{action.value}{'-asked' if at_request else ''}",
            "needs_reason": action in _REASONED,
            "closure_reasons": reasons,
            "at_request": at_request,
            "decision": rules.ACTION_PERMISSION[action] == Permission.DECISION_MAKE,
        }

    forms = [form(a, False) for a in case.allowed_actions]
    if case.status != CaseStatus.CLOSED and facts.in_reflection_period:
        held = [
            a
            for a in rules.allowed_actions(facts, at_persons_request=True)
            if a not in case.allowed_actions and principal.can(rules.ACTION_PERMISSION[a])
        ]
        forms += [form(a, True) for a in held]
    return forms


def _screenings(db: DB, principal: Principal, case: CaseOut) -> list[dict[str, Any]]:
    """The case's screenings (outcome and date), through the screening room's service. Imported
    here: the screening room imports this room's service, so a module-level import would loop."""
    from qorgau.screening import service as screening

    if case.access == "referral":
        return []
    return [
        {**s, "label": screening.outcome_label(s["outcome"])}
        for s in screening.case_screening_list(db, principal, case.id)
    ]


def _case_context(db: DB, settings: AppSettings, principal: Principal, case_id: uuid.UUID) -> dict[str, Any]:
    case = CaseOut.model_validate(service.view_case(db, principal, settings, case_id))
    agencies: list[Agency] = auth_service.list_agencies(db, principal)
    now = utcnow()
    goals = [item for item in case.plan if item.kind == "goal"]
    tasks: dict[uuid.UUID | None, list[Any]] = defaultdict(list)
    for item in case.plan:
        if item.kind == "task":
            tasks[item.goal_id].append(item)
    recorded_rights = {r.kind for r in case.rights}
    return {
        "case": case,
        "agencies": agencies,
        "agency_code": {a.id: a.code for a in agencies},
        "actions": _action_forms(case, principal),
        "timeline": [(entry.at, timeline_sentence(entry)) for entry in case.timeline],
        "waited": {r.id: _waited(r, now) for r in case.referrals},
        "goals": goals,
        "tasks": tasks,
        "rights_to_offer": [k for k in rules.RightKind if k not in recorded_rights],
        "in_reflection": case.reflection_ends_on is not None and now.date() < case.reflection_ends_on,
        # Break-glass reads only (nrm.access.require_write): no forms to change the case.
        "can_write": principal.can(Permission.CASE_WRITE) and access.may_write(case.access),
        "can_refer": principal.can(Permission.REFERRAL_MANAGE) and access.may_write(case.access),
        "can_screen": principal.can(Permission.CASE_WRITE)
        and principal.can(Permission.SCREENING_RUN)
        and access.may_write(case.access),
        "screenings": _screenings(db, principal, case),
        "country": _country,
        "today": now.date(),
    }


def _orphans_to(errors: dict[str, str], shown: set[str], prefix: str, fallback: str) -> dict[str, str]:
    """Messages for a form the page no longer shows (the case or referral moved on meanwhile, or a
    stale page was sent) go to `fallback`, a place the page always shows, rather than nowhere."""
    out: dict[str, str] = {}
    for key, message in errors.items():
        form = key.partition(".")[0]
        if form.startswith(prefix) and form not in shown:
            out.setdefault(fallback, message)
        else:
            out[key] = message
    return out


def _case_page(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    case_id: uuid.UUID,
    *,
    section: str | None = None,
    errors: dict[str, str] | None = None,
    posted: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = _case_context(db, settings, principal, case_id)
    errors = _orphans_to(errors or {}, {a["id"] for a in ctx["actions"]}, "action-", "action.form")
    active = {f"referral-{r.id}-cancel" for r in ctx["case"].referrals if r.status in rules.ACTIVE_REFERRAL}
    errors = _orphans_to(errors, active, "referral-", "referrals.form")
    if ctx["case"].access == "referral" and errors:
        # The limited view has none of the forms: the message goes at the top of the page.
        errors = {"page.form": next(iter(errors.values()))}
    ctx.update(errors=errors, posted=posted or {}, section=section)
    if section in SWAPPABLE and is_htmx(request):
        # The section that changed, and the timeline out of band (it has a new line).
        return private(render(request, "nrm/_case_swap.html", ctx))
    return private(render(request, "nrm/case.html", ctx, status_code=status_code))


def _case_form_done(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    case_id: uuid.UUID,
    section: str,
) -> Response:
    if section in SWAPPABLE and is_htmx(request):
        return _case_page(request, db, settings, principal, case_id, section=section)
    return see_other(f"/cases/{case_id}#case-{section}")


def _case_form_refused(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    case_id: uuid.UUID,
    exc: ValidationError | DomainError,
    *,
    form: str,
    section: str,
    values: dict[str, Any],
) -> Response:
    roll_back(db, exc)
    errors, code = _errors(exc, form, values)
    return _case_page(
        request,
        db,
        settings,
        principal,
        case_id,
        section=section,
        errors=errors,
        posted={form: values},
        status_code=code,
    )


@router.get("/cases/{case_id}")
def case_view(
    request: Request, case_id: uuid.UUID, db: DB, settings: AppSettings, principal: CaseReader
) -> Response:
    return _case_page(request, db, settings, principal, case_id)


@router.post("/cases/{case_id}/actions")
def case_action(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    action: Choice = "",
    reason: Text = "",
    closure_reason: Choice = "",
    at_persons_request: Choice = "",
    form_id: Choice = "",
) -> Response:
    values = {
        "action": action,
        "reason": reason,
        "closure_reason": closure_reason,
        "at_persons_request": bool(at_persons_request),
    }
    try:
        body = CaseCommandIn.model_validate(_blank_none(values))
        service.act_on_case(db, principal, settings, case_id, body)
    except (ValidationError, DomainError) as exc:
        # The message goes to the form that was sent (a step may have two: as usual, and at
        # the person's request during the reflection period).
        form = form_id if re.fullmatch(r"action-[a-z_]+(-asked)?", form_id) else "action"
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form=form, section="status", values=values
        )
    return see_other(f"/cases/{case_id}")


@router.post("/cases/{case_id}/guardian")
def case_guardian(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    has_guardian: Choice = "",
    guardian: Text = "",
) -> Response:
    values = {"has_guardian": bool(has_guardian), "guardian": guardian}
    try:
        service.set_guardian(db, principal, settings, case_id, GuardianIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="guardian", section="status", values=values
        )
    return see_other(f"/cases/{case_id}")


@router.post("/cases/{case_id}/consents")
def case_consent(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    purpose: Choice = "",
    agency_id: Choice = "",
    country: Choice = "",
) -> Response:
    values = {"purpose": purpose, "agency_id": agency_id, "country": country}
    try:
        service.give_consent(db, principal, case_id, ConsentIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="consent", section="consents", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "consents")


@router.post("/cases/{case_id}/consents/{consent_id}/withdraw")
def case_consent_withdraw(
    request: Request,
    case_id: uuid.UUID,
    consent_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
) -> Response:
    try:
        service.withdraw_consent(db, principal, case_id, consent_id)
    except DomainError as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="consent", section="consents", values={}
        )
    return _case_form_done(request, db, settings, principal, case_id, "consents")


@router.post("/cases/{case_id}/rights")
def case_right(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    kind: Choice = "",
    status: Choice = "",
) -> Response:
    values = {"kind": kind, "status": status}
    try:
        service.set_right(db, principal, case_id, RightIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="right", section="rights", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "rights")


@router.post("/cases/{case_id}/referrals")
def case_refer(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: ReferralManager,
    to_agency_id: Choice = "",
    service_type: Choice = "",
    needs: Text = "",
    consent_exception: Choice = "",
    exception_reason: Text = "",
) -> Response:
    values = {
        "to_agency_id": to_agency_id,
        "service": service_type,
        "needs": needs,
        "consent_exception": consent_exception,
        "exception_reason": exception_reason,
    }
    try:
        service.refer(db, principal, settings, case_id, ReferralIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request,
            db,
            settings,
            principal,
            case_id,
            exc,
            form="referral",
            section="referrals",
            values=values,
        )
    return see_other(f"/cases/{case_id}#case-referrals")


@router.post("/cases/{case_id}/plan/goals")
def case_goal(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    title: Text = "",
) -> Response:
    values = {"title": title}
    try:
        service.add_goal(db, principal, settings, case_id, GoalIn.model_validate(values))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="goal", section="plan", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "plan")


@router.post("/cases/{case_id}/plan/tasks")
def case_task(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    title: Text = "",
    goal_id: Choice = "",
    due_on: Choice = "",
) -> Response:
    values = {"title": title, "goal_id": goal_id, "due_on": due_on}
    try:
        service.add_task(db, principal, settings, case_id, TaskIn.model_validate(_blank_none(values)))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="task", section="plan", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "plan")


@router.post("/cases/{case_id}/plan/tasks/{task_id}/done")
def case_task_done(
    request: Request,
    case_id: uuid.UUID,
    task_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
) -> Response:
    try:
        service.complete_task(db, principal, case_id, task_id)
    except DomainError as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="task", section="plan", values={}
        )
    return _case_form_done(request, db, settings, principal, case_id, "plan")


@router.post("/cases/{case_id}/notes")
def case_note(
    request: Request,
    case_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: CaseWriter,
    text: LongText = "",
) -> Response:
    values = {"text": text}
    try:
        service.add_note(db, principal, settings, case_id, NoteIn.model_validate(values))
    except (ValidationError, DomainError) as exc:
        return _case_form_refused(
            request, db, settings, principal, case_id, exc, form="note", section="notes", values=values
        )
    return _case_form_done(request, db, settings, principal, case_id, "notes")


# --- Referral inbox ----------------------------------------------------------------------------

_NEEDS_REASON = frozenset({ReferralAction.REJECT, ReferralAction.FAIL, ReferralAction.CANCEL})


def _receiver_actions(status: ReferralStatus) -> list[ReferralAction]:
    """The receiving agency's steps on a referral in this status (cancelling is the sender's)."""
    return [a for a in rules.allowed_referral_actions(status) if rules.REFERRAL_ACTION_SIDE[a] == "receiver"]


def _inbox_page(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    referrals = [ReferralOut.model_validate(r) for r in service.referral_inbox(db, principal, settings)]
    now = utcnow()
    rows = [
        {
            "referral": r,
            "waited": _waited(r, now),
            "actions": [
                {"action": a.value, "needs_reason": a in _NEEDS_REASON} for a in _receiver_actions(r.status)
            ],
        }
        for r in referrals
    ]
    shown = {f"referral-{r.id}-{a.value}" for r in referrals for a in _receiver_actions(r.status)}
    ctx = {
        "rows": rows,
        "errors": _orphans_to(errors or {}, shown, "referral", "inbox.form"),
        "posted": posted or {},
    }
    return private(render(request, "nrm/referrals.html", ctx, status_code=status_code))


@router.get("/referrals")
def referrals(request: Request, db: DB, settings: AppSettings, principal: ReferralManager) -> Response:
    return _inbox_page(request, db, settings, principal)


@router.post("/referrals/{referral_id}/actions")
def referral_action(
    request: Request,
    referral_id: uuid.UUID,
    db: DB,
    settings: AppSettings,
    principal: ReferralManager,
    action: Choice = "",
    reason: Text = "",
    case_id: Choice = "",
) -> Response:
    """A step on a referral. From the inbox (the receiving agency) it returns to the inbox; from
    the case page (`case_id` sent: the referring side cancels) it returns to the case."""
    values = {"action": action, "reason": reason}
    back_to_case: uuid.UUID | None = None
    if case_id:
        try:
            back_to_case = uuid.UUID(case_id)
        except ValueError:
            back_to_case = None
    try:
        body = ReferralCommandIn.model_validate(_blank_none(values))
        service.act_on_referral(db, principal, settings, referral_id, body)
    except (ValidationError, DomainError) as exc:
        form = f"referral-{referral_id}-{action}" if re.fullmatch(r"[a-z_]{1,32}", action) else "referral"
        if back_to_case is not None:
            return _case_form_refused(
                request,
                db,
                settings,
                principal,
                back_to_case,
                exc,
                form=form,
                section="referrals",
                values=values,
            )
        roll_back(db, exc)
        errors, code = _errors(exc, form, values)
        return _inbox_page(
            request, db, settings, principal, errors=errors, posted={form: values}, status_code=code
        )
    if back_to_case is not None:
        return see_other(f"/cases/{back_to_case}#case-referrals")
    return see_other("/referrals")


# --- Decisions ---------------------------------------------------------------------------------

WAITING_FOR_DECISION = (CaseStatus.SCREENING, CaseStatus.POTENTIAL_VICTIM)


def _decisions_page(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    waiting = []
    for status in WAITING_FOR_DECISION:
        f = CaseFilter(status=status, agency_id=principal.agency_id, limit=200)
        waiting += CasePage.model_validate(service.list_cases(db, principal, settings, f)).items
    waiting.sort(key=lambda c: (c.reported_on, c.reference))
    ctx = {
        "waiting": waiting,
        "break_glass": service.pending_break_glass(db, principal, settings),
        "errors": errors or {},
        "country": _country,
    }
    return private(render(request, "nrm/decisions.html", ctx, status_code=status_code))


@router.get("/decisions")
def decisions(request: Request, db: DB, settings: AppSettings, principal: DecisionMaker) -> Response:
    return _decisions_page(request, db, settings, principal)


@router.post("/decisions/break-glass/{grant_id}/review")
def review_break_glass(
    request: Request, grant_id: uuid.UUID, db: DB, settings: AppSettings, principal: DecisionMaker
) -> Response:
    try:
        service.review_break_glass(db, principal, grant_id)
    except DomainError as exc:
        roll_back(db, exc)
        errors, code = _errors(exc, "review", [])
        return _decisions_page(request, db, settings, principal, errors=errors, status_code=code)
    return see_other("/decisions")
