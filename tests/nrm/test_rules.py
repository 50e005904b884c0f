"""NRM rules (hypothesis): a case moves only along the agreed lifecycle, a closed case only by
reopening, no forced step during the reflection period unless the person asks, no closing a
child's case without a guardian; consent is specific and withdrawable; referrals end for good."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from qorgau.nrm.rules import (
    ACTION_PERMISSION,
    ACTIVE_REFERRAL,
    MIN_REASON_LENGTH,
    REFERRAL_ACTION_SIDE,
    CaseAction,
    CaseCommand,
    CaseFacts,
    CaseStatus,
    ClosureReason,
    ConsentException,
    ConsentGrant,
    ConsentPurpose,
    ExploitationType,
    ReferralAction,
    ReferralStatus,
    RightStatus,
    RuleViolation,
    age_on,
    allowed_actions,
    allowed_closure_reasons,
    allowed_referral_actions,
    check_consent,
    consent_covers,
    exploitation_mask,
    exploitation_types,
    home_countries_to_notify,
    is_child,
    next_referral_status,
    next_right_status,
    next_status,
    reflection_end,
)
from qorgau.permissions import Permission

S, A, C = CaseStatus, CaseAction, ClosureReason
TODAY = date(2025, 6, 15)
REASON = "The person asked for it in writing"
OPEN = [s for s in CaseStatus if s != S.CLOSED]

# The lifecycle as agreed, written out independently of the module: (from, action, to).
CASE_TRIPLES = {
    (S.REPORTED, A.START_SCREENING, S.SCREENING),
    (S.REPORTED, A.MARK_POTENTIAL_VICTIM, S.POTENTIAL_VICTIM),
    (S.SCREENING, A.MARK_POTENTIAL_VICTIM, S.POTENTIAL_VICTIM),
    (S.SCREENING, A.IDENTIFY_AS_VICTIM, S.IDENTIFIED_VICTIM),
    (S.POTENTIAL_VICTIM, A.IDENTIFY_AS_VICTIM, S.IDENTIFIED_VICTIM),
    (S.SCREENING, A.DECIDE_NOT_A_VICTIM, S.NOT_A_VICTIM),
    (S.POTENTIAL_VICTIM, A.DECIDE_NOT_A_VICTIM, S.NOT_A_VICTIM),
    (S.POTENTIAL_VICTIM, A.START_ASSISTANCE, S.ASSISTANCE),
    (S.IDENTIFIED_VICTIM, A.START_ASSISTANCE, S.ASSISTANCE),
    (S.IDENTIFIED_VICTIM, A.START_RETURN, S.RETURN_REINTEGRATION),
    (S.ASSISTANCE, A.START_RETURN, S.RETURN_REINTEGRATION),
    *((s, A.CLOSE, S.CLOSED) for s in OPEN),
    *((S.CLOSED, A.REOPEN, s) for s in OPEN),
}
FORCED = {A.DECIDE_NOT_A_VICTIM, A.START_RETURN, A.CLOSE}
NEEDS_REASON = {A.DECIDE_NOT_A_VICTIM, A.CLOSE, A.REOPEN}


def reachable(start, triples):  # type: ignore[no-untyped-def]
    seen, queue = {start}, deque([start])
    while queue:
        here = queue.popleft()
        for frm, _action, to in triples:
            if frm == here and to not in seen:
                seen.add(to)
                queue.append(to)
    return seen


CASE_REACHABLE = reachable(S.REPORTED, CASE_TRIPLES)


def facts(status: CaseStatus = S.REPORTED, **kw) -> CaseFacts:  # type: ignore[no-untyped-def]
    values = {
        "status_before_close": None,
        "is_child": False,
        "has_guardian": False,
        "reflection_ends_on": None,
        "today": TODAY,
    }
    values.update(kw)
    return CaseFacts(status=status, **values)


def command(action: CaseAction, **kw) -> CaseCommand:  # type: ignore[no-untyped-def]
    if action == A.CLOSE:
        kw.setdefault("closure_reason", C.OTHER)
    kw.setdefault("reason", REASON)
    return CaseCommand(action, **kw)


def refusal(f: CaseFacts, c: CaseCommand) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        next_status(f, c)
    return caught.value


def rules_broken(f: CaseFacts, c: CaseCommand) -> set[str]:
    """Every rule the command breaks, from the agreed rules (not from the module's code)."""
    if f.status == S.CLOSED:
        if c.action != A.REOPEN:
            return {"transition_not_allowed"}
        broken = set() if f.status_before_close in OPEN else {"status_before_close_unknown"}
    elif not any(frm == f.status and a == c.action for frm, a, _to in CASE_TRIPLES):
        return {"transition_not_allowed"}
    else:
        broken = set()
    if c.action == A.CLOSE:
        if c.closure_reason is None:
            broken.add("closure_reason_required")
        if f.is_child and not f.has_guardian and c.closure_reason != C.DUPLICATE:
            broken.add("child_without_guardian")
        if c.closure_reason == C.NOT_A_VICTIM and f.status != S.NOT_A_VICTIM:
            broken.add("closure_reason_not_allowed")
    ends = f.reflection_ends_on
    if c.action in FORCED and ends is not None and f.today < ends and not c.at_persons_request:
        broken.add("reflection_period")
    if c.action in NEEDS_REASON and len((c.reason or "").strip()) < MIN_REASON_LENGTH:
        broken.add("reason_required")
    return broken


# --- The lifecycle, step by step ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("frm", "action", "to"), sorted(t for t in CASE_TRIPLES if t[0] != S.CLOSED and t[1] != A.CLOSE)
)
def test_each_step_of_the_lifecycle_leads_to_its_status(frm, action, to):
    assert next_status(facts(frm), command(action)) == to


