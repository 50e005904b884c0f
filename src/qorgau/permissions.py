"""Roles, permissions, and the one table that maps one to the other.

Every route declares one permission (see auth.deps.require); nothing else in the code decides
what a role may do. Later rooms add their permissions here.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CASE_WORKER = "case_worker"
    SUPERVISOR = "supervisor"
    INVESTIGATOR = "investigator"
    BORDER_GUARD = "border_guard"
    CONSULAR_OFFICER = "consular_officer"
    HOTLINE_OPERATOR = "hotline_operator"
    ANTI_CORRUPTION_OFFICER = "anti_corruption_officer"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    TRAINER = "trainer"
    ADMINISTRATOR = "administrator"


class Permission(StrEnum):
    ACCOUNT_SELF = "account.self"  # see and manage one's own account
    AGENCY_READ = "agency.read"  # the directory of agencies (for referrals and routing)
    AGENCY_ADMIN = "agency.admin"
    USER_ADMIN = "user.admin"
    GRANT_APPROVE = "grant.approve"  # the second person of a grant of power (auth/grants.py)
    CASE_READ = "case.read"
    CASE_WRITE = "case.write"
    DECISION_MAKE = "decision.make"
    REFERRAL_MANAGE = "referral.manage"
    SCREENING_RUN = "screening.run"
    INVESTIGATION_READ = "investigation.read"
    REPATRIATION_MANAGE = "repatriation.manage"
    TIP_MANAGE = "tip.manage"
    CORRUPTION_REPORT_READ = "corruption_report.read"
    ANALYTICS_READ = "analytics.read"
    AUDIT_READ = "audit.read"
    FUND_READ = "fund.read"
    FUND_MANAGE = "fund.manage"  # open accounts, record contributions, payments and reversals
    FUND_APPROVE = "fund.approve"  # the checker of maker-checker
    TRAINING_MANAGE = "training.manage"
    TRAINING_TAKE = "training.take"


P = Permission

_EVERYONE = {P.ACCOUNT_SELF, P.AGENCY_READ, P.TRAINING_TAKE}

# The table. Administrators run the system; they get no case data (DESIGN: "administrators no
# personal data"), so case permissions are deliberately absent from their row.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASE_WORKER: frozenset(_EVERYONE | {P.CASE_READ, P.CASE_WRITE, P.REFERRAL_MANAGE, P.SCREENING_RUN}),
    Role.SUPERVISOR: frozenset(
        _EVERYONE
        | {
            P.CASE_READ,
            P.CASE_WRITE,
            P.DECISION_MAKE,
            P.REFERRAL_MANAGE,
            P.SCREENING_RUN,
            P.FUND_READ,
            P.FUND_APPROVE,
            P.GRANT_APPROVE,  # for roles given to users of their own agency
        }
    ),
    Role.INVESTIGATOR: frozenset(_EVERYONE | {P.CASE_READ, P.INVESTIGATION_READ, P.SCREENING_RUN}),
    Role.BORDER_GUARD: frozenset(_EVERYONE | {P.CASE_READ, P.CASE_WRITE, P.SCREENING_RUN}),
    Role.CONSULAR_OFFICER: frozenset(
        # Consuls screen their nationals abroad (issue 5): whoever opens a case may screen it.
        _EVERYONE
        | {P.CASE_READ, P.CASE_WRITE, P.SCREENING_RUN, P.REPATRIATION_MANAGE, P.FUND_READ, P.FUND_MANAGE}
    ),
    Role.HOTLINE_OPERATOR: frozenset(_EVERYONE | {P.TIP_MANAGE}),
    Role.ANTI_CORRUPTION_OFFICER: frozenset(_EVERYONE | {P.TIP_MANAGE, P.CORRUPTION_REPORT_READ}),
    Role.ANALYST: frozenset(_EVERYONE | {P.ANALYTICS_READ}),
    Role.AUDITOR: frozenset(_EVERYONE | {P.AUDIT_READ, P.FUND_READ, P.ANALYTICS_READ}),
    Role.TRAINER: frozenset(_EVERYONE | {P.TRAINING_MANAGE}),
    Role.ADMINISTRATOR: frozenset(
        _EVERYONE
        | {
            P.AGENCY_ADMIN,
            P.USER_ADMIN,
            P.GRANT_APPROVE,
            P.AUDIT_READ,
            P.FUND_READ,
            P.FUND_MANAGE,
            P.FUND_APPROVE,
        }
    ),
}


def permissions_for(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    # Every account manages itself, reads the directory and takes training, whatever its roles:
    # also one whose roles still wait for a second person (auth/grants.py), which holds no more.
    granted: set[Permission] = set(_EVERYONE)
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def roles_with(permission: Permission) -> frozenset[Role]:
    return frozenset(r for r, perms in ROLE_PERMISSIONS.items() if permission in perms)


# Roles whose accounts must use two-factor sign-in.
TWO_FACTOR_REQUIRED = frozenset({Role.ADMINISTRATOR})


# Permissions that are power over people or money: reading cases, deciding, approving payments,
# and giving or approving such power. A role holding any of them is given only by two people
# (auth/grants.py): it takes effect when a second person approves.
POWER_PERMISSIONS = frozenset(
    {P.CASE_READ, P.DECISION_MAKE, P.FUND_APPROVE, P.USER_ADMIN, P.AGENCY_ADMIN, P.GRANT_APPROVE}
)
POWERFUL_ROLES = frozenset(r for r, perms in ROLE_PERMISSIONS.items() if perms & POWER_PERMISSIONS)
