"""A case's history as sentences in the reader's language."""

from __future__ import annotations

from collections.abc import Callable

from qorgau.i18n import _
from qorgau.l10n import format_date
from qorgau.nrm.pages.common import _label
from qorgau.nrm.schemas import (
    HistoryOut,
)
from qorgau.web.render import country_label

# How a screening's outcome (the screening room's word, kept in the history) reads in the user's
# language: the screening room above offers it, and the composition root hands it here.
OUTCOME_LABEL: list[Callable[[str], str]] = [lambda outcome: outcome]

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
            "country": country_label(str(p.get("country") or ""))
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
        return _("Screening recorded: %(outcome)s (ruleset %(ruleset)s)") % {
            "outcome": OUTCOME_LABEL[0](str(p.get("outcome") or "")),
            "ruleset": p.get("ruleset", "?"),
        }
    return kind
