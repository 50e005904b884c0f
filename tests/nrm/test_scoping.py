"""Who sees what, against an independent reference. For generated worlds of cases, assignments,
referrals and break-glass grants, everything each user lists, searches or opens is exactly what
the reference predicate below says they may see, at the level it says, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from qorgau.auth.models import AgencyKind
from qorgau.auth.service import principal_for
from qorgau.db import utcnow, uuid7
from qorgau.errors import Forbidden, NotFound
from qorgau.nrm import people, service
from qorgau.nrm.models import BreakGlass, Case, Referral
from qorgau.nrm.rules import ReferralStatus, ServiceType
from qorgau.nrm.schemas import CaseCreate, CaseFilter, CaseSearch, PersonIn
from qorgau.permissions import Permission, Role
from qorgau.principal import Principal
from tests.support import ensure_agency, make_user

AGENCIES = ["KZ-NGO-SC1", "KZ-SHL-SC2", "KZ-POL-SC3"]
# (role, agency index): two officers and a supervisor in the first agency, a shelter worker,
# an investigator, a supervisor elsewhere, and an administrator who must see nothing.
USERS = [
    (Role.CASE_WORKER, 0),
    (Role.CASE_WORKER, 0),
    (Role.SUPERVISOR, 0),
    (Role.CASE_WORKER, 1),
    (Role.INVESTIGATOR, 2),
    (Role.SUPERVISOR, 2),
    (Role.BORDER_GUARD, 2),
    (Role.ADMINISTRATOR, 0),
]
NAMES = [("Серикбаев", "Ержан"), ("Каримова", "Гульнара"), ("Rahimov", "Jamshid")]
ACTIVE = {
    ReferralStatus.REQUESTED,
    ReferralStatus.RECEIVED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.IN_PROGRESS,
}


@dataclass
class World:
    principals: list[Principal]
    agency_ids: list


@pytest.fixture
def world(db) -> World:
    agencies = [
        ensure_agency(db, code, kind=kind)
        for code, kind in zip(AGENCIES, [AgencyKind.NGO, AgencyKind.SHELTER, AgencyKind.POLICE], strict=True)
    ]
    users = [make_user(db, role, agency_code=AGENCIES[i]) for role, i in USERS]
    return World(
        [principal_for(u, "token", request_id=None, address=None) for u in users], [a.id for a in agencies]
    )


case_spec = st.fixed_dictionaries(
    {
        "name": st.sampled_from(range(len(NAMES))),
        "owner": st.sampled_from(range(len(AGENCIES))),
        "assignee": st.none() | st.sampled_from(range(len(USERS) - 1)),
        "referrals": st.lists(
            st.tuples(st.sampled_from(range(len(AGENCIES))), st.sampled_from(list(ReferralStatus))),
            max_size=2,
        ),
        "break_glass": st.lists(st.tuples(st.sampled_from(range(len(USERS))), st.booleans()), max_size=1),
    }
)


def reference_access(p: Principal, user_index: int, spec: dict, agency_ids: list) -> str | None:
    """The rule, written again from the issue's words, independently of access.py."""
    if Permission.CASE_READ not in p.permissions:
        return None
    if spec["assignee"] == user_index:
        return "full"
    if Role.SUPERVISOR in p.roles and agency_ids[spec["owner"]] == p.agency_id:
        return "full"
    if any(u == user_index and live for u, live in spec["break_glass"]):
        return "break_glass"
    if any(agency_ids[a] == p.agency_id and s in ACTIVE for a, s in spec["referrals"]):
        return "referral"
    return None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(case_spec, min_size=1, max_size=5))
def test_everything_a_user_lists_searches_or_opens_is_what_the_rule_allows(db, world, settings_, specs):
    nested = db.begin_nested()
    try:
        _check_world(db, world, settings_, specs)
    finally:
        nested.rollback()


@pytest.fixture
def settings_(settings):
    return settings


def _check_world(db, world: World, settings, specs: list[dict]) -> None:
    writer = world.principals[0]
    now = utcnow()
    case_ids = []
    for spec in specs:
        family, given_name = NAMES[spec["name"]]
        case = service.register_case(
            db,
            writer,
            settings,
            CaseCreate(
                person=PersonIn(family_name=family, given_name=given_name, birth_date="1990-01-01"),
                acknowledge_possible_duplicate=True,
            ),
        )
        assignee = world.principals[spec["assignee"]].user_id if spec["assignee"] is not None else None
        db.execute(
            update(Case)
            .where(Case.id == case.id)
            .values(owner_agency_id=world.agency_ids[spec["owner"]], assigned_user_id=assignee)
        )
        for agency, status in spec["referrals"]:
            referral = Referral(
                id=uuid7(),
                case_id=case.id,
                from_agency_id=world.agency_ids[0],
                to_agency_id=world.agency_ids[agency],
                service=ServiceType.SHELTER,
                status=status,
            )
            people.seal_row(settings.keyring, referral, "nrm_referrals", referral.id, {"needs": ""})
            db.add(referral)
        for user, live in spec["break_glass"]:
            grant = BreakGlass(
                id=uuid7(),
                case_id=case.id,
                user_id=world.principals[user].user_id,
                expires_at=now + (timedelta(hours=1) if live else -timedelta(hours=1)),
            )
            people.seal_row(settings.keyring, grant, "nrm_break_glass", grant.id, {"reason": "x" * 20})
            db.add(grant)
        case_ids.append(case.id)
    db.flush()
    db.expire_all()

    for index, p in enumerate(world.principals):
        expected = {
            cid: level
            for cid, spec in zip(case_ids, specs, strict=True)
            if (level := reference_access(p, index, spec, world.agency_ids)) is not None
        }
        if Permission.CASE_READ not in p.permissions:
            with pytest.raises(Forbidden):
                service.list_cases(db, p, settings, CaseFilter())
            continue
        listed = service.list_cases(db, p, settings, CaseFilter(limit=200))["items"]
        mine = {i["id"]: i["access"] for i in listed if i["id"] in set(case_ids)}
        assert mine == expected, (p.roles, index)

        for name_index, (family, given_name) in enumerate(NAMES):
            found = service.list_cases(db, p, settings, CaseSearch(name=f"{given_name} {family}", limit=200))
            want = {cid for cid, spec in zip(case_ids, specs, strict=True) if spec["name"] == name_index}
            assert {i["id"] for i in found["items"]} & set(case_ids) == want & expected.keys()

        for cid in case_ids:
            if cid in expected:
                assert service.view_case(db, p, settings, cid)["access"] == expected[cid]
            else:
                with pytest.raises(NotFound):
                    service.view_case(db, p, settings, cid)
