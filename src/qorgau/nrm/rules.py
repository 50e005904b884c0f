"""Pure rules of the National Referral Mechanism: the case lifecycle and the protections it must
keep (reflection period, children without a guardian), age, consent, rights, referrals.

Nothing here reads or writes anything: the service gathers the facts, asks these functions, and
turns a RuleViolation into a refusal the user can act on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from qorgau.i18n import _
from qorgau.permissions import Permission

ADULT_AGE = 18  # Palermo Protocol art. 3(d), CRC art. 1
MIN_REASON_LENGTH = 10  # long enough that "ok" or "n/a" is not accepted as a written reason


class RuleViolation(Exception):
    """A step the rules refuse. `code` is stable (for the API and tests), `message` is translated
    and never carries personal data, `field` names the input to correct, if any."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def _check_reason(reason: str | None, field: str = "reason", code: str = "reason_required") -> None:
    if reason is None or len(reason.strip()) < MIN_REASON_LENGTH:
        raise RuleViolation(
            code, _("Give a reason of at least %(min)s characters.") % {"min": MIN_REASON_LENGTH}, field
        )


# --- Cases -----------------------------------------------------------------------------------


class CaseStatus(StrEnum):
    REPORTED = "reported"
    SCREENING = "screening"
    POTENTIAL_VICTIM = "potential_victim"
    IDENTIFIED_VICTIM = "identified_victim"
    NOT_A_VICTIM = "not_a_victim"
    ASSISTANCE = "assistance"
    RETURN_REINTEGRATION = "return_reintegration"
    CLOSED = "closed"


class CaseAction(StrEnum):
    START_SCREENING = "start_screening"
    MARK_POTENTIAL_VICTIM = "mark_potential_victim"
    IDENTIFY_AS_VICTIM = "identify_as_victim"
    DECIDE_NOT_A_VICTIM = "decide_not_a_victim"
    START_ASSISTANCE = "start_assistance"
    START_RETURN = "start_return"
    CLOSE = "close"
    REOPEN = "reopen"


class ClosureReason(StrEnum):
    REINTEGRATED = "reintegrated"
    RETURNED_HOME = "returned_home"
    NOT_A_VICTIM = "not_a_victim"
    DECLINED_ASSISTANCE = "declined_assistance"
    LOST_CONTACT = "lost_contact"
    TRANSFERRED = "transferred"
    DECEASED = "deceased"
    DUPLICATE = "duplicate"
    OTHER = "other"


class ExploitationType(StrEnum):
    # Stored as a bit mask (exploitation_mask): append new members, never reorder or remove.
    SEXUAL = "sexual"
    LABOUR = "labour"
    DOMESTIC_SERVITUDE = "domestic_servitude"
    FORCED_BEGGING = "forced_begging"
    FORCED_CRIMINALITY = "forced_criminality"
    ORGAN_REMOVAL = "organ_removal"
    FORCED_MARRIAGE = "forced_marriage"
    OTHER = "other"


_EXPLOITATION_ORDER = list(ExploitationType)


def exploitation_mask(types: Iterable[ExploitationType]) -> int:
    """Bit i set for the i-th ExploitationType in declaration order (a case often has several)."""
    mask = 0
    for t in types:
        mask |= 1 << _EXPLOITATION_ORDER.index(ExploitationType(t))
    return mask


def exploitation_types(mask: int) -> list[ExploitationType]:
    """The types of a mask, in declaration order. A bit with no type is corrupt data, not a type."""
    if mask < 0 or mask >> len(_EXPLOITATION_ORDER):
        raise ValueError(f"exploitation mask {mask} has bits with no exploitation type")
    return [t for i, t in enumerate(_EXPLOITATION_ORDER) if mask >> i & 1]


@dataclass(frozen=True)
class CaseFacts:
    status: CaseStatus
    status_before_close: CaseStatus | None  # set while closed: where REOPEN returns to
    is_child: bool
    has_guardian: bool
    reflection_ends_on: date | None  # None: no reflection period; else the first day after it
    today: date

    @property
    def in_reflection_period(self) -> bool:
        return self.reflection_ends_on is not None and self.today < self.reflection_ends_on


@dataclass(frozen=True)
class CaseCommand:
    action: CaseAction
    reason: str | None = None  # required for DECIDE_NOT_A_VICTIM, CLOSE and REOPEN
    closure_reason: ClosureReason | None = None  # required for CLOSE
    at_persons_request: bool = False  # the person asked for it themselves: lifts the reflection-period bar


