"""Use cases of the screening room. Evaluating is pure and stores nothing, so it is not audited:
the indicators sent say nothing of who they are about."""

from __future__ import annotations

from typing import Any

from qorgau.auth.permissions import Permission
from qorgau.auth.principal import Principal
from qorgau.errors import InvalidInput
from qorgau.i18n import _
from qorgau.screening import rules
from qorgau.screening.ruleset import RulesetError, available_versions, current_ruleset, load_ruleset
from qorgau.screening.schemas import EvaluateIn


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


def evaluate(actor: Principal, data: EvaluateIn) -> dict[str, Any]:
    actor.require(Permission.SCREENING_RUN)
    ruleset = _ruleset(data.ruleset_version)
    screening = rules.ScreeningInput(data.country, data.age, data.is_child, frozenset(data.indicators))
    try:
        result = rules.evaluate(ruleset, screening)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="indicators") from exc
    return result_out(result)


def describe_ruleset(actor: Principal, version: str | None) -> dict[str, Any]:
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
                "label": i.label,
                "hint": i.hint,
                "applies_to": i.applies_to.value,
                "countries": sorted(i.countries) if i.countries else None,
                "weight": i.weight.value if i.weight else None,
            }
            for i in ruleset.indicators.values()
        ],
    }
