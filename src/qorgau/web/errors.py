"""Errors become RFC 9457 problem details for the API and a friendly page for people.
Neither ever shows a stack trace or a submitted value; both carry the request id."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from qorgau.errors import Busy, DomainError, NotAuthenticated, TooManyAttempts, TwoFactorPending
from qorgau.i18n import _
from qorgau.keyring import KeyringError
from qorgau.web.edge import BodyTooLarge, body_limit_of, security_headers, too_large

log = logging.getLogger("qorgau.errors")
PROBLEM = "application/problem+json"


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(
        ("/api/", "/transparency/")
    ) or "application/json" in request.headers.get("accept", "")


def problem(request: Request, status: int, title: str, detail: str, **extra: Any) -> Response:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": request.state.request_id,
        **extra,
    }
    headers = {}
    if isinstance(extra.get("retry_after"), int):
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    from qorgau.web.render import render

    return render(
        request, "error.html", {"status": status, "title": title, "detail": detail}, status_code=status
    )


def _field_name(err: dict[str, Any]) -> str:
    # ("body", "agency_code") -> "agency_code"; ("query", "limit") -> "limit"
    if err.get("type") == "json_invalid":
        return "body"  # its loc holds a character position, not a field
    parts = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "request"


def _validation_message(err: dict[str, Any]) -> str:
    # pydantic's message, without the submitted value (it might be personal data).
    msg = err.get("msg", "invalid value")
    return msg.removeprefix("Value error, ")


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotAuthenticated) and not wants_json(request):
            target = "/sign-in/two-factor" if isinstance(exc, TwoFactorPending) else "/sign-in"
            return RedirectResponse(target, status_code=303)
        if isinstance(exc, KeyringError):
            # Which key, file and variable is for the operator's log, not for whoever asked.
            log.error(
                "keyring: sealed records cannot be opened request_id=%s: %s",
                request.state.request_id,
                exc.detail,
            )
            exc = KeyringError(
                _(
                    "Personal data cannot be opened on this node just now. Nothing was changed. "
                    "Quote this request id to your administrator: %(id)s"
                )
                % {"id": request.state.request_id}
            )
        extra: dict[str, Any] = {}
        if exc.field:
            extra["errors"] = [{"field": exc.field, "message": exc.detail}]
        if isinstance(exc, TooManyAttempts):
            extra["retry_after"] = exc.retry_after_seconds
        if wants_json(request):
            response = problem(request, exc.status, _(exc.title), exc.detail, **extra)
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = "Bearer"
            return response
        response = error_page(request, exc.status, _(exc.title), exc.detail)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response

    @app.exception_handler(sqlalchemy.exc.TimeoutError)
    async def _queue_full(request: Request, exc: sqlalchemy.exc.TimeoutError) -> Response:
        # Waited db.WRITE_QUEUE_SECONDS for a connection: an overload, not a fault; nothing of
        # the request was stored. Say so and when to come back, rather than a 500.
        log.warning("database connection queue full request_id=%s", request.state.request_id)
        busy = Busy(
            _("Qorgau is very busy right now. Nothing was saved; try again in a minute."),
            retry_after_seconds=30,
        )
        return await _domain(request, busy)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": _field_name(e), "message": _validation_message(e)} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if wants_json(request):
            return problem(request, 422, _("Invalid input"), detail, errors=errors)
        return error_page(request, 422, _("Invalid input"), detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: _("Not found"), 405: _("Method not allowed"), 413: _("Request too large")}
        title = titles.get(exc.status_code, _("Request refused"))
        detail = _("There is no page at this address.") if exc.status_code == 404 else str(exc.detail)
        if exc.status_code == 413 and not isinstance(exc, BodyTooLarge):
            detail = too_large(body_limit_of(request.url.path))
        if wants_json(request):
            return problem(request, exc.status_code, title, detail)
        return error_page(request, exc.status_code, title, detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # The traceback goes to the server log with the request id; the person gets the id only.
        log.error("unhandled error request_id=%s", request.state.request_id, exc_info=exc)
        detail = _(
            "Something went wrong on our side. Nothing was saved. Quote this request id to support: %(id)s"
        ) % {"id": request.state.request_id}
        if wants_json(request):
            response = problem(request, 500, _("Internal error"), detail)
        else:
            response = error_page(request, 500, _("Internal error"), detail)
        # This handler runs outside the request-context middleware, which would add the headers.
        response.headers["x-request-id"] = request.state.request_id
        for name, value in security_headers(request.url.path, []):
            response.headers[name.decode()] = value.decode()
        return response