# The identification decision is taken only by a supervisor or the authorised body, and
# supervisors approve closure (and so its undoing); the everyday steps are case work.
ACTION_PERMISSION: dict[CaseAction, Permission] = {
    CaseAction.START_SCREENING: Permission.CASE_WRITE,
    CaseAction.MARK_POTENTIAL_VICTIM: Permission.CASE_WRITE,
    CaseAction.IDENTIFY_AS_VICTIM: Permission.DECISION_MAKE,
    CaseAction.DECIDE_NOT_A_VICTIM: Permission.DECISION_MAKE,
    CaseAction.START_ASSISTANCE: Permission.CASE_WRITE,
    CaseAction.START_RETURN: Permission.CASE_WRITE,
    CaseAction.CLOSE: Permission.DECISION_MAKE,
    CaseAction.REOPEN: Permission.DECISION_MAKE,
}

S = CaseStatus
_OPEN = frozenset(s for s in CaseStatus if s != S.CLOSED)

# action -> (statuses it may start from, status it leads to). CLOSE and REOPEN are special-cased
# in next_status: CLOSE needs its reasons, REOPEN goes back to where the case was.
_CASE_MOVES: dict[CaseAction, tuple[frozenset[CaseStatus], CaseStatus]] = {
    CaseAction.START_SCREENING: (frozenset({S.REPORTED}), S.SCREENING),
    CaseAction.MARK_POTENTIAL_VICTIM: (frozenset({S.REPORTED, S.SCREENING}), S.POTENTIAL_VICTIM),
    CaseAction.IDENTIFY_AS_VICTIM: (frozenset({S.SCREENING, S.POTENTIAL_VICTIM}), S.IDENTIFIED_VICTIM),
    CaseAction.DECIDE_NOT_A_VICTIM: (frozenset({S.SCREENING, S.POTENTIAL_VICTIM}), S.NOT_A_VICTIM),
    CaseAction.START_ASSISTANCE: (frozenset({S.POTENTIAL_VICTIM, S.IDENTIFIED_VICTIM}), S.ASSISTANCE),
    CaseAction.START_RETURN: (frozenset({S.IDENTIFIED_VICTIM, S.ASSISTANCE}), S.RETURN_REINTEGRATION),
    CaseAction.CLOSE: (_OPEN, S.CLOSED),
}

# Steps that decide the person's fate against their wish if taken too early. Screening,
# identification and assistance protect, so the reflection period does not hold them back.
_FORCED_STEPS = frozenset({CaseAction.DECIDE_NOT_A_VICTIM, CaseAction.START_RETURN, CaseAction.CLOSE})
_NEEDS_REASON = frozenset({CaseAction.DECIDE_NOT_A_VICTIM, CaseAction.CLOSE, CaseAction.REOPEN})

# A child without a guardian has nobody to speak for them once the case is closed, so the case
# stays open until one is appointed. Only a duplicate record may close: the person's own case
# lives on in the other record. Not TRANSFERRED: the receiving side may never pick the child up,
# and the guardian is who would notice. Not DECEASED: a wrong entry would end the protection of
# a living child, the worst mistake this rule can prevent; the family, the return of remains and
# any investigation still need someone responsible.
_CHILD_WITHOUT_GUARDIAN_MAY_CLOSE_AS = frozenset({ClosureReason.DUPLICATE})


def next_status(facts: CaseFacts, command: CaseCommand) -> CaseStatus:
    """The status the command leads to, or RuleViolation saying why not.

    Checked in this order, so the message is about what the user can change: the step itself,
    the choice of closure reason, the protections, and last the written reason.
    """
    action = command.action
    if facts.status == S.CLOSED:
        if action != CaseAction.REOPEN:
            raise RuleViolation("transition_not_allowed", _("A closed case can only be reopened."))
        target = facts.status_before_close
        if target is None or target == S.CLOSED:
            raise RuleViolation(
                "status_before_close_unknown",
                _("This case cannot be reopened: the status it had before closing is not recorded."),
            )
        _check_reason(command.reason)
        return target
    if action == CaseAction.REOPEN:
        raise RuleViolation("transition_not_allowed", _("Only a closed case can be reopened."))

    sources, target = _CASE_MOVES[action]
    if facts.status not in sources:
        raise RuleViolation(
            "transition_not_allowed",
            _("This step is not possible in the case's current status; reload the case to see its steps."),
        )
    if action == CaseAction.CLOSE and command.closure_reason is None:
        raise RuleViolation("closure_reason_required", _("Choose a reason for closing."), "closure_reason")
    if action in _FORCED_STEPS and facts.in_reflection_period and not command.at_persons_request:
        raise RuleViolation(
            "reflection_period",
            _("No forced step before the reflection period ends on %(date)s, unless the person asks for it.")
            % {"date": str(facts.reflection_ends_on)},  # ISO 8601
            "at_persons_request",
        )
    if action == CaseAction.CLOSE:
        if (
            facts.is_child
            and not facts.has_guardian
            and command.closure_reason not in _CHILD_WITHOUT_GUARDIAN_MAY_CLOSE_AS
        ):
            raise RuleViolation(
                "child_without_guardian",
                _("A child's case stays open until a guardian is appointed, unless it is a duplicate."),
            )
        # "Not a victim" as a closure reason must rest on the decision, not replace it.
        if command.closure_reason == ClosureReason.NOT_A_VICTIM and facts.status != S.NOT_A_VICTIM:
            raise RuleViolation(
                "closure_reason_not_allowed",
                _("Close as not a victim only after a not-a-victim decision."),
                "closure_reason",
            )
    if action in _NEEDS_REASON:
        _check_reason(command.reason)
    return target


