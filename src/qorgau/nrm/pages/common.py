"""What the NRM pages share: who may open them, the form fields' types, turning a refused
form into messages by field, and the small formatters (countries, durations, waits)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Annotated, Any

from babel import Locale
from fastapi import Depends, Form
from pydantic import ValidationError

from qorgau.auth.deps import require
from qorgau.auth.permissions import Permission
from qorgau.auth.principal import Principal
from qorgau.countries import country_name, is_country
from qorgau.errors import DomainError
from qorgau.i18n import _, current_locale, ngettext
from qorgau.labels import nrm_label
from qorgau.nrm.rules import ReferralStatus
from qorgau.nrm.schemas import (
    ReferralOut,
)

CaseReader = Annotated[Principal, Depends(require(Permission.CASE_READ))]
CaseWriter = Annotated[Principal, Depends(require(Permission.CASE_WRITE))]
DecisionMaker = Annotated[Principal, Depends(require(Permission.DECISION_MAKE))]
ReferralManager = Annotated[Principal, Depends(require(Permission.REFERRAL_MANAGE))]

Text = Annotated[str, Form(max_length=2000)]
LongText = Annotated[str, Form(max_length=20_000)]
Choice = Annotated[str, Form(max_length=64)]


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
