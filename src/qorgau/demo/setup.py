"""Demo data: agencies of the region and of destination countries, one user for each role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.auth import service
from qorgau.auth.models import AgencyKind, User
from qorgau.auth.schemas import AgencyCreate, UserCreate
from qorgau.demo.agency_names import AGENCY_NAMES
from qorgau.permissions import Role
from qorgau.principal import Principal

K = AgencyKind

# (code, name, country, kind): real kinds of bodies named generically, in the countries and on
# the routes the seed studies describe (KZ, UZ, KG, TJ; RU, TH, AE, TR as destinations).
DEMO_AGENCIES: list[tuple[str, str, str, AgencyKind]] = [
    (
        "KZ-MIN-LAB",
        "Ministry of Labour and Social Protection (interagency commission secretariat)",
        "KZ",
        K.MINISTRY,
    ),
    ("KZ-POL-ALA", "Police Department of Almaty, anti-trafficking unit", "KZ", K.POLICE),
    ("KZ-BS-ALA", "Border Service, Almaty airport checkpoint", "KZ", K.BORDER_SERVICE),
    ("KZ-SOC-AST", "Social Services Centre, Astana", "KZ", K.SOCIAL_SERVICE),
    ("KZ-NGO-ALA", "Crisis centre for victims of trafficking (NGO), Almaty", "KZ", K.NGO),
    ("KZ-SHL-SHY", "Shelter for victims of trafficking, Shymkent", "KZ", K.SHELTER),
    ("KZ-HOT-1", "National anti-trafficking hotline", "KZ", K.HOTLINE),
    ("KZ-ACA", "Anti-Corruption Agency", "KZ", K.ANTI_CORRUPTION),
    ("KZ-PRO-ALA", "Prosecutor's Office of Almaty", "KZ", K.PROSECUTOR),
    ("KZ-MED-ALA", "City clinical hospital, Almaty", "KZ", K.MEDICAL),
    ("KZ-LEG-AST", "Legal aid bureau, Astana", "KZ", K.LEGAL_AID),
    (
        "KZ-IOM",
        "International Organization for Migration, office in Kazakhstan",
        "KZ",
        K.INTERNATIONAL_ORGANISATION,
    ),
    ("KZ-CON-DXB", "Consulate General of Kazakhstan in Dubai", "AE", K.CONSULATE),
    ("KZ-CON-BKK", "Embassy of Kazakhstan in Bangkok, consular section", "TH", K.CONSULATE),
    ("UZ-MIN-EMP", "Ministry of Employment and Poverty Reduction", "UZ", K.MINISTRY),
    ("UZ-POL-TAS", "Internal Affairs, Tashkent anti-trafficking department", "UZ", K.POLICE),
    ("UZ-REH-TAS", "Republican rehabilitation centre for victims of trafficking", "UZ", K.SHELTER),
    ("KG-MIN-LAB", "Ministry of Labour, Social Security and Migration", "KG", K.MINISTRY),
    ("KG-BS-OSH", "Border Service, Osh checkpoint", "KG", K.BORDER_SERVICE),
    ("KG-NGO-BIS", "Crisis centre (NGO), Bishkek", "KG", K.NGO),
    ("TJ-MIA", "Ministry of Internal Affairs, anti-trafficking department", "TJ", K.POLICE),
    ("TJ-NGO-DUS", "Shelter and counselling centre (NGO), Dushanbe", "TJ", K.NGO),
    ("RU-CON-KZ-MOW", "Consulate of Kazakhstan in Moscow", "RU", K.CONSULATE),
    ("TR-CON-KZ-IST", "Consulate General of Kazakhstan in Istanbul", "TR", K.CONSULATE),
]

# (username, display name, agency, role): one account for each role.
DEMO_USERS: list[tuple[str, str, str, Role]] = [
    ("admin", "Dana Sadykova", "KZ-MIN-LAB", Role.ADMINISTRATOR),
    ("caseworker", "Aigerim Nurlanovna", "KZ-NGO-ALA", Role.CASE_WORKER),
    # The crisis centre's supervisor takes the identification decisions on its cases.
    ("supervisor", "Marat Zhaksylykov", "KZ-NGO-ALA", Role.SUPERVISOR),
    # A shelter's officer receives referrals.
    ("shelter", "Asel Dzhumabaeva", "KZ-SHL-SHY", Role.CASE_WORKER),
    ("investigator", "Yerlan Abenov", "KZ-POL-ALA", Role.INVESTIGATOR),
    ("borderguard", "Nurzhan Omarov", "KZ-BS-ALA", Role.BORDER_GUARD),
    ("consul", "Saule Tokhtarova", "KZ-CON-DXB", Role.CONSULAR_OFFICER),
    ("hotline", "Madina Ismailova", "KZ-HOT-1", Role.HOTLINE_OPERATOR),
    ("anticorruption", "Ruslan Kairatov", "KZ-ACA", Role.ANTI_CORRUPTION_OFFICER),
    ("analyst", "Gulnara Bekova", "KZ-MIN-LAB", Role.ANALYST),
    ("auditor", "Timur Akhmetov", "KZ-IOM", Role.AUDITOR),
    ("trainer", "Zarina Kasymova", "KZ-MIN-LAB", Role.TRAINER),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    agency_code: str
    password: str


def is_empty(db: Session) -> bool:
    return db.scalar(select(User.id).limit(1)) is None


def load(db: Session, actor: Principal, password: str | None = None) -> list[DemoAccount]:
    """Load the demo agencies and users; each gets `password`, or a generated one."""
    for code, name, country, kind in DEMO_AGENCIES:
        names = AGENCY_NAMES.get(code, {})
        service.create_agency(
            db, actor, AgencyCreate(code=code, name=name, country=country, kind=kind, names=names)
        )
    accounts = []
    for username, display_name, agency_code, role in DEMO_USERS:
        _user, generated = service.create_user(
            db,
            actor,
            UserCreate(
                username=username,
                display_name=display_name,
                agency_code=agency_code,
                roles=[role],
                password=password,
            ),
        )
        accounts.append(DemoAccount(username, role, agency_code, password or generated or ""))
    return accounts