_A_REASON = "x" * MIN_REASON_LENGTH  # stands in for the written reason allowed_actions ignores


def allowed_actions(facts: CaseFacts, *, at_persons_request: bool = False) -> list[CaseAction]:
    """The actions next_status would accept, in enum order, given a written reason and some
    closure reason. By default it lists only what may be done without the person asking: during
    the reflection period the forced steps appear only with at_persons_request=True."""
    allowed = []
    for action in CaseAction:
        closure_reasons: list[ClosureReason | None] = (
            list(ClosureReason) if action == CaseAction.CLOSE else [None]
        )
        for closure_reason in closure_reasons:
            try:
                next_status(facts, CaseCommand(action, _A_REASON, closure_reason, at_persons_request))
            except RuleViolation:
                continue
            allowed.append(action)
            break
    return allowed


def allowed_closure_reasons(facts: CaseFacts, *, at_persons_request: bool = False) -> list[ClosureReason]:
    """The closure reasons CLOSE would accept now, in enum order (what a closing form offers)."""
    allowed = []
    for closure_reason in ClosureReason:
        try:
            next_status(facts, CaseCommand(CaseAction.CLOSE, _A_REASON, closure_reason, at_persons_request))
        except RuleViolation:
            continue
        allowed.append(closure_reason)
    return allowed


# --- Age, reflection period, notification ------------------------------------------------------


def age_on(birth_date: date, on: date) -> int:
    """Whole years lived on `on`.

    A 29 February birthday comes on 1 March in common years: the person stays a child one day
    longer than a reading that moves it to 28 February, which is the side to err on.
    """
    if on < birth_date:
        raise ValueError("the day is before the birth date")
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def is_child(
    birth_date: date | None, estimated_age: int | None, estimated_on: date | None, today: date
) -> bool:
    """Under 18 today. A known birth date decides. Otherwise an estimate counts as the youngest
    age it allows: the person is taken to have just turned `estimated_age` on `estimated_on`, and
    a missing `estimated_on` stops the clock (the younger reading). Where the age is uncertain and
    there is reason to think the person a child, they are presumed one (UNICEF Guidelines on the
    Protection of Child Victims of Trafficking; CoE Anti-Trafficking Convention, art. 10(3)); with
    neither a birth date nor an estimate nothing gives that reason."""
    if birth_date is not None:
        return age_on(birth_date, today) < ADULT_AGE
    if estimated_age is None:
        return False
    years_since = age_on(estimated_on, today) if estimated_on is not None and estimated_on <= today else 0
    return estimated_age + years_since < ADULT_AGE


def reflection_end(start: date, days: int) -> date:
    """The first day after a reflection period of `days` days that begins on `start` (the value
    for CaseFacts.reflection_ends_on: the period runs while today < this day)."""
    if days < 0:
        raise ValueError("a reflection period cannot be negative")
    return start + timedelta(days=days)


def home_countries_to_notify(
    citizenships: Iterable[str], node_country: str, found_in_country: str
) -> list[str]:
    """The countries whose consular or referral side should hear of the person (consent permitting).

    A foreign national: each country of citizenship. A citizen of the node's country found abroad:
    the node's own country (its consular service). A citizen at home: nobody, even with a second
    citizenship: a state does not owe another state notice of its own national on its own soil
    (1930 Hague Convention, art. 4), and each notice is one more place the person is known.
    """
    countries = set(citizenships)
    if node_country in countries:
        return [node_country] if found_in_country != node_country else []
    return sorted(countries)


