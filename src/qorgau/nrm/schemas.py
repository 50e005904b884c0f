"""Input and output shapes of the NRM room. Input is checked here, field by field, so a bad value
comes back as a 422 naming the field before anything is written."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from qorgau.countries import is_country
from qorgau.db import utcnow
from qorgau.i18n import _
from qorgau.nrm.rules import (
    CaseAction,
    CaseStatus,
    ClosureReason,
    ConsentException,
    ConsentPurpose,
    ExploitationType,
    ReferralAction,
    ReferralStatus,
    RightKind,
    RightStatus,
    ServiceType,
)
from qorgau.text import Input, Text

EARLIEST_DATE = date(1900, 1, 1)


def _country(v: str) -> str:
    v = v.strip().upper()
    if not is_country(v):
        raise ValueError(_("not an ISO 3166-1 alpha-2 country code (for example KZ, UZ, KG, TJ)"))
    return v


def _past_date(v: date) -> date:
    # "today" on the server's UTC clock; a day's grace so that a date typed just after midnight
    # somewhere east of UTC (all of Central Asia) is not refused.
    if (v - utcnow().date()).days > 1:
        raise ValueError(_("cannot be in the future"))
    if v < EARLIEST_DATE:
        raise ValueError(_("cannot be before 1900"))
    return v


_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _language(v: str) -> str:
    v = v.strip()
    if not _LANGUAGE.fullmatch(v):
        raise ValueError(_("not a BCP 47 language tag (for example kk, ru, uz-Latn)"))
    return v


Country = Annotated[str, AfterValidator(_country)]
PastDate = Annotated[date, AfterValidator(_past_date)]
Language = Annotated[str, AfterValidator(_language)]
NamePart = Annotated[str, Field(min_length=1, max_length=100)]
ShortText = Annotated[str, Field(max_length=200)]
Reason = Annotated[str, Field(min_length=10, max_length=2000)]


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class DocumentType(StrEnum):
    PASSPORT = "passport"
    ID_CARD = "id_card"
    BIRTH_CERTIFICATE = "birth_certificate"
    TRAVEL_DOCUMENT = "travel_document"
    OTHER = "other"


class ContactKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    MESSENGER = "messenger"


class _In(Input):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class DocumentIn(_In):
    type: DocumentType
    number: str = Field(min_length=2, max_length=40, pattern=r"^[0-9A-Za-zА-Яа-яЁё \-/№]+$")
    issuing_country: Country


class ContactIn(_In):
    kind: ContactKind
    value: str = Field(min_length=1, max_length=200)


class PersonIn(_In):
    family_name: NamePart
    given_name: NamePart
    patronymic: NamePart | None = None
    # The same names as written in other scripts or spelled on other documents.
    other_names: list[NamePart] = Field(default_factory=list, max_length=10)
    sex: Sex = Sex.UNKNOWN
    birth_date: PastDate | None = None
    estimated_age: int | None = Field(default=None, ge=0, le=120)
    citizenships: list[Country] = Field(default_factory=list, max_length=5)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=10)
    languages: list[Language] = Field(default_factory=list, max_length=10)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=10)


class CaseCreate(_In):
    person: PersonIn
    exploitation_types: list[ExploitationType] = Field(default_factory=list, max_length=8)
    recruitment_country: Country | None = None
    recruitment_place: ShortText | None = None
    transit_countries: list[Country] = Field(default_factory=list, max_length=10)
    destination_country: Country | None = None
    destination_place: ShortText | None = None
    found_in_country: Country | None = Field(default=None, description="default: this node's country")
    reported_on: PastDate | None = Field(default=None, description="default: today")
    narrative: Text = Field(default="", max_length=10_000)
    has_guardian: bool = False
    # Set when the officer has seen the possible-duplicate warning and registers anyway.
    acknowledge_possible_duplicate: bool = False


class CaseCommandIn(_In):
    action: CaseAction
    reason: Text | None = Field(default=None, max_length=2000)
    closure_reason: ClosureReason | None = None
    at_persons_request: bool = False


class GuardianIn(_In):
    has_guardian: bool
    guardian: ShortText | None = Field(default=None, description="who the guardian is (sealed)")


class ConsentIn(_In):
    purpose: ConsentPurpose
    agency_id: uuid.UUID | None = None
    country: Country | None = None
    given_on: PastDate | None = None

    @model_validator(mode="after")
    def _target(self) -> ConsentIn:
        if self.purpose == ConsentPurpose.SHARE_AGENCY and self.agency_id is None:
            raise ValueError(_("sharing with an agency needs agency_id"))
        if self.purpose == ConsentPurpose.SHARE_COUNTRY and self.country is None:
            raise ValueError(_("sharing with a country needs country"))
        return self


class RightIn(_In):
    kind: RightKind
    status: RightStatus


class ReferralIn(_In):
    to_agency_id: uuid.UUID
    service: ServiceType
    needs: Text = Field(default="", max_length=2000, description="what the receiving agency needs to know")
    consent_exception: ConsentException | None = None
    exception_reason: Text | None = Field(default=None, max_length=2000)


class ReferralCommandIn(_In):
    action: ReferralAction
    reason: Text | None = Field(default=None, max_length=2000)


class GoalIn(_In):
    title: str = Field(min_length=2, max_length=500)


class TaskIn(_In):
    title: str = Field(min_length=2, max_length=500)
    goal_id: uuid.UUID | None = None
    owner_user_id: uuid.UUID | None = None
    due_on: date | None = None


class NoteIn(_In):
    text: Text = Field(min_length=1, max_length=10_000)


class BreakGlassIn(_In):
    reason: Text = Field(min_length=20, max_length=2000)


class CaseFilter(Input):
    status: CaseStatus | None = None
    agency_id: uuid.UUID | None = None
    country: Country | None = None
    exploitation_type: ExploitationType | None = None
    overdue: bool = False
    after: str | None = Field(default=None, max_length=64, description="cursor from the previous page")
    limit: int = Field(default=50, ge=1, le=200)


class CaseSearch(CaseFilter):
    """A search by what identifies a person: sent in a POST body, never in a URL (URLs end up in
    logs and browser histories)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str | None = Field(default=None, max_length=200, description="any spelling, any script")
    birth_date: date | None = None
    document_number: str | None = Field(default=None, max_length=40)


