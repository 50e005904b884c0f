"""The migration chain builds exactly the schema the models describe, on either database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from qorgau.db import Base
from qorgau.migrate import current_revision, head_revision
from qorgau.models import load_all


def test_migrations_reach_head_and_match_the_models(engine):
    load_all()
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert differences == [], "models and migrations differ: write a migration"
