"""Translations of the screening rulesets' texts: what an officer reads in the screening room.

A ruleset file is written in English and never changes once published (stored screenings name
its version), so its labels and hints are translated beside it, in the gettext catalogs, like
any other string of the code:

- `extract_ruleset` is a Babel extraction method (babel.cfg maps the files under
  qorgau/screening/rulesets to it) that finds every text an officer sees: each indicator's label
  and hint (the question the officer asks) and each derived indicator's label, with the
  indicator's code as the translators' comment. `scripts/i18n` puts them in the catalogs;
- `indicator_label` and `indicator_hint` give them in the current request's language (English
  where a catalog has no translation).

The texts are taken from the ruleset as the loader builds it, so a message is exactly the string
shown at run time: whitespace stripped as the schema strips it, and an operational indicators'
dimension labelled as "<list>: <dimension>", as qorgau.screening.ruleset words it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from qorgau.i18n import gettext
from qorgau.screening.rules import DerivedIndicator, Indicator, Ruleset
from qorgau.screening.ruleset import parse_ruleset

_CODE_LINE = re.compile(r'"code"\s*:\s*"([^"\\]+)"')


def ruleset_texts(ruleset: Ruleset) -> Iterator[tuple[str, str, str]]:
    """Every text of `ruleset` an officer reads, as (code, what, text), `what` one of "label",
    "hint" and "derived" (a derived indicator's label); base indicators first, in file order."""
    for indicator in ruleset.indicators.values():
        yield indicator.code, "label", indicator.label
        yield indicator.code, "hint", indicator.hint
    for derived in ruleset.derived:
        yield derived.code, "derived", derived.label


_COMMENTS = {
    "label": "{code}",
    "hint": "{code}: the question the officer asks",
    "derived": "{code} (derived indicator)",
}


def _code_lines(text: str) -> dict[str, int]:
    """The line where each `"code": "..."` of the file stands (the first, if there are more)."""
    lines: dict[str, int] = {}
    for match in _CODE_LINE.finditer(text):
        lines.setdefault(match.group(1), text.count("\n", 0, match.start()) + 1)
    return lines


def _line_of(code: str, lines: Mapping[str, int]) -> int:
    if code in lines:
        return lines[code]
    # A dimension of the operational indicators has no "code" of its own: its indicators' codes
    # start with its code, so it stands where the first of them does.
    inside = [line for known, line in lines.items() if known.startswith(f"{code}.")]
    return min(inside, default=1)


def extract_ruleset(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any] | Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method for a screening ruleset file: yields (line, None, text, [comment])
    for every label and hint, the comment naming the indicator's code. A ruleset the loader would
    refuse is refused here too (RulesetError), rather than half extracted."""
    raw = fileobj.read()
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    origin = str(getattr(fileobj, "name", "(ruleset)"))
    ruleset = parse_ruleset(json.loads(text), origin=origin)
    lines = _code_lines(text)
    for code, what, message in ruleset_texts(ruleset):
        yield _line_of(code, lines), None, message, [_COMMENTS[what].format(code=code)]


def indicator_label(indicator: Indicator | DerivedIndicator) -> str:
    """The indicator's label in the current language."""
    return gettext(indicator.label)


def indicator_hint(indicator: Indicator) -> str:
    """The question the officer asks for the indicator, in the current language."""
    return gettext(indicator.hint)
