"""The printable screening record prints every script Qorgau's languages use (issue 18): the
record is rendered in each language and its text, extracted back from the PDF, holds the letters
of Kazakh, Uzbek (Latin, with its modifier letters) and Tajik, and the record's own labels."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest

from qorgau.config import SUPPORTED_LOCALES
from qorgau.i18n import _, use_locale
from qorgau.screening.record_pdf import RecordValues, build_record_pdf, fonts_available

pypdf = pytest.importorskip("pypdf")  # test-only dependency (pyproject: test extras)

pytestmark = pytest.mark.skipif(not fonts_available(), reason="fonts-dejavu-core not installed")

# The letters each language needs beyond Russian's, as the issue lists them.
LETTERS = {
    "kk": "ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І",
    "uz": "oʻ gʻ Oʻ Gʻ ʼ",
    "tg": "ғ ӣ қ ӯ ҳ ҷ Ғ Ӣ Қ Ӯ Ҳ Ҷ",
    "ky": "ң ө ү Ң Ө Ү",
    "ru": "ё ъ ы э Ё Ъ Ы Э",
    "en": "a z",
}
# A sentence in each language, as an officer would record it.
SAMPLES = {
    "kk": "Әйел Өзбекстаннан келді; құжаттары қожайында, жалақысы төленбеген. Һ і ұ ү ң ғ",
    "uz": "Oʻgʻil bolaning hujjatlari olib qoʻyilgan, taʼlim olmagan; maʼlumot qayd etildi.",
    "tg": "Ҷавонро бо ваъдаи кор ба хориҷа бурданд; ҳуҷҷатҳояш гирифта шудаанд. Ӣ ӯ ғ қ",
    "ky": "Аял Өзбекстандан келген; документтери кожоюнда, эмгек акысы төлөнгөн эмес.",
    "ru": "Ёе документы забрал работодатель; подъезд, объявление, съёмная квартира.",
    "en": "Her documents were taken by the employer.",
}


def _text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    # Compare letters, not how a PDF happens to compose them (e.g. й as и + breve).
    return unicodedata.normalize("NFC", text)


def _squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_record_prints_every_letter_of_each_language(locale: str) -> None:
    with use_locale(locale):
        values = RecordValues(
            reference="KZ-2026-000042",
            screened_at="4 мар. 2025, 15:05 (Asia/Almaty)",
            officer="Ғабит Серікұлы · Oʻgʻiloy Gʻafurova · Ҷамшед Ӯлмасов",
            country="Қазақстан (KZ)",
            ruleset_version="2026.2",
            outcome=_("Potential victim"),
            rationale=[SAMPLES[locale], *LETTERS.values()],
            fired=[SAMPLES["kk"], SAMPLES["tg"]],
            indicators=[SAMPLES["uz"]],
        )
        body = build_record_pdf(values)
        labels = [_("Screening record"), _("Indicators that fired"), _("Outcome")]
    text = _squeeze(_text(body))
    for letter in " ".join(LETTERS.values()).split():
        assert letter in text, f"{letter!r} (U+{ord(letter[-1]):04X}) missing from the {locale} record"
    for sentence in (SAMPLES[locale], values.officer, values.outcome, *labels):
        assert _squeeze(sentence) in text, sentence


LIBERATION = Path("/usr/share/fonts/truetype/liberation")


@pytest.mark.skipif(
    not (LIBERATION / "LiberationSans-Regular.ttf").is_file(), reason="no font without the letters"
)
def test_the_check_sees_letters_a_font_cannot_print(tmp_path: Path) -> None:
    """The extraction is a real check: with a font that lacks the Kazakh, Uzbek and Tajik
    letters (Liberation Sans), they do not come back out of the PDF."""
    (tmp_path / "DejaVuSans.ttf").symlink_to(LIBERATION / "LiberationSans-Regular.ttf")
    (tmp_path / "DejaVuSans-Bold.ttf").symlink_to(LIBERATION / "LiberationSans-Bold.ttf")
    # (і is Ukrainian too: Liberation Sans has it.)
    letters = [
        c for c in (LETTERS["kk"] + " " + LETTERS["tg"] + " " + LETTERS["uz"]).split() if c not in "іІ"
    ]
    body = build_record_pdf(
        RecordValues("R-1", "d", "o", "c", "v", "out", [" ".join(letters)]), font_dir=tmp_path
    )
    text = _squeeze(_text(body))
    assert [letter for letter in letters if letter in text] == []