# --- Consent ------------------------------------------------------------------------------------


class ConsentPurpose(StrEnum):
    ASSISTANCE = "assistance"
    SHARE_AGENCY = "share_agency"
    SHARE_COUNTRY = "share_country"
    RESEARCH = "research"


class ConsentException(StrEnum):
    CHILD = "child"  # the child's best interests, decided for the child (guardian, child protection)
    COURT_ORDER = "court_order"


@dataclass(frozen=True)
class ConsentGrant:
    purpose: ConsentPurpose
    agency_id: str | None  # for SHARE_AGENCY: the one agency it names
    country: str | None  # for SHARE_COUNTRY: the one country it names
    given_on: date
    withdrawn_on: date | None


def consent_covers(
    grants: Iterable[ConsentGrant],
    purpose: ConsentPurpose,
    *,
    on: date,
    agency_id: str | None = None,
    country: str | None = None,
) -> bool:
    """Whether some grant covers the purpose on that day. Consent is specific: sharing with an
    agency or a country needs a grant naming that very one, and a grant without a name covers no
    agency or country. Withdrawal counts from its own day on."""
    if purpose == ConsentPurpose.SHARE_AGENCY and agency_id is None:
        raise ValueError("sharing with an agency needs the agency_id")
    if purpose == ConsentPurpose.SHARE_COUNTRY and country is None:
        raise ValueError("sharing with a country needs the country")
    for g in grants:
        if g.purpose != purpose or g.given_on > on:
            continue
        if g.withdrawn_on is not None and g.withdrawn_on <= on:
            continue
        if purpose == ConsentPurpose.SHARE_AGENCY and g.agency_id != agency_id:
            continue
        if purpose == ConsentPurpose.SHARE_COUNTRY and g.country != country:
            continue
        return True
    return False


def check_consent(
    grants: Iterable[ConsentGrant],
    purpose: ConsentPurpose,
    *,
    on: date,
    agency_id: str | None = None,
    country: str | None = None,
    exception: ConsentException | None = None,
    exception_reason: str | None = None,
    is_child: bool = False,
) -> None:
    """Pass if consent covers the purpose, or if a lawful exception is claimed with a written reason.

    A CHILD exception claimed for an adult is refused even where consent exists: it states
    something false about the person, and the claim would stand in the record.
    """
    if exception == ConsentException.CHILD:
        if not is_child:
            raise RuleViolation(
                "exception_not_applicable",
                _("The child exception applies only to a child."),
                "exception",
            )
        # A child's best interests justify protecting them without their consent, not studying them.
        if purpose == ConsentPurpose.RESEARCH:
            raise RuleViolation(
                "exception_not_applicable",
                _("Research needs consent; the child exception does not apply to it."),
                "exception",
            )
    if consent_covers(grants, purpose, on=on, agency_id=agency_id, country=country):
        return
    if exception is None:
        raise RuleViolation(
            "consent_missing",
            _("The person has not consented to this; record their consent or a lawful exception."),
        )
    _check_reason(exception_reason, "exception_reason", "exception_reason_required")


# --- Rights -------------------------------------------------------------------------------------


class RightKind(StrEnum):
    INFORMATION = "information"
    INTERPRETER = "interpreter"
    SHELTER = "shelter"
    SOCIAL_SERVICES = "social_services"
    LEGAL_AID = "legal_aid"
    MEDICAL_CARE = "medical_care"
    REFLECTION_PERIOD = "reflection_period"


class RightStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


_RIGHT_MOVES: dict[RightStatus | None, frozenset[RightStatus]] = {
    None: frozenset({RightStatus.OFFERED}),  # a right is first offered, so the record shows it was
    RightStatus.OFFERED: frozenset({RightStatus.ACCEPTED, RightStatus.DECLINED}),
    # The person may change their mind, either way, at any time.
    RightStatus.ACCEPTED: frozenset({RightStatus.DECLINED}),
    RightStatus.DECLINED: frozenset({RightStatus.ACCEPTED}),
}


def next_right_status(current: RightStatus | None, new: RightStatus) -> RightStatus:
    if new not in _RIGHT_MOVES[current]:
        if current is None:
            message = _("Record first that the right was offered, then the person's answer.")
        elif new == current:
            message = _("Nothing to change: the right already has this status.")
        else:
            message = _("This right was already offered; record whether the person accepts or declines it.")
        raise RuleViolation("transition_not_allowed", message, "status")
    return new


# --- Referrals ----------------------------------------------------------------------------------


