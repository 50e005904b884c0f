"""The NRM room's public API: what the routes, the pages and other rooms (screening, the demo
loaders, the command line) call. Every function checks the permission, applies the pure rules
(nrm.rules), writes through the ORM and records the audit event in the caller's transaction;
none of them commits. Every read of a person's record is audited too.

The use cases live by section in nrm.intake, nrm.reading, nrm.lifecycle (with consent and
rights), nrm.referrals, nrm.plan (with notes), nrm.breakglass and nrm.screened; nrm.common holds
what they share. Import them from here: the modules behind it are the room's own business.
"""

from __future__ import annotations

from qorgau.nrm.access import case_access
from qorgau.nrm.breakglass import break_glass, pending_break_glass, review_break_glass
from qorgau.nrm.common import open_person
from qorgau.nrm.intake import new_reference, register_case
from qorgau.nrm.lifecycle import (
    act_on_case,
    assign_case,
    give_consent,
    set_guardian,
    set_right,
    withdraw_consent,
)
from qorgau.nrm.plan import add_goal, add_note, add_task, complete_task
from qorgau.nrm.reading import list_cases, plan_item_out, view_case
from qorgau.nrm.referrals import act_on_referral, refer, referral_inbox
from qorgau.nrm.screened import ScreeningFinding, ScreeningSubject, apply_screening, screening_subject

__all__ = [
    "ScreeningFinding",
    "ScreeningSubject",
    "act_on_case",
    "act_on_referral",
    "add_goal",
    "add_note",
    "add_task",
    "apply_screening",
    "assign_case",
    "break_glass",
    "case_access",
    "complete_task",
    "give_consent",
    "list_cases",
    "new_reference",
    "open_person",
    "pending_break_glass",
    "plan_item_out",
    "refer",
    "referral_inbox",
    "register_case",
    "review_break_glass",
    "screening_subject",
    "set_guardian",
    "set_right",
    "view_case",
    "withdraw_consent",
]
