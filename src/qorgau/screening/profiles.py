"""Country legal profiles: what each state's anti-trafficking law says, as data with its sources.

One JSON file per country in `profiles/` (named by its ISO 3166-1 alpha-2 code, e.g. `KZ.json`),
plus `_template.json` for a new country. The screening uses the profile of the country where it
happens; a page compares the profiles side by side (`comparison_rows`).

Every section carries its own `sources` (at least one) and may carry `notes`; what the sources do
not settle is written "to be confirmed" in the notes, never guessed. The machine fields the rules
read have a `value` of a strict type:

- `reflection_period_days.value` (int): the reflection and recovery period in days; where the law
  gives none, 30 (the project default) with `statutory: false`;
- `potential_victim_status.value`, `non_punishment.value`,
  `residence_permit_for_foreign_victims.value` (bool, or null while not yet confirmed, in which
  case the notes must say "to be confirmed").

`load_profiles` validates every file and refuses, with the file and field named, a file whose
`country` is not its file name, an unknown country code, a missing or unknown field, or a value of
the wrong type. The bundled profiles are checked once, at the first call (call it at start-up).
"""

from __future__ import annotations

import datetime as dt
import json
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, model_validator

from qorgau.countries import is_country
from qorgau.i18n import N_, gettext, ngettext

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
TEMPLATE_NAME = "_template.json"
DEFAULT_REFLECTION_DAYS = 30  # Settings.default_reflection_period_days: used where the law is silent
TO_BE_CONFIRMED = "to be confirmed"


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and what is wrong."""


# --- the model -------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(_Model):
    title: str = Field(min_length=1, description="Title of the law, article, report or web page.")
    citation: str | None = Field(
        default=None, description="Full reference: authors, year, journal or publisher, number, date."
    )
    url: str | None = Field(
        default=None, pattern=r"^https?://\S+$", description="Where it can be read (http or https)."
    )
    locator: str | None = Field(
        default=None, description="Where in the source: table, row, article, section, page."
    )

    @model_validator(mode="after")
    def _citable(self) -> Source:
        if not self.citation and not self.url:
            raise ValueError("a source needs a citation or a url")
        return self


class _Sourced(_Model):
    sources: list[Source] = Field(min_length=1, description="At least one source for this section.")
    notes: str | None = Field(
        default=None,
        description='Caveats; anything the sources do not settle is written "to be confirmed" here.',
    )


class LawRef(_Sourced):
    title: str = Field(min_length=1, description="Official title, in English, with the original after it.")
    number: str | None = Field(default=None, description="The law's number as published, e.g. 110-VIII.")
    date: dt.date | None = Field(default=None, description="Date of adoption (signature), YYYY-MM-DD.")
    url: str | None = Field(
        default=None, pattern=r"^https?://\S+$", description="The official text (national legal database)."
    )


class Article(_Model):
    code: str = Field(min_length=1, description="The code or law, e.g. Criminal Code of ... (2014).")
    article: str = Field(min_length=1, description="Article number as written in the code, e.g. 130.1.")
    heading: str = Field(min_length=1, description="The article's heading, in English.")
    notes: str | None = Field(default=None, description="Caveats about this article.")


class TextSection(_Sourced):
    text: str = Field(min_length=1, description="What the law provides, in plain English.")


class Definition(_Sourced):
    text: str = Field(min_length=1, description="The legal definition of trafficking, in plain English.")
    acts: StrictBool | None = Field(
        description="The definition names Palermo acts (recruit, transport, transfer, harbour, receive)."
    )
    means: StrictBool | None = Field(
        description="The definition names Palermo means (force, coercion, deception, abuse of power ...)."
    )
    purpose: StrictBool | None = Field(description="The definition requires a purpose of exploitation.")
    means_required_for_adults: StrictBool | None = Field(
        description="An adult case needs proof of a means (as in Palermo); false: act and purpose suffice."
    )


class Criminalisation(_Sourced):
    articles: list[Article] = Field(min_length=1, description="The criminal-code articles on trafficking.")
    scope: str = Field(
        min_length=1,
        description="Forms covered (sexual, labour ...), adults and children, territorial scope.",
    )


class Bodies(_Sourced):
    bodies: list[str] = Field(min_length=1, description="The coordinating and authorised bodies, lead first.")


class ReflectionPeriod(_Sourced):
    value: StrictInt = Field(
        ge=1, le=365, description="Reflection and recovery period in days; 30 where the law gives none."
    )
    statutory: StrictBool = Field(
        description="true: the law sets this number of days; false: the project default (say why in notes)."
    )
    text: str = Field(min_length=1, description="What the law says about a reflection or recovery period.")
    article: str | None = Field(
        default=None, description="Where statutory: the law and article that set the period."
    )

    @model_validator(mode="after")
    def _explained(self) -> ReflectionPeriod:
        if not self.statutory and not self.notes:
            raise ValueError(
                "a reflection period not set by law needs notes saying where the number comes from"
            )
        if self.statutory and not self.article:
            raise ValueError("a reflection period set by law needs the article that sets it")
        return self


class LegalFlag(_Sourced):
    value: StrictBool | None = Field(
        description='true or false as the law provides; null while unsettled (notes say "to be confirmed").'
    )
    text: str = Field(min_length=1, description="What the law provides, with the article where known.")

    @model_validator(mode="after")
    def _unsettled_is_marked(self) -> LegalFlag:
        if self.value is None and TO_BE_CONFIRMED not in (self.notes or "").lower():
            raise ValueError(f'value is null: the notes must say "{TO_BE_CONFIRMED}" and what is open')
        return self


class CountryProfile(_Model):
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code; also the file's name.")
    name: str = Field(min_length=1, description="The country's short English name.")
    last_reviewed: dt.date = Field(description="When this profile was last checked against its sources.")
    primary_law: LawRef = Field(description="The main anti-trafficking law in force.")
    related_laws: list[LawRef] = Field(
        description="Other laws that matter: the criminal code, earlier laws the sources analyse."
    )
    definition: Definition = Field(
        description="How the law defines trafficking; Palermo acts, means, purpose."
    )
    criminalisation: Criminalisation = Field(description="The offences and what they cover.")
    penalties: TextSection = Field(
        description="Penalties: basic and aggravated (children, organised groups)."
    )
    victim_protection: TextSection = Field(
        description="Victim status, identification, confidentiality, referral mechanism."
    )
    assistance: TextSection = Field(description="Shelter, medical, legal, social and reintegration help.")
    prevention: TextSection = Field(
        description="Awareness, regulation of recruiters, action plans, education."
    )
    coordinating_bodies: Bodies = Field(description="Who coordinates; who is authorised by law.")
    children: TextSection = Field(description="Special provisions for child victims.")
    international_cooperation: TextSection = Field(
        description="Treaties, extradition, mutual legal assistance, bilateral agreements, repatriation."
    )
    reflection_period_days: ReflectionPeriod = Field(description="Machine field: reflection period in days.")
    potential_victim_status: LegalFlag = Field(
        description="Machine field: the law gives a 'potential victim' status with its own rights."
    )
    non_punishment: LegalFlag = Field(
        description="Machine field: victims are not punished for offences they were compelled to commit."
    )
    residence_permit_for_foreign_victims: LegalFlag = Field(
        description="Machine field: foreign victims may stay lawfully (residence or temporary permit)."
    )
    notes: str | None = Field(default=None, description="Notes on the profile as a whole.")


# --- loading ---------------------------------------------------------------------------------


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or "(file)"
        problems.append(f"{where}: {err['msg']}")
    return "; ".join(problems)


def load_profile(path: Path) -> CountryProfile:
    """Read and validate one profile; ProfileError names the file and every problem found."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"{path.name}: cannot read the profile: {exc}") from exc
    if not isinstance(raw, dict):
        raise ProfileError(f"{path.name}: a profile is a JSON object")
    try:
        profile = CountryProfile.model_validate(raw)
    except ValidationError as exc:
        raise ProfileError(f"{path.name}: {_describe(exc)}") from exc
    if profile.country != path.stem:
        raise ProfileError(
            f"{path.name}: country is {profile.country!r} but the file is named {path.name}; "
            f"name the file {profile.country}.json or correct the code"
        )
    if not is_country(profile.country):
        raise ProfileError(f"{path.name}: {profile.country!r} is not an ISO 3166-1 alpha-2 country code")
    return profile


