"""A person's identifying data: sealed into one value, and the blind indexes that find it.

Names are folded across Cyrillic and Latin spellings (nrm.names) before they are keyed, so that
a search for "Yerzhan" finds "Ержан"; birth dates and document numbers are normalised first.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, select

from qorgau.keyring import Keyring
from qorgau.nrm import names
from qorgau.nrm.models import PersonKey, PersonKeyKind

# Sealing rows is the kernel's (qorgau.sealing); the NRM's modules reach it here too.
from qorgau.sealing import aad as aad
from qorgau.sealing import open_row as open_row
from qorgau.sealing import seal_row as seal_row

_DOCUMENT_NOISE = re.compile(r"[\s\-/№.]+")


def person_payload(
    *,
    family_name: str,
    given_name: str,
    patronymic: str | None = None,
    other_names: Sequence[str] = (),
    sex: str = "unknown",
    birth_date: date | None = None,
    estimated_age: int | None = None,
    citizenships: Sequence[str] = (),
    documents: Sequence[Mapping[str, str]] = (),
    languages: Sequence[str] = (),
    contacts: Sequence[Mapping[str, str]] = (),
    estimated_on: date | None = None,
) -> dict[str, Any]:
    """The person as intake seals it, from plain values (no validation; for bulk loaders that
    have their values from a trusted generator): the dict PersonIn.model_dump(mode="json",
    exclude_none=True) gives, keys in its order, and "estimated_on" (the day an estimated age
    was estimated) when there is an estimated age. Documents are {"type", "number",
    "issuing_country"}, contacts {"kind", "value"}."""
    person: dict[str, Any] = {"family_name": family_name, "given_name": given_name}
    if patronymic is not None:
        person["patronymic"] = patronymic
    person["other_names"] = list(other_names)
    person["sex"] = sex
    if birth_date is not None:
        person["birth_date"] = birth_date.isoformat()
    if estimated_age is not None:
        person["estimated_age"] = estimated_age
    person["citizenships"] = list(citizenships)
    person["documents"] = [dict(d) for d in documents]
    person["languages"] = list(languages)
    person["contacts"] = [dict(c) for c in contacts]
    if estimated_age is not None and estimated_on is not None:
        person["estimated_on"] = estimated_on.isoformat()
    return person


def normal_document_number(number: str) -> str:
    """ "N 1234-5678" and "n12345678" are the same document number."""
    return _DOCUMENT_NOISE.sub("", number).upper()


def name_parts(person: dict[str, Any]) -> list[str | None]:
    return [
        person.get("family_name"),
        person.get("given_name"),
        person.get("patronymic"),
        *person.get("other_names", []),
    ]


def blind_keys(keyring: Keyring, person: dict[str, Any]) -> set[tuple[PersonKeyKind, bytes]]:
    """Every blind-index entry of a person (the `person` dict as sealed)."""
    keys = {
        (PersonKeyKind.NAME, keyring.blind(PersonKeyKind.NAME, token))
        for token in names.name_tokens(*name_parts(person))
    }
    if person.get("birth_date"):
        keys.add(
            (PersonKeyKind.BIRTH_DATE, keyring.blind(PersonKeyKind.BIRTH_DATE, str(person["birth_date"])))
        )
    for doc in person.get("documents", []):
        number = normal_document_number(doc["number"])
        if number:
            keys.add((PersonKeyKind.DOCUMENT, keyring.blind(PersonKeyKind.DOCUMENT, number)))
    return keys


def persons_keyed(kind: PersonKeyKind, *digests: bytes) -> Select[uuid.UUID]:
    """The persons with a blind-index entry of this kind equal to one of `digests` (a subquery
    for `Case.person_id.in_(...)`)."""
    return select(PersonKey.person_id).where(PersonKey.kind == kind, PersonKey.digest.in_(digests))


def name_query_digests(keyring: Keyring, text: str) -> list[bytes]:
    return [keyring.blind(PersonKeyKind.NAME, token) for token in names.query_tokens(text)]


def birth_date_digest(keyring: Keyring, value: date) -> bytes:
    return keyring.blind(PersonKeyKind.BIRTH_DATE, value.isoformat())


def document_digest(keyring: Keyring, number: str) -> bytes:
    return keyring.blind(PersonKeyKind.DOCUMENT, normal_document_number(number))


def display_name(person: dict[str, Any]) -> str:
    return " ".join(p for p in (person.get("given_name"), person.get("family_name")) if p)