@pytest.mark.parametrize("frm", OPEN)
def test_a_case_can_be_closed_from_any_open_status(frm):
    assert next_status(facts(frm), command(A.CLOSE, closure_reason=C.OTHER)) == S.CLOSED


@pytest.mark.parametrize("before", OPEN)
def test_a_reopened_case_returns_to_where_it_was_before_closing(before):
    closed = facts(S.CLOSED, status_before_close=before)
    assert next_status(closed, command(A.REOPEN)) == before


@pytest.mark.parametrize(
    ("frm", "action"),
    [
        (s, a)
        for s in CaseStatus
        for a in CaseAction
        if not any(t[0] == s and t[1] == a for t in CASE_TRIPLES)
    ],
)
def test_steps_outside_the_lifecycle_are_refused(frm, action):
    f = facts(frm, status_before_close=S.ASSISTANCE if frm == S.CLOSED else None)
    assert refusal(f, command(action)).code == "transition_not_allowed"


def test_a_closed_case_changes_only_by_reopening():
    closed = facts(S.CLOSED, status_before_close=S.ASSISTANCE)
    assert allowed_actions(closed) == [A.REOPEN]
    assert allowed_actions(closed, at_persons_request=True) == [A.REOPEN]


def test_a_closed_case_whose_earlier_status_is_lost_is_not_reopened_to_a_guess():
    closed = facts(S.CLOSED, status_before_close=None)
    assert refusal(closed, command(A.REOPEN)).code == "status_before_close_unknown"
    assert allowed_actions(closed) == []


@pytest.mark.parametrize(
    ("frm", "action"), [(S.SCREENING, A.DECIDE_NOT_A_VICTIM), (S.ASSISTANCE, A.CLOSE), (S.CLOSED, A.REOPEN)]
)
@pytest.mark.parametrize("reason", [None, "", "          ", "too short", "  123456789  "])
def test_decisions_closing_and_reopening_need_a_written_reason(frm, action, reason):
    f = facts(frm, status_before_close=S.ASSISTANCE if frm == S.CLOSED else None)
    violation = refusal(f, command(action, reason=reason))
    assert (violation.code, violation.field) == ("reason_required", "reason")
    assert str(MIN_REASON_LENGTH) in violation.message


def test_a_reason_of_ten_characters_after_trimming_is_enough():
    assert next_status(facts(S.SCREENING), command(A.DECIDE_NOT_A_VICTIM, reason="  1234567890  ")) == (
        S.NOT_A_VICTIM
    )


def test_everyday_steps_need_no_written_reason():
    assert next_status(facts(S.REPORTED), CaseCommand(A.START_SCREENING)) == S.SCREENING


def test_closing_needs_a_closure_reason():
    violation = refusal(facts(S.ASSISTANCE), command(A.CLOSE, closure_reason=None))
    assert (violation.code, violation.field) == ("closure_reason_required", "closure_reason")