def load_profiles(directory: Path | None = None) -> dict[str, CountryProfile]:
    """Every profile in `directory` (the bundled ones by default), keyed by country code in code
    order; files whose names start with "_" (the template) are skipped. Raises ProfileError on
    the first file that does not validate, or when there are none."""
    directory = PROFILE_DIR if directory is None else directory
    profiles: dict[str, CountryProfile] = {}
    for path in sorted(directory.glob("*.json")):
        if path.name.startswith("_"):
            continue
        profile = load_profile(path)
        profiles[profile.country] = profile
    if not profiles:
        raise ProfileError(f"no country profiles in {directory}")
    return profiles


@cache
def _bundled() -> dict[str, CountryProfile]:
    return load_profiles()


def bundled_profiles() -> Mapping[str, CountryProfile]:
    """The bundled profiles, validated at the first call and kept; call this at start-up."""
    return types.MappingProxyType(_bundled())


def profile_for(country: str) -> CountryProfile | None:
    """The profile of the country where a screening happens; None when there is none for it (the
    screening then applies the international standard alone)."""
    return _bundled().get(country.strip().upper())


def statutory_reflection_days(profile: CountryProfile | None) -> int | None:
    """The reflection period the country's law sets, in days; None where the law sets none (or
    the country has no profile): the node's default applies there, not the profile's 30, which
    only records that default."""
    if profile is None or not profile.reflection_period_days.statutory:
        return None
    return profile.reflection_period_days.value


