"""Alembic, configured from code: upgrade, and whether a database's schema is current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str, *, target_metadata: MetaData | None = None) -> Config:
    """The Alembic configuration. `target_metadata` (the models' metadata, from
    `qorgau.models.metadata()`) is handed to the environment for
    `command.revision(cfg, autogenerate=True)`; upgrades run without it (migrations never use
    live models, and the kernel imports no room's)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' must be doubled for configparser (a password may hold one).
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if target_metadata is not None:
        cfg.attributes["target_metadata"] = target_metadata
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class SchemaBehind(RuntimeError):
    def __init__(self, message: str, current: str | None = None, head: str | None = None) -> None:
        super().__init__(message)
        self.current, self.head = current, head


def ensure_current(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaBehind(
            f"The database schema is at revision {current or 'none (empty database)'}, "
            f"this Qorgau needs {head}. Run: qorgau db upgrade",
            current,
            head,
        )
