"""The screening rulesets' texts are translated: babel.cfg's extractor finds every label and hint an
officer reads (the published file itself never changes), Russian translates every one of them, and
the API gives them in the caller's language.

When a test here fails after a new ruleset, run scripts/i18n and translate the new entries."""

from __future__ import annotations

import io
import json
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_mapping_cfg

from qorgau.i18n import translations, use_locale
from qorgau.permissions import Role
from qorgau.screening.catalog import extract_ruleset, indicator_hint, indicator_label
from qorgau.screening.ruleset import RULESET_DIR, current_ruleset
from tests.support import bearer, make_user

ROOT = Path(__file__).resolve().parents[2]


def ruleset_file() -> Path:
    return RULESET_DIR / f"{current_ruleset().version}.json"


def officer_texts() -> dict[str, set[str]]:
    """Every text of the current ruleset an officer reads, with the codes it belongs to."""
    ruleset = current_ruleset()
    texts: dict[str, set[str]] = {}
    for indicator in ruleset.indicators.values():
        texts.setdefault(indicator.label, set()).add(indicator.code)
        texts.setdefault(indicator.hint, set()).add(indicator.code)
    for derived in ruleset.derived:
        texts.setdefault(derived.label, set()).add(derived.code)
    return texts


def test_babel_cfg_maps_the_rulesets_to_the_extractor():
    with (ROOT / "babel.cfg").open() as fh:
        method_map, _options = parse_mapping_cfg(fh, str(ROOT / "babel.cfg"))
    found = extract_from_file(
        dict(method_map)["src/qorgau/screening/rulesets/*.json"], str(ruleset_file()), keywords={}
    )
    assert {message for _line, message, _comments, _context in found} == set(officer_texts())


def test_every_label_and_hint_is_extracted_with_its_code_for_the_translators():
    with ruleset_file().open("rb") as fh:
        found = list(extract_ruleset(fh, {}, [], {}))
    assert {message for _line, _func, message, _comments in found} == set(officer_texts())
    ruleset = current_ruleset()
    assert len(found) == 2 * len(ruleset.indicators) + len(ruleset.derived)
    lines = ruleset_file().read_text(encoding="utf-8").splitlines()
    comments: dict[str, set[str]] = {}
    for line, func, message, [comment] in found:
        assert func is None and 1 <= line <= len(lines)
        code = comment.split()[0].rstrip(":")
        comments.setdefault(message, set()).add(code)
        if code in ruleset.indicators:  # a base indicator is found on the line of its code
            assert f'"{code}"' in lines[line - 1], (code, line)
    assert comments == officer_texts()


def test_a_ruleset_the_loader_refuses_is_not_extracted():
    raw = json.loads(ruleset_file().read_text(encoding="utf-8"))
    raw["palermo"]["acts"].append(raw["palermo"]["acts"][0])  # a code defined twice
    try:
        list(extract_ruleset(io.BytesIO(json.dumps(raw).encode()), {}, [], {}))
    except ValueError as exc:
        assert "act.recruitment" in str(exc)
    else:
        raise AssertionError("a refused ruleset was extracted")


def test_russian_translates_every_text_of_the_ruleset():
    russian = translations("ru")
    untranslated = sorted(text for text in officer_texts() if russian.gettext(text) in ("", text))
    assert not untranslated, f"translate into Russian (run scripts/i18n first): {untranslated}"


def test_labels_and_hints_follow_the_current_locale():
    recruitment = current_ruleset().indicators["act.recruitment"]
    assert indicator_label(recruitment) == "Recruitment"
    with use_locale("ru"):
        assert indicator_label(recruitment) == "Вербовка"
        assert indicator_hint(recruitment) == translations("ru").gettext(recruitment.hint)
    with use_locale("en"):
        assert indicator_hint(recruitment) == recruitment.hint


def test_the_ruleset_api_answers_in_the_callers_language(client, db):
    guard = bearer(db, make_user(db, Role.BORDER_GUARD))
    english = client.get("/api/v1/screening/ruleset", headers=guard).json()
    russian = client.get("/api/v1/screening/ruleset", headers={**guard, "Accept-Language": "ru"}).json()
    ruleset = current_ruleset()
    assert [i["label"] for i in english["indicators"]] == [i.label for i in ruleset.indicators.values()]
    assert [d["label"] for d in english["derived"]] == [d.label for d in ruleset.derived]

    by_code = {i["code"]: i for i in russian["indicators"]}
    assert by_code["act.recruitment"]["label"] == "Вербовка"
    assert by_code["ilo.debt_bondage"]["label"] == "Долговая кабала"
    for en, ru in zip(english["indicators"], russian["indicators"], strict=True):
        assert en["code"] == ru["code"]
        assert ru["label"] != en["label"] and ru["hint"] != en["hint"], en["code"]
    for en, ru in zip(english["derived"], russian["derived"], strict=True):
        assert en["code"] == ru["code"] and ru["label"] != en["label"], en["code"]
    assert {d["code"] for d in russian["derived"]} >= {"ilo.forced_labour", "palermo.adult_trafficking"}
