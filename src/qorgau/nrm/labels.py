"""Translated labels of the NRM's enumerations, for pages and the CLI. The templates reach them
as `nrm_label` and `nrm_choices`, template helpers this room hands to the composition root."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from qorgau.i18n import N_, gettext
from qorgau.nrm.models import NotificationStatus
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
from qorgau.nrm.schemas import DocumentType, Sex

CASE_STATUS_LABELS = {
    CaseStatus.REPORTED: N_("Reported"),
    CaseStatus.SCREENING: N_("Screening"),
    CaseStatus.POTENTIAL_VICTIM: N_("Potential victim"),
    CaseStatus.IDENTIFIED_VICTIM: N_("Identified victim"),
    CaseStatus.NOT_A_VICTIM: N_("Not a victim"),
    CaseStatus.ASSISTANCE: N_("Assistance"),
    CaseStatus.RETURN_REINTEGRATION: N_("Return and reintegration"),
    CaseStatus.CLOSED: N_("Closed"),
}

CASE_ACTION_LABELS = {
    CaseAction.START_SCREENING: N_("Start screening"),
    CaseAction.MARK_POTENTIAL_VICTIM: N_("Mark as potential victim"),
    CaseAction.IDENTIFY_AS_VICTIM: N_("Identify as victim"),
    CaseAction.DECIDE_NOT_A_VICTIM: N_("Decide: not a victim"),
    CaseAction.START_ASSISTANCE: N_("Start assistance"),
    CaseAction.START_RETURN: N_("Start return and reintegration"),
    CaseAction.CLOSE: N_("Close the case"),
    CaseAction.REOPEN: N_("Reopen the case"),
}

EXPLOITATION_LABELS = {
    ExploitationType.SEXUAL: N_("Sexual exploitation"),
    ExploitationType.LABOUR: N_("Labour exploitation"),
    ExploitationType.DOMESTIC_SERVITUDE: N_("Domestic servitude"),
    ExploitationType.FORCED_BEGGING: N_("Forced begging"),
    ExploitationType.FORCED_CRIMINALITY: N_("Forced criminality"),
    ExploitationType.ORGAN_REMOVAL: N_("Organ removal"),
    ExploitationType.FORCED_MARRIAGE: N_("Forced marriage"),
    ExploitationType.OTHER: N_("Other exploitation"),
}

SERVICE_LABELS = {
    ServiceType.SHELTER: N_("Shelter"),
    ServiceType.MEDICAL: N_("Medical care"),
    ServiceType.PSYCHOLOGICAL: N_("Psychological support"),
    ServiceType.LEGAL_AID: N_("Legal aid"),
    ServiceType.EDUCATION_EMPLOYMENT: N_("Education and employment"),
    ServiceType.CONSULATE: N_("Consular help"),
    ServiceType.CHILD_PROTECTION: N_("Child protection"),
}

REFERRAL_STATUS_LABELS = {
    ReferralStatus.REQUESTED: N_("Requested"),
    ReferralStatus.RECEIVED: N_("Received"),
    ReferralStatus.ACCEPTED: N_("Accepted"),
    ReferralStatus.REJECTED: N_("Rejected"),
    ReferralStatus.IN_PROGRESS: N_("In progress"),
    ReferralStatus.COMPLETED: N_("Completed"),
    ReferralStatus.FAILED: N_("Failed"),
    ReferralStatus.CANCELLED: N_("Cancelled"),
}

REFERRAL_ACTION_LABELS = {
    ReferralAction.RECEIVE: N_("Mark received"),
    ReferralAction.ACCEPT: N_("Accept"),
    ReferralAction.REJECT: N_("Reject"),
    ReferralAction.START: N_("Start the service"),
    ReferralAction.COMPLETE: N_("Complete"),
    ReferralAction.FAIL: N_("Could not provide"),
    ReferralAction.CANCEL: N_("Cancel the referral"),
}

RIGHT_KIND_LABELS = {
    RightKind.INFORMATION: N_("Information about rights"),
    RightKind.INTERPRETER: N_("Interpreter"),
    RightKind.SHELTER: N_("Safe accommodation"),
    RightKind.SOCIAL_SERVICES: N_("Social services"),
    RightKind.LEGAL_AID: N_("Legal aid"),
    RightKind.MEDICAL_CARE: N_("Medical care"),
    RightKind.REFLECTION_PERIOD: N_("Reflection period"),
}

RIGHT_STATUS_LABELS = {
    RightStatus.OFFERED: N_("Offered"),
    RightStatus.ACCEPTED: N_("Accepted"),
    RightStatus.DECLINED: N_("Declined"),
}

CONSENT_PURPOSE_LABELS = {
    ConsentPurpose.ASSISTANCE: N_("Assistance and referrals"),
    ConsentPurpose.SHARE_AGENCY: N_("Sharing with an agency"),
    ConsentPurpose.SHARE_COUNTRY: N_("Sharing with a country"),
    ConsentPurpose.RESEARCH: N_("Research"),
}

CONSENT_EXCEPTION_LABELS = {
    ConsentException.CHILD: N_("The child's best interests"),
    ConsentException.COURT_ORDER: N_("Court order"),
}

CLOSURE_REASON_LABELS = {
    ClosureReason.REINTEGRATED: N_("Reintegrated"),
    ClosureReason.RETURNED_HOME: N_("Returned home"),
    ClosureReason.NOT_A_VICTIM: N_("Not a victim"),
    ClosureReason.DECLINED_ASSISTANCE: N_("Declined assistance"),
    ClosureReason.LOST_CONTACT: N_("Lost contact"),
    ClosureReason.TRANSFERRED: N_("Transferred"),
    ClosureReason.DECEASED: N_("Deceased"),
    ClosureReason.DUPLICATE: N_("Duplicate record"),
    ClosureReason.OTHER: N_("Other reason"),
}

NOTIFICATION_STATUS_LABELS = {
    NotificationStatus.AWAITING_CONSENT: N_("Waiting for consent"),
    NotificationStatus.READY: N_("Ready to send"),
    NotificationStatus.SENT: N_("Sent"),
}

SEX_LABELS = {Sex.FEMALE: N_("Female"), Sex.MALE: N_("Male"), Sex.UNKNOWN: N_("Not known")}

DOCUMENT_TYPE_LABELS = {
    DocumentType.PASSPORT: N_("Passport"),
    DocumentType.ID_CARD: N_("Identity card"),
    DocumentType.BIRTH_CERTIFICATE: N_("Birth certificate"),
    DocumentType.TRAVEL_DOCUMENT: N_("Travel document"),
    DocumentType.OTHER: N_("Other document"),
}

# name -> (enumeration, its labels): what `nrm_label(kind, value)` looks up.
NRM_LABELS: dict[str, tuple[type[StrEnum], Mapping[Any, str]]] = {
    "case_status": (CaseStatus, CASE_STATUS_LABELS),
    "case_action": (CaseAction, CASE_ACTION_LABELS),
    "exploitation": (ExploitationType, EXPLOITATION_LABELS),
    "service": (ServiceType, SERVICE_LABELS),
    "referral_status": (ReferralStatus, REFERRAL_STATUS_LABELS),
    "referral_action": (ReferralAction, REFERRAL_ACTION_LABELS),
    "right_kind": (RightKind, RIGHT_KIND_LABELS),
    "right_status": (RightStatus, RIGHT_STATUS_LABELS),
    "consent_purpose": (ConsentPurpose, CONSENT_PURPOSE_LABELS),
    "consent_exception": (ConsentException, CONSENT_EXCEPTION_LABELS),
    "closure_reason": (ClosureReason, CLOSURE_REASON_LABELS),
    "notification_status": (NotificationStatus, NOTIFICATION_STATUS_LABELS),
    "sex": (Sex, SEX_LABELS),
    "document_type": (DocumentType, DOCUMENT_TYPE_LABELS),
}


def nrm_label(kind: str, value: StrEnum | str) -> str:
    """The translated label of a value of one of the NRM's enumerations, e.g.
    nrm_label("case_status", "potential_victim"). An unknown value shows as itself rather than
    failing the page (a newer node may send a status this one does not know yet)."""
    enum, labels = NRM_LABELS[kind]
    try:
        return gettext(labels[enum(value)])
    except ValueError:
        return str(value)


def nrm_choices(kind: str) -> list[tuple[str, str]]:
    """(value, translated label) of every member, in declaration order: what a select offers."""
    enum, labels = NRM_LABELS[kind]
    return [(member.value, gettext(labels[member])) for member in enum]
