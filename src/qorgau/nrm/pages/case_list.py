"""The case list, its filters and the search by name, birth date or document number."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from qorgau.i18n import _
from qorgau.nrm import service
from qorgau.nrm.pages.common import CaseReader
from qorgau.nrm.schemas import (
    CaseFilter,
    CasePage,
    CaseSearch,
)
from qorgau.permissions import Permission
from qorgau.principal import Principal
from qorgau.web import forms
from qorgau.web.deps import DB, AppSettings
from qorgau.web.render import country_label, is_htmx, private, render

router = APIRouter(include_in_schema=False)


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
        query = forms.blank_none(filters.model_dump(exclude={"overdue"}))
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
        "country": country_label,
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

    def act() -> tuple[CaseFilter, CasePage]:
        f = forms.parse(CaseFilter, {**filters.model_dump(), "after": after, "limit": PAGE_SIZE})
        return f, CasePage.model_validate(service.list_cases(db, principal, settings, f))

    def done(result: tuple[CaseFilter, CasePage]) -> Response:
        f, page = result
        # The filters as understood ("kz" is KZ), for the form and the next page's link.
        filters.country = f.country or ""
        return _cases_page(request, principal, page, filters=filters)

    return forms.submit(
        db,
        act,
        done=done,
        refused=lambda errors, code: _cases_page(
            request, principal, None, filters=filters, errors=errors, status_code=code
        ),
        form="filter",
        fields=["status", "country", "exploitation_type", "after"],
    )


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
    terms = forms.blank_none(search)
    if not terms:
        errors = {"search.form": _("Enter a name, a birth date or a document number.")}
        status_code = 200 if is_htmx(request) else 422
        return _cases_page(
            request, principal, None, filters=filters, search=search, errors=errors, status_code=status_code
        )

    def act() -> CasePage:
        f = CaseSearch.model_validate({**terms, "limit": PAGE_SIZE})
        return CasePage.model_validate(service.list_cases(db, principal, settings, f))

    def refused(errors: dict[str, str], code: int) -> Response:
        status_code = 200 if is_htmx(request) else code
        return _cases_page(
            request, principal, None, filters=filters, search=search, errors=errors, status_code=status_code
        )

    return forms.submit(
        db,
        act,
        done=lambda page: _cases_page(request, principal, page, filters=filters, search=search),
        refused=refused,
        form="search",
        fields=search,
    )
