"""The terminology glossary (docs/glossary.csv) and the catalogs agree: wherever an English
message uses a glossary term, its translation in each language uses that language's term.

The glossary gives, per term and language, the term itself, the stems that its grammatical
forms share (matched as word prefixes, since Kazakh, Uzbek, Kyrgyz, Tajik and Russian inflect)
and the official text that uses it, where one is known."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from qorgau.i18n import LOCALE_DIR

GLOSSARY = Path(__file__).resolve().parents[2] / "docs" / "glossary.csv"
LANGUAGES = ("ru", "kk", "uz", "ky", "tg")


@cache
def glossary() -> tuple[dict[str, str], ...]:
    with GLOSSARY.open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def messages(locale: str) -> list[tuple[str, str]]:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return [(m.id, m.string) for m in catalog if m.id and isinstance(m.id, str) and m.string]


def test_every_term_is_given_in_all_six_languages_with_a_source_column():
    rows = glossary()
    assert len(rows) >= 30
    for row in rows:
        for lang in ("en", *LANGUAGES):
            assert row[lang].strip(), f"{row['id']}: no {lang} term"
        for lang in LANGUAGES:
            assert f"{lang}_source" in row


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_use_the_glossary_terms(lang):
    catalog = messages(lang)
    misses = []
    for row in glossary():
        if not row["en_match"] or not row[f"{lang}_match"]:
            continue
        english = re.compile(r"\b" + re.escape(row["en_match"]) + r"\b", re.IGNORECASE)
        stems = row[f"{lang}_match"].lower().split()
        for msgid, translated in catalog:
            if english.search(msgid):
                found = words(translated)
                missing = [s for s in stems if not any(w.startswith(s) for w in found)]
                if missing:
                    misses.append(f"{row['id']}: {msgid!r} -> {translated!r} lacks {missing}")
    assert not misses, "\n".join(misses[:20])


def test_the_check_fails_on_a_translation_that_drifts_from_the_glossary():
    """The matcher itself: a translation with another word for the term is caught."""
    row = next(r for r in glossary() if r["id"] == "potential_victim")
    stems = row["ru_match"].lower().split()
    assert all(any(w.startswith(s) for w in words("Признать потенциальной жертвой")) for s in stems)
    assert not all(any(w.startswith(s) for w in words("Признать возможным пострадавшим")) for s in stems)
