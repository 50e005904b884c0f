"""Use cases of the screening room. A stateless evaluation stores nothing and is not audited: the
indicators sent say nothing of who they are about. A screening recorded against a case is sealed,
audited, and moves the case as far as the NRM rules allow (through nrm.service)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.audit import service as audit
from qorgau.auth.models import User
from qorgau.auth.permissions import Permission
from qorgau.auth.principal import Principal
from qorgau.config import Settings
from qorgau.db import uuid7
from qorgau.errors import InvalidInput, NotFound
from qorgau.i18n import N_, _
from qorgau.nrm import people
from qorgau.nrm import service as nrm
from qorgau.screening import profiles, rules
from qorgau.screening.catalog import indicator_hint, indicator_label
from qorgau.screening.models import ScreeningRecord
from qorgau.screening.ruleset import RulesetError, available_versions, current_ruleset, load_ruleset
from qorgau.screening.schemas import CaseScreeningIn, EvaluateIn


def _ruleset(version: str | None) -> rules.Ruleset:
    if version is None:
        return current_ruleset()
    if version not in available_versions():
        raise InvalidInput(
            _("No ruleset %(version)s; there are: %(list)s")
            % {"version": version, "list": ", ".join(available_versions())},
            field="ruleset_version",
        )
    try:
        return load_ruleset(version)
    except RulesetError as exc:  # a bundled file is checked at start; this is belt and braces
        raise InvalidInput(str(exc), field="ruleset_version") from exc


def result_out(result: rules.ScreeningResult) -> dict[str, Any]:
    return {
        "outcome": result.outcome.value,
        "fired": list(result.fired),
        "rationale": [{"id": r.message_id, "text": r.text()} for r in result.rationale],
        "ruleset_version": result.ruleset_version,
    }


def country_law(settings: Settings, country: str) -> dict[str, Any] | None:
    """What the law of the country where a screening happens gives the person, from its legal
    profile (None where there is none): the facts an officer must tell the person next. A value
    of None means the sources do not settle it (the comparison page says what is open)."""
    profile = profiles.profile_for(country)
    if profile is None:
        return None
    return {
        "country": profile.country,
        "reflection_period_days": settings.reflection_days(profile.country),
        "reflection_period_statutory": profiles.statutory_reflection_days(profile) is not None,
        "potential_victim_status": profile.potential_victim_status.value,
        "non_punishment": profile.non_punishment.value,
        "residence_permit_for_foreign_victims": profile.residence_permit_for_foreign_victims.value,
        "profile_reviewed": profile.last_reviewed,
    }


def evaluate(actor: Principal, settings: Settings, data: EvaluateIn) -> dict[str, Any]:
    actor.require(Permission.SCREENING_RUN)
    ruleset = _ruleset(data.ruleset_version)
    screening = rules.ScreeningInput(data.country, data.age, data.is_child, frozenset(data.indicators))
    try:
        result = rules.evaluate(ruleset, screening)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="indicators") from exc
    return {**result_out(result), "country_law": country_law(settings, data.country)}


def describe_ruleset(actor: Principal, version: str | None) -> dict[str, Any]:
    """The indicators of a ruleset, labels and hints in the caller's language (English where
    there is no translation), and the derived indicators an evaluation may name as fired."""
    actor.require(Permission.SCREENING_RUN)
    ruleset = _ruleset(version)
    return {
        "version": ruleset.version,
        "published": ruleset.published.isoformat(),
        "versions": available_versions(),
        "indicators": [
            {
                "code": i.code,
                "section": i.section.value,
                "label": indicator_label(i),
                "hint": indicator_hint(i),
                "applies_to": i.applies_to.value,
                "countries": sorted(i.countries) if i.countries else None,
                "weight": i.weight.value if i.weight else None,
            }
            for i in ruleset.indicators.values()
        ],
        "derived": [
            {"code": d.code, "label": indicator_label(d), "applies_to": d.applies_to.value}
            for d in ruleset.derived
        ],
    }


def _record_out(settings: Settings, record: ScreeningRecord) -> dict[str, Any]:
    sealed = people.open_row(settings.keyring, record, "screening_records", record.id)
    result = rules.ScreeningResult.from_dict(sealed["result"])
    return {
        **result_out(result),
        "country_law": country_law(settings, record.country),
        "id": record.id,
        "case_id": record.case_id,
        "country": record.country,
        "indicators": sealed["input"]["indicators"],
        "screened_at": record.screened_at,
    }


def screen_case(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, data: CaseScreeningIn
) -> dict[str, Any]:
    """Screen the person of a case under the law of the country where the case is, store the
    screening with the ruleset version (so it can be reproduced), and move the case on."""
    actor.require(Permission.SCREENING_RUN)
    subject = nrm.screening_subject(db, actor, settings, case_id)
    ruleset = current_ruleset()
    screening = rules.ScreeningInput(subject.country, subject.age, data.is_child or subject.is_child or None,
                                     frozenset(data.indicators))  # fmt: skip
    try:
        result = rules.evaluate(ruleset, screening)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="indicators") from exc
    record = ScreeningRecord(
        id=uuid7(),
        case_id=subject.case_id,
        country=subject.country,
        ruleset_version=result.ruleset_version,
        outcome=result.outcome,
        screened_by=actor.user_id,
    )
    people.seal_row(
        settings.keyring,
        record,
        "screening_records",
        record.id,
        {"input": screening.to_dict(), "result": result.to_dict()},
    )
    db.add(record)
    db.flush()
    audit.record(
        db, actor, "screening.record", "case", record.case_id, details={"outcome": result.outcome.value}
    )
    case = nrm.apply_screening(
        db, actor, settings, record.case_id, result.outcome.value, result.ruleset_version
    )
    return {**_record_out(settings, record), "case_status": case.status.value}


def case_screenings(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The screenings of a case, newest first, for an officer who may work on it; audited as a
    read of the case."""
    actor.require(Permission.SCREENING_RUN)
    nrm.screening_subject(db, actor, settings, case_id, to_change=False)
    records = db.scalars(
        select(ScreeningRecord).where(ScreeningRecord.case_id == case_id).order_by(ScreeningRecord.id.desc())
    )
    out = [_record_out(settings, r) for r in records]
    audit.record(db, actor, "screening.read", "case", case_id, details={"count": len(out)})
    return out


