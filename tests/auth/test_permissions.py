"""The role → permission table keeps the promises of the design."""

from __future__ import annotations

from qorgau.permissions import ROLE_PERMISSIONS, TWO_FACTOR_REQUIRED, Permission, Role, roles_with


def test_every_role_has_a_row_and_can_manage_its_own_account():
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert roles_with(Permission.ACCOUNT_SELF) == frozenset(Role)


def test_administrators_see_no_case_data():
    admin = ROLE_PERMISSIONS[Role.ADMINISTRATOR]
    assert not {p for p in admin if p.value.startswith(("case.", "decision.", "referral.", "investigation."))}


def test_only_supervisors_take_identification_decisions():
    assert roles_with(Permission.DECISION_MAKE) == {Role.SUPERVISOR}


def test_analysts_and_auditors_get_no_personal_records():
    for role in (Role.ANALYST, Role.AUDITOR):
        assert Permission.CASE_READ not in ROLE_PERMISSIONS[role]


def test_every_permission_is_granted_to_someone_and_administrators_need_two_factor():
    assert {p for perms in ROLE_PERMISSIONS.values() for p in perms} == set(Permission)
    assert Role.ADMINISTRATOR in TWO_FACTOR_REQUIRED
