"""Key rotation: re-seal every sealed value under the keyring's active key, batch by batch, so the
retired key is no longer needed for anything the database holds. Blind indexes do not change:
their key is not rotated with the data keys.

One registry names every sealed column of every room (`register`): the rooms add theirs when
their models are defined (the NRM's Sealed tables, the accounts' TOTP seeds), and `keys rotate`
walks them all. Each value is sealed for its row (keyring.row_aad(label, row id)) with the id of
its key beside it. A key id of NULL beside a value marks one sealed before the keyring sealed
such values (TOTP seeds before migration 0015, under the secret-box key of the node's secrets
file): rotation opens it with that `legacy_key` and seals it with the keyring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from qorgau.db import unit_of_work
from qorgau.i18n import _
from qorgau.keyring import Keyring, KeyringError, open_legacy, row_aad


@dataclass(frozen=True)
class SealedColumn:
    """A sealed column of a mapped class (with an `id` primary key) and its key-id column."""

    model: type[Any]
    label: str  # the table part of the associated data: the table's name, or a kind of value
    key_id: str = "key_id"
    sealed: str = "sealed"

    def stale(self, keyring: Keyring) -> ColumnElement[bool]:
        """Rows holding a value not under the active key (or sealed before the keyring)."""
        key_id, sealed = getattr(self.model, self.key_id), getattr(self.model, self.sealed)
        return and_(sealed.is_not(None), or_(key_id.is_(None), key_id != keyring.active_id))


_REGISTRY: dict[str, SealedColumn] = {}


def register(model: type[Any], label: str, *, key_id: str = "key_id", sealed: str = "sealed") -> None:
    """Name a sealed column for rotation (once per label; the same again is harmless)."""
    _REGISTRY[label] = SealedColumn(model, label, key_id, sealed)


def sealed_columns() -> list[SealedColumn]:
    return sorted(_REGISTRY.values(), key=lambda c: c.label)


def rows_to_reseal(db: Session, keyring: Keyring) -> int:
    return sum(
        db.scalar(select(func.count()).select_from(c.model).where(c.stale(keyring))) or 0
        for c in sealed_columns()
    )


def reseal_all(
    factory: sessionmaker[Session],
    keyring: Keyring,
    *,
    legacy_key: bytes | None = None,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-seal values not under the active key. Each batch is its own transaction, so an
    interrupted rotation keeps what it did and the next run carries on. `legacy_key` opens the
    values sealed before the keyring (key id NULL); without it, finding one is an error."""
    done = 0
    for column in sealed_columns():
        while True:
            with unit_of_work(factory) as db:
                rows = list(db.scalars(select(column.model).where(column.stale(keyring)).limit(batch)))
                for row in rows:
                    _reseal(row, column, keyring, legacy_key)
            done += len(rows)
            if progress:
                progress(len(rows))
            if len(rows) < batch:
                break
    return done


def _reseal(row: Any, column: SealedColumn, keyring: Keyring, legacy_key: bytes | None) -> None:
    key_id, sealed = getattr(row, column.key_id), getattr(row, column.sealed)
    if key_id is None:
        if legacy_key is None:
            raise KeyringError(
                _("%(kind)s values sealed before the keyring need the node's secret-box key to re-seal.")
                % {"kind": column.label}
            )
        plain = open_legacy(legacy_key, sealed, row_aad(column.label, row.id))
    else:
        plain = keyring.open_row(key_id, sealed, column.label, row.id)
    new_key, new_sealed = keyring.seal_row(column.label, row.id, plain)
    setattr(row, column.key_id, new_key)
    setattr(row, column.sealed, new_sealed)