# --- For the pages: the questionnaire, one screening, the case page's list ----------------------


def questionnaire_subject(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, *, to_change: bool = True
) -> nrm.ScreeningSubject:
    """The case a questionnaire is about, for an officer who may screen it (else not found or
    forbidden, as the case would be). The questionnaire changes the case (its drafts, then the
    screening), so break-glass access, which only reads, is refused unless `to_change` is off."""
    actor.require(Permission.SCREENING_RUN)
    return nrm.screening_subject(db, actor, settings, case_id, to_change=to_change)


def _labels(ruleset: rules.Ruleset) -> dict[str, str]:
    """Every code of the ruleset, base and derived, with its label in the current language."""
    out = {code: indicator_label(i) for code, i in ruleset.indicators.items()}
    out.update((d.code, indicator_label(d)) for d in ruleset.derived)
    return out


def reason_sentence(reason: rules.Reason, labels: dict[str, str]) -> str:
    """A sentence of the rationale in the current language, the indicators named by their labels
    rather than their codes."""
    params = dict(reason.params)
    if "indicators" in params:
        codes = [c.strip() for c in params["indicators"].split(",") if c.strip()]
        params["indicators"] = "; ".join(labels.get(c, c) for c in codes)
    return rules.Reason(reason.message_id, tuple(params.items())).text()


def screening_record(
    db: Session, actor: Principal, settings: Settings, case_id: uuid.UUID, screening_id: uuid.UUID
) -> dict[str, Any]:
    """One screening of a case, worded for people: the outcome, the rationale and the indicators
    by their labels in the current language, who screened and when, and the case's status now.
    Audited as a read of the case."""
    subject = questionnaire_subject(db, actor, settings, case_id, to_change=False)
    record = db.scalar(
        select(ScreeningRecord).where(ScreeningRecord.id == screening_id, ScreeningRecord.case_id == case_id)
    )
    if record is None:
        raise NotFound(_("No such screening of this case."))
    sealed = people.open_row(settings.keyring, record, "screening_records", record.id)
    result = rules.ScreeningResult.from_dict(sealed["result"])
    labels = _labels(load_ruleset(record.ruleset_version))
    officer = db.get(User, record.screened_by) if record.screened_by else None
    audit.record(db, actor, "screening.read", "case", case_id, details={"screening": str(record.id)})
    return {
        "id": record.id,
        "case_id": record.case_id,
        "reference": subject.reference,
        "case_status": subject.status.value,
        "country": record.country,
        "ruleset_version": record.ruleset_version,
        "screened_at": record.screened_at,
        "officer": officer.display_name if officer else "",
        "outcome": record.outcome.value,
        "rationale": [reason_sentence(r, labels) for r in result.rationale],
        "fired": [labels.get(c, c) for c in result.fired],
        "indicators": [labels.get(c, c) for c in sealed["input"]["indicators"]],
        "country_law": country_law(settings, record.country),
    }


def case_screening_list(db: Session, actor: Principal, case_id: uuid.UUID) -> list[dict[str, Any]]:
    """The screenings of a case for its page, newest first: their outcome and date only (plain
    columns, nothing unsealed). Empty for whoever sees only a referral's part of the case."""
    actor.require(Permission.CASE_READ)
    if nrm.case_access(db, actor, case_id) in (None, "referral"):
        return []
    records = db.execute(
        select(ScreeningRecord.id, ScreeningRecord.outcome, ScreeningRecord.screened_at)
        .where(ScreeningRecord.case_id == case_id)
        .order_by(ScreeningRecord.id.desc())
    )
    return [{"id": r.id, "outcome": r.outcome.value, "screened_at": r.screened_at} for r in records]


OUTCOME_LABELS = {
    rules.Outcome.INSUFFICIENT_INDICATORS.value: N_("Not enough indicators"),
    rules.Outcome.POTENTIAL_VICTIM.value: N_("Potential victim"),
    rules.Outcome.LIKELY_VICTIM.value: N_("Likely victim of trafficking"),
    rules.Outcome.REFER_TO_CHILD_PROTECTION.value: N_("Refer to child protection now"),
}


def outcome_label(outcome: str) -> str:
    """A screening's outcome in the current language."""
    return _(OUTCOME_LABELS[outcome]) if outcome in OUTCOME_LABELS else outcome