def test_a_case_is_closed_as_not_a_victim_only_after_that_decision():
    violation = refusal(facts(S.POTENTIAL_VICTIM), command(A.CLOSE, closure_reason=C.NOT_A_VICTIM))
    assert (violation.code, violation.field) == ("closure_reason_not_allowed", "closure_reason")
    assert next_status(facts(S.NOT_A_VICTIM), command(A.CLOSE, closure_reason=C.NOT_A_VICTIM)) == S.CLOSED
    assert C.NOT_A_VICTIM not in allowed_closure_reasons(facts(S.POTENTIAL_VICTIM))
    assert C.NOT_A_VICTIM in allowed_closure_reasons(facts(S.NOT_A_VICTIM))


def test_identification_and_closure_are_for_decision_makers_only():
    decisions = {a for a, p in ACTION_PERMISSION.items() if p == Permission.DECISION_MAKE}
    assert decisions == {A.IDENTIFY_AS_VICTIM, A.DECIDE_NOT_A_VICTIM, A.CLOSE, A.REOPEN}
    assert set(ACTION_PERMISSION) == set(CaseAction)
    assert {ACTION_PERMISSION[a] for a in set(CaseAction) - decisions} == {Permission.CASE_WRITE}


# --- The reflection and recovery period --------------------------------------------------------

IN_REFLECTION = {"reflection_ends_on": TODAY + timedelta(days=30)}


@pytest.mark.parametrize(
    ("frm", "action"),
    [(S.SCREENING, A.DECIDE_NOT_A_VICTIM), (S.ASSISTANCE, A.START_RETURN), (S.ASSISTANCE, A.CLOSE)],
)
def test_no_forced_step_during_the_reflection_period(frm, action):
    violation = refusal(facts(frm, **IN_REFLECTION), command(action))
    assert (violation.code, violation.field) == ("reflection_period", "at_persons_request")
    assert "2025-07-15" in violation.message  # the end date, in ISO form
    assert action not in allowed_actions(facts(frm, **IN_REFLECTION))


@pytest.mark.parametrize(
    ("frm", "action", "to"),
    [
        (S.SCREENING, A.DECIDE_NOT_A_VICTIM, S.NOT_A_VICTIM),
        (S.ASSISTANCE, A.START_RETURN, S.RETURN_REINTEGRATION),
        (S.ASSISTANCE, A.CLOSE, S.CLOSED),
    ],
)
def test_the_person_may_ask_for_a_step_during_the_reflection_period(frm, action, to):
    assert next_status(facts(frm, **IN_REFLECTION), command(action, at_persons_request=True)) == to
    assert action in allowed_actions(facts(frm, **IN_REFLECTION), at_persons_request=True)


@pytest.mark.parametrize(
    ("frm", "action", "to"),
    [
        (S.REPORTED, A.START_SCREENING, S.SCREENING),
        (S.SCREENING, A.MARK_POTENTIAL_VICTIM, S.POTENTIAL_VICTIM),
        (S.POTENTIAL_VICTIM, A.IDENTIFY_AS_VICTIM, S.IDENTIFIED_VICTIM),
        (S.IDENTIFIED_VICTIM, A.START_ASSISTANCE, S.ASSISTANCE),
    ],
)
def test_protective_steps_go_ahead_during_the_reflection_period(frm, action, to):
    assert next_status(facts(frm, **IN_REFLECTION), command(action)) == to


def test_forced_steps_open_on_the_day_the_reflection_period_ends():
    ends = reflection_end(TODAY, 30)
    assert ends == date(2025, 7, 15)
    last_day = facts(S.ASSISTANCE, reflection_ends_on=ends, today=ends - timedelta(days=1))
    assert refusal(last_day, command(A.START_RETURN)).code == "reflection_period"
    assert next_status(replace(last_day, today=ends), command(A.START_RETURN)) == S.RETURN_REINTEGRATION


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(min_value=0, max_value=365)
)
def test_a_reflection_period_of_n_days_covers_exactly_n_days_from_its_start(start, days):
    ends = reflection_end(start, days)
    covered = [
        offset
        for offset in range(days + 2)
        if facts(reflection_ends_on=ends, today=start + timedelta(days=offset)).in_reflection_period
    ]
    assert covered == list(range(days))


