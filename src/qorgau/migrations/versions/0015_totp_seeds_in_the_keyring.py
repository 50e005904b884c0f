"""accounts: TOTP seeds sealed with the keyring, the id of their key beside them (users.totp_key_id)

Seeds stored before keep NULL there: they stay sealed with the secret-box key of the node's
secrets file, which a migration does not hold (nor the keyring), so they are not re-sealed here.
The application still opens them, and re-seals each with the keyring at its next good code or at
`qorgau keys rotate`, whichever comes first.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("totp_key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # Seeds sealed with the keyring do not open with the secret box: their users enrol again.
    op.execute(
        sa.text(
            "UPDATE users SET totp_secret_sealed = NULL, totp_last_step = NULL WHERE totp_key_id IS NOT NULL"
        )
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_key_id")