# --- output ---

Access = Literal["full", "referral", "break_glass"]


class CaseSummary(BaseModel):
    id: uuid.UUID
    reference: str
    status: CaseStatus
    access: Access
    name: str
    is_child: bool
    owner_agency_id: uuid.UUID
    found_in_country: str
    exploitation_types: list[ExploitationType]
    reported_on: date
    overdue: bool


class CasePage(BaseModel):
    items: list[CaseSummary]
    next: str | None = Field(description="pass as `after` for the next page; null on the last page")


class DocumentOut(BaseModel):
    type: DocumentType
    number: str
    issuing_country: str


class ContactOut(BaseModel):
    kind: ContactKind
    value: str


class PersonOut(BaseModel):
    id: uuid.UUID
    family_name: str | None
    given_name: str
    patronymic: str | None = None
    other_names: list[str] = []
    sex: Sex
    birth_date: date | None = None
    estimated_age: int | None = None
    age: int | None = None
    citizenships: list[str] = []
    documents: list[DocumentOut] = []
    languages: list[str] = []
    contacts: list[ContactOut] = []


class ConsentOut(BaseModel):
    id: uuid.UUID
    purpose: ConsentPurpose
    agency_id: uuid.UUID | None
    country: str | None
    given_on: date
    withdrawn_on: date | None


class RightOut(BaseModel):
    kind: RightKind
    status: RightStatus
    offered_on: date
    decided_on: date | None


class ReferralOut(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    from_agency_id: uuid.UUID
    to_agency_id: uuid.UUID
    service: ServiceType
    status: ReferralStatus
    needs: str
    consent_exception: ConsentException | None
    requested_at: datetime
    accepted_at: datetime | None
    hours_to_accept: float | None


class PlanItemOut(BaseModel):
    id: uuid.UUID
    kind: str
    title: str
    goal_id: uuid.UUID | None
    owner_user_id: uuid.UUID | None
    due_on: date | None
    done_on: date | None
    overdue: bool


class NoteOut(BaseModel):
    id: uuid.UUID
    author_user_id: uuid.UUID | None
    created_at: datetime
    text: str


class HistoryOut(BaseModel):
    at: datetime
    kind: str
    actor_user_id: uuid.UUID | None
    params: dict[str, object]


class NotificationOut(BaseModel):
    country: str
    status: str


class CaseOut(BaseModel):
    id: uuid.UUID
    reference: str
    access: Access
    status: CaseStatus
    allowed_actions: list[CaseAction]
    closure_reason: ClosureReason | None
    owner_agency_id: uuid.UUID
    assigned_user_id: uuid.UUID | None
    is_child: bool
    has_guardian: bool
    reflection_ends_on: date | None
    exploitation_types: list[ExploitationType]
    recruitment_country: str | None
    transit_countries: list[str]
    destination_country: str | None
    found_in_country: str
    reported_on: date
    identified_on: date | None
    recruitment_place: str | None = None
    destination_place: str | None = None
    narrative: str | None = None
    person: PersonOut
    consents: list[ConsentOut] = []
    rights: list[RightOut] = []
    referrals: list[ReferralOut] = []
    plan: list[PlanItemOut] = []
    notes: list[NoteOut] = []
    timeline: list[HistoryOut] = []
    home_notifications: list[NotificationOut] = []


class IntakeResult(BaseModel):
    case: CaseOut | None
    possible_duplicates: list[str] = Field(
        default_factory=list, description="references of cases whose person may be the same"
    )