class ServiceType(StrEnum):
    SHELTER = "shelter"
    MEDICAL = "medical"
    PSYCHOLOGICAL = "psychological"
    LEGAL_AID = "legal_aid"
    EDUCATION_EMPLOYMENT = "education_employment"
    CONSULATE = "consulate"
    CHILD_PROTECTION = "child_protection"


class ReferralStatus(StrEnum):
    """A subset of HL7 FHIR Task.status ("in-progress" spelt with an underscore like our other values)."""

    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ReferralAction(StrEnum):
    RECEIVE = "receive"
    ACCEPT = "accept"
    REJECT = "reject"
    START = "start"
    COMPLETE = "complete"
    FAIL = "fail"
    CANCEL = "cancel"


R = ReferralStatus
ACTIVE_REFERRAL: frozenset[ReferralStatus] = frozenset({R.REQUESTED, R.RECEIVED, R.ACCEPTED, R.IN_PROGRESS})
TERMINAL_REFERRAL: frozenset[ReferralStatus] = frozenset(R) - ACTIVE_REFERRAL

# The receiving agency answers and carries out a referral; only the sender may withdraw it.
REFERRAL_ACTION_SIDE: dict[ReferralAction, Literal["receiver", "sender"]] = {
    ReferralAction.RECEIVE: "receiver",
    ReferralAction.ACCEPT: "receiver",
    ReferralAction.REJECT: "receiver",
    ReferralAction.START: "receiver",
    ReferralAction.COMPLETE: "receiver",
    ReferralAction.FAIL: "receiver",
    ReferralAction.CANCEL: "sender",
}

_REFERRAL_MOVES: dict[ReferralAction, tuple[frozenset[ReferralStatus], ReferralStatus]] = {
    ReferralAction.RECEIVE: (frozenset({R.REQUESTED}), R.RECEIVED),
    ReferralAction.ACCEPT: (frozenset({R.REQUESTED, R.RECEIVED}), R.ACCEPTED),
    ReferralAction.REJECT: (frozenset({R.REQUESTED, R.RECEIVED}), R.REJECTED),
    ReferralAction.START: (frozenset({R.ACCEPTED}), R.IN_PROGRESS),
    ReferralAction.COMPLETE: (frozenset({R.IN_PROGRESS}), R.COMPLETED),
    ReferralAction.FAIL: (frozenset({R.IN_PROGRESS}), R.FAILED),
    ReferralAction.CANCEL: (ACTIVE_REFERRAL, R.CANCELLED),
}
# Saying no, giving up or withdrawing leaves the person without the service: the sender (or
# the receiver) must be told why, to refer elsewhere.
_REFERRAL_NEEDS_REASON = frozenset({ReferralAction.REJECT, ReferralAction.FAIL, ReferralAction.CANCEL})


def next_referral_status(
    status: ReferralStatus, action: ReferralAction, reason: str | None = None
) -> ReferralStatus:
    sources, target = _REFERRAL_MOVES[action]
    if status not in sources:
        if status in TERMINAL_REFERRAL:
            message = _("This referral is finished; make a new referral instead.")
        else:
            message = _("This step is not possible in the referral's current status.")
        raise RuleViolation("transition_not_allowed", message)
    if action in _REFERRAL_NEEDS_REASON:
        _check_reason(reason)
    return target


def allowed_referral_actions(status: ReferralStatus) -> list[ReferralAction]:
    """The actions possible from a status (given a reason where one is needed), in enum order."""
    return [a for a, (sources, _target) in _REFERRAL_MOVES.items() if status in sources]


# --- Possible-duplicate checks ------------------------------------------------------------------

# Whether a person is registered anywhere is itself sensitive (is this passport known to the
# system?), so an officer's checks are counted: this many an hour, per user, is far above what
# intake at a desk needs and far below what trying names or documents one after another needs.
DUPLICATE_CHECKS_PER_HOUR = 20
DUPLICATE_CHECK_WINDOW = timedelta(hours=1)


def duplicate_check_wait(recent: list[datetime], now: datetime) -> int:
    """Seconds until one more duplicate check is allowed, given when the user's checks within the
    window happened (oldest first); 0 when one is allowed now."""
    within = [t for t in recent if now - t < DUPLICATE_CHECK_WINDOW]
    if len(within) < DUPLICATE_CHECKS_PER_HOUR:
        return 0
    frees_at = within[-DUPLICATE_CHECKS_PER_HOUR] + DUPLICATE_CHECK_WINDOW
    return max(1, math.ceil((frees_at - now).total_seconds()))
