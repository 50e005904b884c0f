"""Key rotation: re-seal every sealed row under the keyring's active key, batch by batch, so the
retired key is no longer needed for anything the database holds. Blind indexes do not change:
their key is not rotated with the data keys."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qorgau.db import Base, unit_of_work
from qorgau.keyring import Keyring
from qorgau.sealing import Sealed, aad


def sealed_tables() -> list[type[Sealed]]:
    return sorted(
        (m.class_ for m in Base.registry.mappers if issubclass(m.class_, Sealed)),
        key=lambda cls: cls.__tablename__,  # type: ignore[attr-defined]
    )


def rows_to_reseal(db: Session, keyring: Keyring) -> int:
    return sum(
        db.scalar(select(func.count()).select_from(cls).where(cls.key_id != keyring.active_id)) or 0
        for cls in sealed_tables()
    )


def reseal_all(
    factory: sessionmaker[Session],
    keyring: Keyring,
    *,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-seal rows not under the active key. Each batch is its own transaction, so an
    interrupted rotation keeps what it did and the next run carries on."""
    done = 0
    for cls in sealed_tables():
        table = cls.__tablename__  # type: ignore[attr-defined]
        while True:
            with unit_of_work(factory) as db:
                rows = list(db.scalars(select(cls).where(cls.key_id != keyring.active_id).limit(batch)))
                for row in rows:
                    row_aad = aad(table, row.id)  # type: ignore[attr-defined]
                    plain = keyring.open(row.key_id, row.sealed, row_aad)
                    row.key_id, row.sealed = keyring.seal(plain, row_aad)
            done += len(rows)
            if progress:
                progress(len(rows))
            if len(rows) < batch:
                break
    return done