def test_a_negative_reflection_period_is_a_mistake():
    with pytest.raises(ValueError):
        reflection_end(TODAY, -1)


# --- Children ----------------------------------------------------------------------------------

CHILD_ALONE = {"is_child": True, "has_guardian": False}


@pytest.mark.parametrize(
    "closure_reason", [r for r in ClosureReason if r not in (C.DUPLICATE, C.NOT_A_VICTIM)]
)
def test_a_childs_case_stays_open_until_a_guardian_is_appointed(closure_reason):
    violation = refusal(facts(S.ASSISTANCE, **CHILD_ALONE), command(A.CLOSE, closure_reason=closure_reason))
    assert violation.code == "child_without_guardian"


def test_a_childs_not_a_victim_case_stays_open_until_a_guardian_is_appointed():
    f = facts(S.NOT_A_VICTIM, **CHILD_ALONE)
    assert refusal(f, command(A.CLOSE, closure_reason=C.NOT_A_VICTIM)).code == "child_without_guardian"


def test_the_persons_request_does_not_close_a_childs_case_without_a_guardian():
    f = facts(S.ASSISTANCE, **CHILD_ALONE, **IN_REFLECTION)
    violation = refusal(f, command(A.CLOSE, closure_reason=C.REINTEGRATED, at_persons_request=True))
    assert violation.code == "child_without_guardian"


def test_a_duplicate_record_of_a_child_may_be_closed():
    f = facts(S.REPORTED, **CHILD_ALONE)
    assert next_status(f, command(A.CLOSE, closure_reason=C.DUPLICATE)) == S.CLOSED
    assert allowed_closure_reasons(f) == [C.DUPLICATE]


def test_a_childs_case_with_a_guardian_may_be_closed():
    f = facts(S.ASSISTANCE, is_child=True, has_guardian=True)
    assert next_status(f, command(A.CLOSE, closure_reason=C.REINTEGRATED)) == S.CLOSED


# --- Any sequence of commands ------------------------------------------------------------------

reasons = st.sampled_from([None, "", "   ", "too short", "  1234567890 ", REASON])


class CaseLifecycle(RuleBasedStateMachine):
    """Users submit any command, while the person's situation and the calendar change."""

    def __init__(self) -> None:
        super().__init__()
        self.facts = facts(S.REPORTED, has_guardian=True)

    @rule(child=st.booleans(), guardian=st.booleans())
    def the_persons_situation_changes(self, child, guardian):
        self.facts = replace(self.facts, is_child=child, has_guardian=guardian)

    @rule(days=st.integers(min_value=0, max_value=90))
    def a_reflection_period_begins(self, days):
        self.facts = replace(self.facts, reflection_ends_on=reflection_end(self.facts.today, days))

    @rule(days=st.integers(min_value=1, max_value=45))
    def time_passes(self, days):
        self.facts = replace(self.facts, today=self.facts.today + timedelta(days=days))

    @rule(
        action=st.sampled_from(CaseAction),
        reason=reasons,
        closure_reason=st.none() | st.sampled_from(ClosureReason),
        at_persons_request=st.booleans(),
    )
    def a_user_submits_any_command(self, action, reason, closure_reason, at_persons_request):
        self.submit(CaseCommand(action, reason, closure_reason, at_persons_request))

    # Most random commands are refused; this rule takes a step the page would offer, with any
    # closure reason, so that closing, reopening and the protections are exercised often.
    @rule(data=st.data(), at_persons_request=st.booleans(), closure_reason=st.sampled_from(ClosureReason))
    def a_user_takes_an_offered_step(self, data, at_persons_request, closure_reason):
        offered = allowed_actions(self.facts, at_persons_request=at_persons_request)
        action = data.draw(st.sampled_from(offered or list(CaseAction)))
        self.submit(CaseCommand(action, REASON, closure_reason, at_persons_request))

    def submit(self, c: CaseCommand) -> None:
        before, action = self.facts, c.action
        broken = rules_broken(before, c)
        try:
            after = next_status(before, c)
        except RuleViolation as violation:
            assert violation.code in broken
            assert violation.message
            return
        assert not broken
        assert (before.status, action, after) in CASE_TRIPLES
        assert after in CASE_REACHABLE
        if before.status == S.CLOSED:
            assert action == A.REOPEN
            assert after == before.status_before_close
        if after == S.CLOSED and before.is_child and not before.has_guardian:
            assert c.closure_reason == C.DUPLICATE
        ends = before.reflection_ends_on
        if action in FORCED and ends is not None and before.today < ends:
            assert c.at_persons_request
        self.facts = replace(
            before, status=after, status_before_close=before.status if after == S.CLOSED else None
        )

    @invariant()
    def allowed_actions_agree_with_next_status(self):
        for at_persons_request in (False, True):
            listed = allowed_actions(self.facts, at_persons_request=at_persons_request)
            assert listed == sorted(listed, key=list(CaseAction).index)
            for action in CaseAction:
                options = list(ClosureReason) if action == A.CLOSE else [None]
                commands = [CaseCommand(action, REASON, r, at_persons_request) for r in options]
                accepted = []
                for c in commands:
                    try:
                        next_status(self.facts, c)
                        accepted.append(True)
                    except RuleViolation:
                        accepted.append(False)
                assert (action in listed) == any(accepted)
                assert any(accepted) == any(not rules_broken(self.facts, c) for c in commands)


