"""Demo data: the region's agencies and one account for every role."""

from __future__ import annotations

from sqlalchemy import select

from qorgau import demo
from qorgau.auth.models import Agency, User
from qorgau.countries import is_country
from qorgau.permissions import Role
from qorgau.principal import system_principal


def test_demo_covers_every_role_and_the_region(db):
    assert demo.is_empty(db)  # each test starts from the migrated, empty database
    accounts = demo.load(db, system_principal(), "Demo-Password-Long-1")
    assert {a.role for a in accounts} == set(Role)
    countries = set(db.scalars(select(Agency.country)))
    assert {"KZ", "UZ", "KG", "TJ"} <= countries
    assert {"RU", "TH", "AE", "TR"} <= countries
    assert all(is_country(c) for c in countries)
    assert len(list(db.scalars(select(User)))) == len(demo.DEMO_USERS)
    # A case's whole path can be shown: a case worker and a supervisor of one agency (the
    # decision), and a shelter's officer (the referral).
    by_name = {a.username: a for a in accounts}
    assert by_name["caseworker"].agency_code == by_name["supervisor"].agency_code
    assert by_name["shelter"].agency_code.startswith("KZ-SHL")


def test_generated_demo_passwords_differ_and_pass_the_policy(db):
    from qorgau.auth.passwords import policy_problems

    accounts = demo.load(db, system_principal())
    passwords = [a.password for a in accounts]
    assert len(set(passwords)) == len(passwords)
    assert all(policy_problems(p) == [] for p in passwords)
