"""The printable screening record: plain values in, the bytes of a PDF out (no HTTP, no database).

Texts are written in the current language, so Cyrillic (and Kazakh, Uzbek, Tajik letters) must
print: the record uses DejaVu Sans, a Unicode TrueType font (Debian package fonts-dejavu-core).

The record names the case by its reference only, never the person: it is a document that leaves
the system (printed, attached, filed), and the reference is enough to put it in the right file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

from qorgau.i18n import _

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_PACKAGE = "fonts-dejavu-core"
_REGULAR = "DejaVuSans.ttf"
_BOLD = "DejaVuSans-Bold.ttf"


class FontMissing(RuntimeError):
    """The Unicode font the record needs is not installed."""


@dataclass(frozen=True)
class RecordValues:
    reference: str
    screened_at: str  # already formatted
    officer: str
    country: str  # already worded, e.g. "Kazakhstan (KZ)"
    ruleset_version: str
    outcome: str  # already translated
    rationale: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)


def fonts_available(font_dir: Path | None = None) -> bool:
    font_dir = font_dir or FONT_DIR  # read when called: a deployment may lack the package
    return (font_dir / _REGULAR).is_file() and (font_dir / _BOLD).is_file()


def build_record_pdf(values: RecordValues, font_dir: Path | None = None) -> bytes:
    """The screening record as a PDF. Raises FontMissing if DejaVu Sans is not installed."""
    font_dir = font_dir or FONT_DIR
    if not fonts_available(font_dir):
        raise FontMissing(
            _("The font for printable records is not installed: install the package %(package)s.")
            % {"package": FONT_PACKAGE}
        )
    title = _("Screening record")
    pdf = FPDF(format="A4")
    pdf.set_title(f"{title} {values.reference}")
    pdf.set_subject(values.reference)
    pdf.set_creator("Qorgau")
    pdf.add_font("DejaVu", "", str(font_dir / _REGULAR))
    pdf.add_font("DejaVu", "B", str(font_dir / _BOLD))
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()

    def line(text: str, size: float = 10.5, style: str = "", gap: float = 1.5) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def heading(text: str) -> None:
        pdf.ln(2)
        line(text, 12.5, "B", 1)

    def bullets(items: list[str], empty: str) -> None:
        if not items:
            line(empty)
        for item in items:
            line(f"• {item}", gap=0.8)

    line(f"{title}: {values.reference}", 16, "B", 3)
    for label, value in (
        (_("Case"), values.reference),
        (_("Date"), values.screened_at),
        (_("Officer"), values.officer),
        (_("Country whose law applies"), values.country),
        (_("Ruleset version"), values.ruleset_version),
    ):
        line(f"{label}: {value}", gap=0.8)
    heading(_("Outcome"))
    line(values.outcome, 13, "B")
    heading(_("Why"))
    for sentence in values.rationale:
        line(sentence)
    heading(_("Indicators that fired"))
    bullets(values.fired, _("None."))
    heading(_("Indicators recorded"))
    bullets(values.indicators, _("None."))
    pdf.ln(4)
    line(
        _("A screening suggests; it does not decide. The identification decision is a supervisor's."),
        9,
    )
    return bytes(pdf.output())