def open_questions(profile: CountryProfile) -> list[tuple[str, str]]:
    """(field, note) for every note in the profile that marks something "to be confirmed"."""
    found: list[tuple[str, str]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name), f"{path}.{name}" if path else name)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif path.endswith("notes") and isinstance(value, str) and TO_BE_CONFIRMED in value.lower():
            found.append((path.removesuffix(".notes") if path != "notes" else "(profile)", value))

    walk(profile, "")
    return found


# --- the template ----------------------------------------------------------------------------


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(get_origin(arg) is list for arg in get_args(annotation))
    return False


_SHARED = frozenset(_Sourced.model_fields)  # sources and notes: described once, not per section


def _blank(model: type[BaseModel], path: str, about: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = list(model.model_fields.items())
    if issubclass(model, _Sourced):  # a section's own fields first, its sources and notes last
        fields.sort(key=lambda item: item[0] in _SHARED)
    for name, field in fields:
        where = f"{path}.{name}" if path else name
        inner = _model_in(field.annotation)
        listed = _is_list(field.annotation)
        if listed:
            where += "[]"
        if not (issubclass(model, _Sourced) and name in _SHARED):
            about[where] = field.description or ""
        blank = _blank(inner, where, about) if inner is not None and inner is not Source else None
        if inner is Source:
            blank = dict.fromkeys(Source.model_fields)
        if listed:
            out[name] = [blank] if blank is not None else []
        else:
            out[name] = blank
    return out


def template() -> dict[str, Any]:
    """The empty profile a new country starts from: every field, empty, and under "_about" what
    to put in each (field paths; "[]" marks a list, shown with one empty element)."""
    shared = {
        "<section>.sources[]": _Sourced.model_fields["sources"].description or "",
        **{f"<section>.sources[].{k}": f.description or "" for k, f in Source.model_fields.items()},
        "<section>.notes": _Sourced.model_fields["notes"].description or "",
    }
    about: dict[str, str] = {}
    body = _blank(CountryProfile, "", about)
    return {
        "_about": {
            "(file)": "Copy to XX.json (XX: the ISO 3166-1 alpha-2 code), fill in every field and delete "
            '"_about". Every section (an object with "sources") needs at least one source with a '
            'citation or a url; what the sources do not settle is written "'
            + TO_BE_CONFIRMED
            + '" in its notes, never guessed.',
            **shared,
            **about,
        },
        **body,
    }


def write_template(path: Path | None = None) -> Path:
    """Regenerate `_template.json` from the model (after a field is added or changed)."""
    path = PROFILE_DIR / TEMPLATE_NAME if path is None else path
    path.write_text(json.dumps(template(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# --- the side-by-side comparison -------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonCell:
    text: str  # the profiles' legal text stays in English; yes/no/unsettled are translated
    notes: str | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class ComparisonRow:
    key: str  # stable: the profile field
    label: str  # translated into the current locale
    cells: dict[str, ComparisonCell]  # by country code, in the order of the profiles given


def _flag(value: bool | None) -> str:
    if value is None:
        return gettext(N_("Not known"))
    return gettext(N_("Yes")) if value else gettext(N_("No"))


def _law(law: LawRef) -> str:
    parts = [law.title]
    if law.number:
        parts.append(gettext(N_("No. %(number)s")) % {"number": law.number})
    if law.date:
        parts.append(law.date.isoformat())
    return ", ".join(parts)


def _palermo(d: Definition) -> str:
    return "; ".join(
        f"{label}: {_flag(value)}"
        for label, value in (
            (gettext(N_("acts")), d.acts),
            (gettext(N_("means")), d.means),
            (gettext(N_("purpose")), d.purpose),
            (gettext(N_("means required for adults")), d.means_required_for_adults),
        )
    )


def _reflection(r: ReflectionPeriod, policy_days: int | None = None) -> str:
    """A statutory period with its article; otherwise that the law sets none, and this node's
    policy (the profile's default where the node's is not given)."""
    if r.statutory:
        days = ngettext("%(days)s day", "%(days)s days", r.value) % {"days": r.value}
        return f"{days} ({r.article})" if r.article else days
    n = r.value if policy_days is None else policy_days
    return ngettext(
        "No period in law; this node's policy: %(days)s day",
        "No period in law; this node's policy: %(days)s days",
        n,
    ) % {"days": n}


def _cell(text: str, section: _Sourced) -> ComparisonCell:
    return ComparisonCell(text=text, notes=section.notes, sources=tuple(section.sources))


# (key, label, cell) for each row: the sections of the laws, then the machine fields.
_ROWS: tuple[tuple[str, str, Callable[[CountryProfile], ComparisonCell]], ...] = (
    ("primary_law", N_("Primary law"), lambda p: _cell(_law(p.primary_law), p.primary_law)),
    ("definition", N_("Definition of trafficking"), lambda p: _cell(p.definition.text, p.definition)),
    ("palermo", N_("Palermo elements"), lambda p: _cell(_palermo(p.definition), p.definition)),
    (
        "criminalisation",
        N_("Criminalisation and scope"),
        lambda p: _cell(
            "; ".join(f"{a.code}, art. {a.article} ({a.heading})" for a in p.criminalisation.articles)
            + ". "
            + p.criminalisation.scope,
            p.criminalisation,
        ),
    ),
    ("penalties", N_("Penalties"), lambda p: _cell(p.penalties.text, p.penalties)),
    (
        "victim_protection",
        N_("Victim protection"),
        lambda p: _cell(p.victim_protection.text, p.victim_protection),
    ),
    ("assistance", N_("Assistance"), lambda p: _cell(p.assistance.text, p.assistance)),
    ("prevention", N_("Prevention"), lambda p: _cell(p.prevention.text, p.prevention)),
    (
        "coordinating_bodies",
        N_("Coordinating bodies"),
        lambda p: _cell("; ".join(p.coordinating_bodies.bodies), p.coordinating_bodies),
    ),
    ("children", N_("Special provisions for children"), lambda p: _cell(p.children.text, p.children)),
    (
        "international_cooperation",
        N_("International cooperation"),
        lambda p: _cell(p.international_cooperation.text, p.international_cooperation),
    ),
    (
        "reflection_period_days",
        N_("Reflection period"),
        lambda p: _cell(_reflection(p.reflection_period_days), p.reflection_period_days),
    ),
    (
        "potential_victim_status",
        N_("Potential-victim status"),
        lambda p: _cell(_flag(p.potential_victim_status.value), p.potential_victim_status),
    ),
    (
        "non_punishment",
        N_("Non-punishment of victims"),
        lambda p: _cell(_flag(p.non_punishment.value), p.non_punishment),
    ),
    (
        "residence_permit_for_foreign_victims",
        N_("Residence permit for foreign victims"),
        lambda p: _cell(
            _flag(p.residence_permit_for_foreign_victims.value), p.residence_permit_for_foreign_victims
        ),
    ),
)


def comparison_rows(
    profiles: Mapping[str, CountryProfile] | Iterable[CountryProfile],
    policy_days: Callable[[str], int] | None = None,
) -> list[ComparisonRow]:
    """The rows of the side-by-side comparison: a translated label and, per country (in the order
    given), the text to show with its notes and sources. The last row is the review date.
    `policy_days` gives this node's reflection period for a country whose law sets none."""
    chosen = list(profiles.values()) if isinstance(profiles, Mapping) else list(profiles)

    def cell_of(
        key: str, cell: Callable[[CountryProfile], ComparisonCell], p: CountryProfile
    ) -> ComparisonCell:
        if key == "reflection_period_days" and policy_days is not None:
            r = p.reflection_period_days
            return _cell(_reflection(r, None if r.statutory else policy_days(p.country)), r)
        return cell(p)

    rows = [
        ComparisonRow(key=key, label=gettext(label), cells={p.country: cell_of(key, cell, p) for p in chosen})
        for key, label, cell in _ROWS
    ]
    rows.append(
        ComparisonRow(
            key="last_reviewed",
            label=gettext(N_("Last reviewed")),
            cells={
                p.country: ComparisonCell(text=p.last_reviewed.isoformat(), notes=p.notes, sources=())
                for p in chosen
            },
        )
    )
    return rows
