"""Translated labels of the auth room's enumerations (roles, their duties, agency kinds), for
pages and the CLI."""

from __future__ import annotations

from qorgau.auth.models import AgencyKind
from qorgau.i18n import N_, gettext
from qorgau.permissions import Role

ROLE_LABELS = {
    Role.CASE_WORKER: N_("Case worker"),
    Role.SUPERVISOR: N_("Supervisor"),
    Role.INVESTIGATOR: N_("Investigator"),
    Role.BORDER_GUARD: N_("Border guard"),
    Role.CONSULAR_OFFICER: N_("Consular officer"),
    Role.HOTLINE_OPERATOR: N_("Hotline operator"),
    Role.ANTI_CORRUPTION_OFFICER: N_("Anti-corruption officer"),
    Role.ANALYST: N_("Analyst"),
    Role.AUDITOR: N_("Auditor"),
    Role.TRAINER: N_("Trainer"),
    Role.ADMINISTRATOR: N_("Administrator"),
}

ROLE_DUTIES = {
    Role.CASE_WORKER: N_(
        "Register people, run the identification screening, refer them to services and follow the case plan."
    ),
    Role.SUPERVISOR: N_("Take the official identification decision and approve the closure of cases."),
    Role.INVESTIGATOR: N_("See the investigation side of cases and the network of linked entities."),
    Role.BORDER_GUARD: N_("Screen people at the port of entry, open a potential-victim record and refer on."),
    Role.CONSULAR_OFFICER: N_("Assist your nationals abroad: identity, travel documents, repatriation."),
    Role.HOTLINE_OPERATOR: N_(
        "Take tips, triage them, route them to the right agency and keep reporters informed."
    ),
    Role.ANTI_CORRUPTION_OFFICER: N_(
        "Receive reports that implicate officials, out of sight of the implicated agency."
    ),
    Role.ANALYST: N_("Study indicators, trends and estimates; aggregates only, never a person's record."),
    Role.AUDITOR: N_("Verify the audit log and the safe-fund ledger without seeing personal data."),
    Role.TRAINER: N_("Run courses on identification and referral and follow training coverage."),
    Role.ADMINISTRATOR: N_(
        "Register agencies and user accounts. Administrators see no personal data of victims."
    ),
}

AGENCY_KIND_LABELS = {
    AgencyKind.POLICE: N_("Police"),
    AgencyKind.BORDER_SERVICE: N_("Border service"),
    AgencyKind.SOCIAL_SERVICE: N_("Social service"),
    AgencyKind.NGO: N_("Non-governmental organisation"),
    AgencyKind.SHELTER: N_("Shelter"),
    AgencyKind.MEDICAL: N_("Medical"),
    AgencyKind.LEGAL_AID: N_("Legal aid"),
    AgencyKind.CONSULATE: N_("Consulate"),
    AgencyKind.MINISTRY: N_("Ministry"),
    AgencyKind.HOTLINE: N_("Hotline"),
    AgencyKind.ANTI_CORRUPTION: N_("Anti-corruption"),
    AgencyKind.PROSECUTOR: N_("Prosecutor"),
    AgencyKind.INTERNATIONAL_ORGANISATION: N_("International organisation"),
}


def role_label(role: Role | str) -> str:
    return gettext(ROLE_LABELS[Role(role)])


def role_duties(role: Role | str) -> str:
    return gettext(ROLE_DUTIES[Role(role)])


def agency_kind_label(kind: AgencyKind | str) -> str:
    return gettext(AGENCY_KIND_LABELS[AgencyKind(kind)])
