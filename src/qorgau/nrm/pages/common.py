"""What the NRM pages share: who may open them, the form fields' types, where a message for a
form the page no longer shows goes, and the small formatters (countries, durations, waits).
Form posts themselves go through web.forms."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Annotated, Any

from babel import Locale
from fastapi import Depends, Form

from qorgau.auth.deps import require
from qorgau.countries import country_name, is_country
from qorgau.i18n import _, ngettext
from qorgau.nrm.labels import nrm_label
from qorgau.nrm.rules import ReferralStatus
from qorgau.nrm.schemas import ReferralOut
from qorgau.permissions import Permission
from qorgau.principal import Principal

CaseReader = Annotated[Principal, Depends(require(Permission.CASE_READ))]
CaseWriter = Annotated[Principal, Depends(require(Permission.CASE_WRITE))]
DecisionMaker = Annotated[Principal, Depends(require(Permission.DECISION_MAKE))]
ReferralManager = Annotated[Principal, Depends(require(Permission.REFERRAL_MANAGE))]

Text = Annotated[str, Form(max_length=2000)]
LongText = Annotated[str, Form(max_length=20_000)]
Choice = Annotated[str, Form(max_length=64)]


def _split(text: str) -> list[str]:
    """ "KZ, UZ" or "kk ru" or one per line: the entries of a list typed into one field."""
    return [part for part in re.split(r"[,;\s]+", text) if part]


def _split_names(text: str) -> list[str]:
    """Other spellings of a name: several words each, so separated by commas, semicolons or lines."""
    return [part.strip() for part in re.split(r"[,;\n]+", text) if part.strip()]


@cache
def _countries(locale: str) -> list[tuple[str, str]]:
    """(code, name) of every country, sorted by name in the language: the datalist of country fields."""
    codes = [c for c in Locale.parse("en").territories if is_country(str(c))]
    return sorted(((str(c), country_name(str(c), locale)) for c in codes), key=lambda p: p[1])


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