CaseLifecycle.TestCase.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)
TestAnySequenceOfCommandsKeepsTheRules = CaseLifecycle.TestCase


# --- Age ---------------------------------------------------------------------------------------

birth_dates = st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 12, 31))


@given(birth_dates)
def test_a_person_is_zero_on_the_day_of_birth(birth):
    assert age_on(birth, birth) == 0


@given(birth_dates, st.integers(min_value=0, max_value=40000), st.integers(min_value=0, max_value=400))
def test_age_never_goes_down(birth, first, more):
    earlier = birth + timedelta(days=first)
    later = earlier + timedelta(days=more)
    assert age_on(birth, earlier) <= age_on(birth, later)
    assert age_on(birth, later) - age_on(birth, earlier) <= more // 365 + 1


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)))
def test_a_person_born_eighteen_years_ago_today_is_an_adult_and_yesterday_was_a_child(today):
    assume((today.month, today.day) != (2, 29))  # 18 years before a 29 February is a common year
    birth = today.replace(year=today.year - 18)
    assert not is_child(birth, None, None, today)
    assert is_child(birth, None, None, today - timedelta(days=1))


def test_a_leap_day_birthday_comes_on_the_first_of_march_in_common_years():
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert age_on(born, date(2028, 2, 28)) == 19
    assert age_on(born, date(2028, 2, 29)) == 20
    assert is_child(born, None, None, date(2026, 2, 28))
    assert not is_child(born, None, None, date(2026, 3, 1))


def test_an_age_before_birth_is_a_mistake():
    with pytest.raises(ValueError):
        age_on(date(2010, 5, 1), date(2010, 4, 30))


def test_an_estimated_age_grows_by_the_whole_years_since_the_estimate():
    estimated_on = date(2024, 6, 1)
    assert is_child(None, 17, estimated_on, date(2025, 5, 31))
    assert not is_child(None, 17, estimated_on, date(2025, 6, 1))
    assert is_child(None, 15, estimated_on, date(2026, 5, 31))


def test_an_estimate_without_its_date_keeps_the_person_a_child():
    assert is_child(None, 17, None, date(2040, 1, 1))


def test_a_known_birth_date_wins_over_an_estimate():
    assert not is_child(date(2000, 1, 1), 12, TODAY, TODAY)
    assert is_child(date(2015, 1, 1), 30, TODAY, TODAY)


def test_a_person_of_unknown_age_is_not_presumed_a_child_without_a_reason():
    assert not is_child(None, None, None, TODAY)


# --- Home countries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("citizenships", "found_in", "expected"),
    [
        (["UZ"], "KZ", ["UZ"]),  # a foreign national found here
        (["UZ", "TJ", "UZ"], "KZ", ["TJ", "UZ"]),  # every citizenship, once, sorted
        (["UZ"], "RU", ["UZ"]),  # a foreign national whose case this node holds
        (["KZ"], "RU", ["KZ"]),  # a citizen found abroad: our own consular side
        (["KZ", "RU"], "TR", ["KZ"]),
        (["KZ"], "KZ", []),  # a citizen at home
        (["KZ", "RU"], "KZ", []),  # a dual citizen at home is ours alone
        ([], "KZ", []),  # stateless
    ],
)
def test_home_countries_to_notify(citizenships, found_in, expected):
    assert home_countries_to_notify(citizenships, "KZ", found_in) == expected


