"""A person's identifying data: sealed into one value, and the blind indexes that find it.

Names are folded across Cyrillic and Latin spellings (nrm.names) before they are keyed, so that
a search for "Yerzhan" finds "Ержан"; birth dates and document numbers are normalised first.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, select

from qorgau.keyring import Keyring
from qorgau.nrm import names
from qorgau.nrm.models import PersonKey, PersonKeyKind, Sealed

_DOCUMENT_NOISE = re.compile(r"[\s\-/№.]+")


def aad(table: str, row_id: uuid.UUID) -> bytes:
    """Associated data of a sealed value: its table and row, so it opens nowhere else."""
    return table.encode() + b":" + row_id.bytes


def seal_row(keyring: Keyring, row: Sealed, table: str, row_id: uuid.UUID, value: dict[str, Any]) -> None:
    row.key_id, row.sealed = keyring.seal_json(value, aad(table, row_id))


def open_row(keyring: Keyring, row: Sealed, table: str, row_id: uuid.UUID) -> dict[str, Any]:
    return keyring.open_json(row.key_id, row.sealed, aad(table, row_id))


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
