"""Rows with a sealed part: the columns every room uses for personal data at rest, and sealing a
row's values under the keyring's active key with the row's table and id as associated data, so a
sealed value moved to another row does not open. Kernel: any room may use it; it knows none."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from qorgau import rekey
from qorgau.keyring import Keyring, row_aad


class Sealed:
    """Columns of a row whose personal part is sealed; the row id is the associated data."""

    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Every sealed table re-seals with `keys rotate`; its name is the AAD's table.
        rekey.register(cls, cls.__dict__["__tablename__"])


def aad(table: str, row_id: uuid.UUID) -> bytes:
    """Associated data of a sealed value: its table and row, so it opens nowhere else."""
    return row_aad(table, row_id)


def seal_row(keyring: Keyring, row: Sealed, table: str, row_id: uuid.UUID, value: dict[str, Any]) -> None:
    row.key_id, row.sealed = keyring.seal_row_json(table, row_id, value)


def open_row(keyring: Keyring, row: Sealed, table: str, row_id: uuid.UUID) -> dict[str, Any]:
    return keyring.open_row_json(row.key_id, row.sealed, table, row_id)