@given(st.lists(st.sampled_from(["KZ", "UZ", "KG", "TJ", "RU"])), st.sampled_from(["KZ", "UZ", "RU", "TR"]))
def test_notified_countries_are_sorted_unique_and_never_the_node_for_a_citizen_at_home(citizenships, found):
    notified = home_countries_to_notify(citizenships, "KZ", found)
    assert notified == sorted(set(notified))
    assert set(notified) <= set(citizenships)
    if found == "KZ":
        assert "KZ" not in notified


# --- Consent -----------------------------------------------------------------------------------

AGENCIES = ["agency-a", "agency-b", "agency-c"]
COUNTRIES = ["KZ", "UZ", "KG"]
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def grants(draw, purpose=None, withdrawn=None):  # type: ignore[no-untyped-def]
    given_on = draw(days)
    if withdrawn is None:
        withdrawn_on = draw(st.none() | st.dates(min_value=given_on, max_value=date(2031, 12, 31)))
    elif withdrawn:
        withdrawn_on = draw(st.dates(min_value=given_on, max_value=date(2031, 12, 31)))
    else:
        withdrawn_on = None
    return ConsentGrant(
        purpose=draw(st.sampled_from(ConsentPurpose)) if purpose is None else purpose,
        agency_id=draw(st.none() | st.sampled_from(AGENCIES)),
        country=draw(st.none() | st.sampled_from(COUNTRIES)),
        given_on=given_on,
        withdrawn_on=withdrawn_on,
    )


def target(grant: ConsentGrant) -> dict[str, str]:
    return {"agency_id": grant.agency_id or AGENCIES[0], "country": grant.country or COUNTRIES[0]}


@given(grants(withdrawn=True), st.integers(min_value=0, max_value=3000))
def test_withdrawn_consent_never_covers_from_the_day_of_withdrawal(grant, after):
    assert grant.withdrawn_on is not None
    on = grant.withdrawn_on + timedelta(days=after)
    assert not consent_covers([grant], grant.purpose, on=on, **target(grant))


@given(grants(), st.integers(min_value=1, max_value=3000))
def test_consent_does_not_cover_the_days_before_it_was_given(grant, before):
    on = grant.given_on - timedelta(days=before)
    assert not consent_covers([grant], grant.purpose, on=on, **target(grant))


@given(st.lists(grants(), max_size=6), st.sampled_from(AGENCIES), days)
def test_consent_to_share_with_one_agency_never_covers_another(grant_list, other, on):
    naming_other = [g for g in grant_list if g.agency_id != other]
    assert not consent_covers(naming_other, ConsentPurpose.SHARE_AGENCY, on=on, agency_id=other)


@given(st.lists(grants(), max_size=6), st.sampled_from(COUNTRIES), days)
def test_consent_to_share_with_one_country_never_covers_another(grant_list, other, on):
    naming_other = [g for g in grant_list if g.country != other]
    assert not consent_covers(naming_other, ConsentPurpose.SHARE_COUNTRY, on=on, country=other)


@given(grants(withdrawn=False), st.integers(min_value=0, max_value=3000))
def test_consent_given_and_not_withdrawn_covers_what_it_names(grant, after):
    on = grant.given_on + timedelta(days=after)
    if grant.purpose == ConsentPurpose.SHARE_AGENCY and grant.agency_id is None:
        return  # names no agency, so covers none (see the next test)
    if grant.purpose == ConsentPurpose.SHARE_COUNTRY and grant.country is None:
        return
    assert consent_covers([grant], grant.purpose, on=on, **target(grant))
    others = [p for p in ConsentPurpose if p != grant.purpose]
    assert not any(consent_covers([grant], p, on=on, **target(grant)) for p in others)


def test_consent_to_share_that_names_no_agency_or_country_covers_none():
    blank = ConsentGrant(ConsentPurpose.SHARE_AGENCY, None, None, date(2024, 1, 1), None)
    assert not consent_covers([blank], ConsentPurpose.SHARE_AGENCY, on=TODAY, agency_id="agency-a")
    blank = replace(blank, purpose=ConsentPurpose.SHARE_COUNTRY)
    assert not consent_covers([blank], ConsentPurpose.SHARE_COUNTRY, on=TODAY, country="UZ")


