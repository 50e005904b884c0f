"""localised data: a time zone per user (users.time_zone), agency names per language (agencies.names)

A user's zone NULL means the zone of the agency's country (qorgau.l10n.default_zone); agencies'
names NULL means the one name in agencies.name for every language.

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.add_column("agencies", sa.Column("names", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("names")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
