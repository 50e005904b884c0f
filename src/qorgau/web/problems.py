"""The problem-details schema, so the OpenAPI document describes every error answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    retry_after: int | None = None


_problem = {"model": Problem, "content": {"application/problem+json": {}}}

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request body could not be read (not valid UTF-8 or JSON)", **_problem},
    401: {"description": "Not signed in, or the token is not valid", **_problem},
    403: {"description": "The role does not allow this", **_problem},
    404: {"description": "No such record", **_problem},
    409: {"description": "Conflicts with an existing record", **_problem},
    413: {"description": "The request body is larger than this endpoint takes", **_problem},
    422: {"description": "Invalid input; `errors` names each field", **_problem},
    429: {"description": "Too many attempts; `retry_after` says when to try again", **_problem},
    503: {"description": "The node is busy or cannot open sealed data; try again later", **_problem},
}