def test_asking_about_sharing_without_naming_the_recipient_is_a_mistake():
    with pytest.raises(ValueError):
        consent_covers([], ConsentPurpose.SHARE_AGENCY, on=TODAY)
    with pytest.raises(ValueError):
        consent_covers([], ConsentPurpose.SHARE_COUNTRY, on=TODAY)


@given(st.lists(grants(), max_size=6), st.sampled_from(ConsentPurpose), days, st.booleans())
def test_a_court_order_with_a_reason_always_allows(grant_list, purpose, on, child):
    check_consent(
        grant_list,
        purpose,
        on=on,
        agency_id="agency-a",
        country="UZ",
        exception=ConsentException.COURT_ORDER,
        exception_reason="Order 2-117/2025 of the district court",
        is_child=child,
    )


@given(st.lists(grants(), max_size=6), st.sampled_from(ConsentPurpose), days, reasons)
def test_the_child_exception_never_applies_to_an_adult(grant_list, purpose, on, reason):
    with pytest.raises(RuleViolation) as caught:
        check_consent(
            grant_list,
            purpose,
            on=on,
            agency_id="agency-a",
            country="UZ",
            exception=ConsentException.CHILD,
            exception_reason=reason,
            is_child=False,
        )
    assert (caught.value.code, caught.value.field) == ("exception_not_applicable", "exception")


@pytest.mark.parametrize("purpose", [p for p in ConsentPurpose if p != ConsentPurpose.RESEARCH])
def test_the_child_exception_with_a_reason_allows_help_and_sharing_for_a_child(purpose):
    check_consent(
        [],
        purpose,
        on=TODAY,
        agency_id="agency-a",
        country="UZ",
        exception=ConsentException.CHILD,
        exception_reason="Guardian not yet appointed; shelter needed",
        is_child=True,
    )


def test_research_on_a_child_needs_consent_even_with_the_child_exception():
    with pytest.raises(RuleViolation) as caught:
        check_consent(
            [],
            ConsentPurpose.RESEARCH,
            on=TODAY,
            exception=ConsentException.CHILD,
            exception_reason="Useful for the annual study",
            is_child=True,
        )
    assert caught.value.code == "exception_not_applicable"


def test_without_consent_or_an_exception_nothing_is_shared():
    with pytest.raises(RuleViolation) as caught:
        check_consent([], ConsentPurpose.SHARE_AGENCY, on=TODAY, agency_id="agency-a")
    assert caught.value.code == "consent_missing"


@pytest.mark.parametrize("reason", [None, "", "court", "   x      "])
def test_an_exception_needs_a_written_reason(reason):
    with pytest.raises(RuleViolation) as caught:
        check_consent(
            [],
            ConsentPurpose.SHARE_COUNTRY,
            on=TODAY,
            country="UZ",
            exception=ConsentException.COURT_ORDER,
            exception_reason=reason,
        )
    assert (caught.value.code, caught.value.field) == ("exception_reason_required", "exception_reason")


def test_recorded_consent_needs_no_exception():
    grant = ConsentGrant(ConsentPurpose.SHARE_AGENCY, "agency-a", None, date(2025, 1, 1), None)
    check_consent([grant], ConsentPurpose.SHARE_AGENCY, on=TODAY, agency_id="agency-a")


# --- Rights ------------------------------------------------------------------------------------

RIGHT_MOVES = {
    (None, RightStatus.OFFERED),
    (RightStatus.OFFERED, RightStatus.ACCEPTED),
    (RightStatus.OFFERED, RightStatus.DECLINED),
    (RightStatus.ACCEPTED, RightStatus.DECLINED),
    (RightStatus.DECLINED, RightStatus.ACCEPTED),
}


@pytest.mark.parametrize("current", [None, *RightStatus])
@pytest.mark.parametrize("new", list(RightStatus))
def test_a_right_is_offered_first_and_the_person_may_change_their_mind(current, new):
    if (current, new) in RIGHT_MOVES:
        assert next_right_status(current, new) == new
    else:
        with pytest.raises(RuleViolation) as caught:
            next_right_status(current, new)
        assert caught.value.code == "transition_not_allowed"


# --- Referrals ---------------------------------------------------------------------------------

