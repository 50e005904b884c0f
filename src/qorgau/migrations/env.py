"""Alembic environment: runs on the connection qorgau.migrate hands over, or on the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from qorgau.db import make_engine

config = context.config
# The models' metadata only for autogenerate
# (qorgau.migrate.alembic_config(url, target_metadata=qorgau.models.metadata())): an upgrade
# runs the migrations alone, which import nothing of the application's models.
target_metadata = config.attributes.get("target_metadata")


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE on SQLite
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.begin() as conn:
        _run(conn)
