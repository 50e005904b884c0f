"""Form posts of the pages, in one shape: the values a form sent are parsed into the room's input
schema, the service acts, and the answer is either the page after it (`done`) or the form again
with a translated message next to each refused field (`refused`). The request's changes are
rolled back before a refusal is shown (web.deps.roll_back, which keeps any audited refusal).

Messages for the usual mistakes are translated here, so every room's forms say them alike;
pydantic's own text (never the submitted value, which may be personal data) is the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from qorgau.errors import DomainError
from qorgau.i18n import _
from qorgau.web.deps import roll_back

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

Refusal = ValidationError | DomainError
Locate = Callable[[Sequence[Any]], str | None]


def blank_none(values: dict[str, Any]) -> dict[str, Any]:
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


def parse(model: type[M], values: dict[str, Any], *, keep_blanks: bool = False) -> M:
    """The form's values as `model`. Fields left empty are left out (and the others stripped)
    unless `keep_blanks`, for free text whose spacing is the writer's."""
    return model.model_validate(values if keep_blanks else blank_none(values))


def field_message(err: Any) -> str:
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
    if kind == "too_short":
        return _("Choose at least one.") if ctx.get("min_length") == 1 else _("Too few entries.")
    if kind == "too_long":
        return _("Too many entries.")
    if kind in ("greater_than_equal", "less_than_equal"):
        return _("This number is out of range.")
    return str(err.get("msg", "")).removeprefix("Value error, ")


def top_field(loc: Sequence[Any]) -> str | None:
    """The form field of an error location: the schema's top-level field."""
    return str(loc[0]) if loc else None


def form_errors(
    exc: Refusal, prefix: str = "", fields: Iterable[str] | None = None, locate: Locate = top_field
) -> tuple[dict[str, str], int]:
    """A refused form's messages by field ("<prefix>.<field>", or "<field>" without a prefix),
    and the status to answer with. A field the form does not show (not in `fields`, when given)
    gets its message at the top of the form ("<prefix>.form")."""
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
        errors.setdefault(key(locate(err["loc"])), field_message(err))
    return errors, 422


def submit(
    db: Session,
    act: Callable[[], T],
    *,
    done: Callable[[T], Response],
    refused: Callable[[dict[str, str], int], Response],
    form: str = "",
    fields: Iterable[str] | None = None,
    locate: Locate = top_field,
) -> Response:
    """Run a form's `act` (parse and call the service). On a refusal, roll the request back and
    answer `refused(errors, status)` (see form_errors for `form`, `fields` and `locate`);
    otherwise `done(result)`."""
    try:
        result = act()
    except (ValidationError, DomainError) as exc:
        roll_back(db, exc)
        errors, status = form_errors(exc, form, fields, locate)
        return refused(errors, status)
    return done(result)