R, RA = ReferralStatus, ReferralAction
REFERRAL_TRIPLES = {
    (R.REQUESTED, RA.RECEIVE, R.RECEIVED),
    (R.REQUESTED, RA.ACCEPT, R.ACCEPTED),
    (R.RECEIVED, RA.ACCEPT, R.ACCEPTED),
    (R.REQUESTED, RA.REJECT, R.REJECTED),
    (R.RECEIVED, RA.REJECT, R.REJECTED),
    (R.ACCEPTED, RA.START, R.IN_PROGRESS),
    (R.IN_PROGRESS, RA.COMPLETE, R.COMPLETED),
    (R.IN_PROGRESS, RA.FAIL, R.FAILED),
    *((s, RA.CANCEL, R.CANCELLED) for s in (R.REQUESTED, R.RECEIVED, R.ACCEPTED, R.IN_PROGRESS)),
}
REFERRAL_NEEDS_REASON = {RA.REJECT, RA.FAIL, RA.CANCEL}
TERMINAL = [R.REJECTED, R.COMPLETED, R.FAILED, R.CANCELLED]


@pytest.mark.parametrize(("frm", "action", "to"), sorted(REFERRAL_TRIPLES))
def test_each_referral_step_leads_to_its_status(frm, action, to):
    assert next_referral_status(frm, action, REASON) == to
    assert action in allowed_referral_actions(frm)


@pytest.mark.parametrize("action", sorted(REFERRAL_NEEDS_REASON))
@pytest.mark.parametrize("reason", [None, "", "no room"])
def test_rejecting_failing_or_cancelling_a_referral_needs_a_reason(action, reason):
    frm = R.IN_PROGRESS if action == RA.FAIL else R.RECEIVED
    with pytest.raises(RuleViolation) as caught:
        next_referral_status(frm, action, reason)
    assert (caught.value.code, caught.value.field) == ("reason_required", "reason")


@pytest.mark.parametrize("frm", TERMINAL)
@pytest.mark.parametrize("action", list(ReferralAction))
def test_a_finished_referral_accepts_no_action(frm, action):
    with pytest.raises(RuleViolation) as caught:
        next_referral_status(frm, action, REASON)
    assert caught.value.code == "transition_not_allowed"
    assert allowed_referral_actions(frm) == []


def test_only_active_referrals_are_active():
    assert frozenset(R) - ACTIVE_REFERRAL == frozenset(TERMINAL)


def test_only_the_sender_cancels_a_referral_and_the_receiver_does_the_rest():
    assert set(REFERRAL_ACTION_SIDE) == set(ReferralAction)
    assert {a for a, side in REFERRAL_ACTION_SIDE.items() if side == "sender"} == {RA.CANCEL}


@given(st.lists(st.tuples(st.sampled_from(ReferralAction), st.sampled_from([None, "no room", REASON]))))
def test_any_sequence_of_referral_actions_stays_on_the_table_and_stops_when_finished(steps):
    status = R.REQUESTED
    for action, reason in steps:
        finished = status in TERMINAL
        allowed = any(frm == status and a == action for frm, a, _to in REFERRAL_TRIPLES)
        short = action in REFERRAL_NEEDS_REASON and len((reason or "").strip()) < MIN_REASON_LENGTH
        try:
            new = next_referral_status(status, action, reason)
        except RuleViolation as violation:
            assert not allowed or short
            assert violation.code == ("transition_not_allowed" if not allowed else "reason_required")
            continue
        assert not finished
        assert (status, action, new) in REFERRAL_TRIPLES
        status = new
    assert status in reachable(R.REQUESTED, REFERRAL_TRIPLES)


# --- Exploitation types ------------------------------------------------------------------------


@given(st.sets(st.sampled_from(ExploitationType)))
def test_exploitation_types_survive_storage_as_a_mask(types):
    assert exploitation_types(exploitation_mask(types)) == [t for t in ExploitationType if t in types]


def test_the_mask_bits_follow_the_declaration_order():
    assert exploitation_mask([ExploitationType.SEXUAL]) == 1
    assert exploitation_mask([ExploitationType.LABOUR, ExploitationType.OTHER]) == 2 | 128


@pytest.mark.parametrize("mask", [-1, 256, 1 << 20])
def test_a_mask_with_unknown_bits_is_refused(mask):
    with pytest.raises(ValueError):
        exploitation_types(mask)
