"""NRM room: people (sealed), blind indexes, cases, history, consent, rights, referrals, plan, notes,
home-country notifications, break-glass access

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nrm_persons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin_node_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_persons")),
    )
    op.create_table(
        "nrm_person_keys",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "name",
                "birth_date",
                "document",
                name="person_key_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("digest", sa.LargeBinary(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["nrm_persons.id"],
            name=op.f("fk_nrm_person_keys_person_id_nrm_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "kind", "digest", name=op.f("pk_nrm_person_keys")),
    )
    with op.batch_alter_table("nrm_person_keys", schema=None) as batch_op:
        batch_op.create_index("ix_nrm_person_keys_lookup", ["kind", "digest"], unique=False)

    op.create_table(
        "nrm_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("origin_node_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("owner_agency_id", sa.Uuid(), nullable=False),
        sa.Column("assigned_user_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "reported",
                "screening",
                "potential_victim",
                "identified_victim",
                "not_a_victim",
                "assistance",
                "return_reintegration",
                "closed",
                name="case_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "status_before_close",
            sa.Enum(
                "reported",
                "screening",
                "potential_victim",
                "identified_victim",
                "not_a_victim",
                "assistance",
                "return_reintegration",
                "closed",
                name="case_status_before_close",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column(
            "closure_reason",
            sa.Enum(
                "reintegrated",
                "returned_home",
                "not_a_victim",
                "declined_assistance",
                "lost_contact",
                "transferred",
                "deceased",
                "duplicate",
                "other",
                name="closure_reason",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("is_child", sa.Boolean(), nullable=False),
        sa.Column("has_guardian", sa.Boolean(), nullable=False),
        sa.Column("reflection_ends_on", sa.Date(), nullable=True),
        sa.Column("exploitation_mask", sa.Integer(), nullable=False),
        sa.Column("recruitment_country", sa.String(length=2), nullable=True),
        sa.Column("transit_countries", sa.JSON(), nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=True),
        sa.Column("found_in_country", sa.String(length=2), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_user_id"], ["users.id"], name=op.f("fk_nrm_cases_assigned_user_id_users")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_nrm_cases_created_by_users")),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agencies.id"], name=op.f("fk_nrm_cases_owner_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["nrm_persons.id"], name=op.f("fk_nrm_cases_person_id_nrm_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_nrm_cases_reference")),
    )
    with op.batch_alter_table("nrm_cases", schema=None) as batch_op:
        batch_op.create_index("ix_nrm_cases_assigned", ["assigned_user_id", "id"], unique=False)
        batch_op.create_index("ix_nrm_cases_due", ["next_due_on"], unique=False)
        batch_op.create_index("ix_nrm_cases_owner", ["owner_agency_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nrm_cases_person_id"), ["person_id"], unique=False)

    op.create_table(
        "nrm_break_glass",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_nrm_break_glass_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["nrm_cases.id"],
            name=op.f("fk_nrm_break_glass_case_id_nrm_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_nrm_break_glass_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_nrm_break_glass_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_break_glass")),
    )
    with op.batch_alter_table("nrm_break_glass", schema=None) as batch_op:
        batch_op.create_index("ix_nrm_break_glass_user", ["user_id", "case_id"], unique=False)

    op.create_table(
        "nrm_case_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_agency_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_agency_id"], ["agencies.id"], name=op.f("fk_nrm_case_history_actor_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_nrm_case_history_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["nrm_cases.id"],
            name=op.f("fk_nrm_case_history_case_id_nrm_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_case_history")),
    )
    with op.batch_alter_table("nrm_case_history", schema=None) as batch_op:
        batch_op.create_index("ix_nrm_case_history_case", ["case_id", "id"], unique=False)

    op.create_table(
        "nrm_consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "assistance",
                "share_agency",
                "share_country",
                "research",
                name="consent_purpose",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_nrm_consents_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["nrm_cases.id"], name=op.f("fk_nrm_consents_case_id_nrm_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_nrm_consents_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["users.id"], name=op.f("fk_nrm_consents_withdrawn_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_consents")),
    )
    with op.batch_alter_table("nrm_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nrm_consents_case_id"), ["case_id"], unique=False)

    op.create_table(
        "nrm_home_notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting_consent",
                "ready",
                "sent",
                name="notification_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["nrm_cases.id"],
            name=op.f("fk_nrm_home_notifications_case_id_nrm_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_home_notifications")),
        sa.UniqueConstraint("case_id", "country", name=op.f("uq_nrm_home_notifications_case_id")),
    )
    op.create_table(
        "nrm_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("author_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_nrm_notes_author_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["nrm_cases.id"], name=op.f("fk_nrm_notes_case_id_nrm_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_notes")),
    )
    with op.batch_alter_table("nrm_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nrm_notes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "nrm_plan_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "goal", "task", name="plan_item_kind", native_enum=False, create_constraint=True, length=8
            ),
            nullable=False,
        ),
        sa.Column("goal_id", sa.Uuid(), nullable=True),
        sa.Column("owner_user_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["nrm_cases.id"],
            name=op.f("fk_nrm_plan_items_case_id_nrm_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["nrm_plan_items.id"], name=op.f("fk_nrm_plan_items_goal_id_nrm_plan_items")
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_nrm_plan_items_owner_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_plan_items")),
    )
    with op.batch_alter_table("nrm_plan_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nrm_plan_items_case_id"), ["case_id"], unique=False)

    op.create_table(
        "nrm_referrals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("from_agency_id", sa.Uuid(), nullable=False),
        sa.Column("to_agency_id", sa.Uuid(), nullable=False),
        sa.Column(
            "service",
            sa.Enum(
                "shelter",
                "medical",
                "psychological",
                "legal_aid",
                "education_employment",
                "consulate",
                "child_protection",
                name="service_type",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "received",
                "accepted",
                "rejected",
                "in_progress",
                "completed",
                "failed",
                "cancelled",
                name="referral_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "consent_exception",
            sa.Enum(
                "child",
                "court_order",
                name="consent_exception",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["nrm_cases.id"], name=op.f("fk_nrm_referrals_case_id_nrm_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["from_agency_id"], ["agencies.id"], name=op.f("fk_nrm_referrals_from_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_nrm_referrals_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["to_agency_id"], ["agencies.id"], name=op.f("fk_nrm_referrals_to_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_referrals")),
    )
    with op.batch_alter_table("nrm_referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nrm_referrals_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_nrm_referrals_inbox", ["to_agency_id", "status", "case_id"], unique=False)

    op.create_table(
        "nrm_rights",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "information",
                "interpreter",
                "shelter",
                "social_services",
                "legal_aid",
                "medical_care",
                "reflection_period",
                name="right_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "offered",
                "accepted",
                "declined",
                name="right_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("offered_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["nrm_cases.id"], name=op.f("fk_nrm_rights_case_id_nrm_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_nrm_rights_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_rights")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_nrm_rights_case_id")),
    )


def downgrade() -> None:
    op.drop_table("nrm_rights")
    with op.batch_alter_table("nrm_referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_nrm_referrals_inbox")
        batch_op.drop_index(batch_op.f("ix_nrm_referrals_case_id"))

    op.drop_table("nrm_referrals")
    with op.batch_alter_table("nrm_plan_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nrm_plan_items_case_id"))

    op.drop_table("nrm_plan_items")
    with op.batch_alter_table("nrm_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nrm_notes_case_id"))

    op.drop_table("nrm_notes")
    op.drop_table("nrm_home_notifications")
    with op.batch_alter_table("nrm_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nrm_consents_case_id"))

    op.drop_table("nrm_consents")
    with op.batch_alter_table("nrm_case_history", schema=None) as batch_op:
        batch_op.drop_index("ix_nrm_case_history_case")

    op.drop_table("nrm_case_history")
    with op.batch_alter_table("nrm_break_glass", schema=None) as batch_op:
        batch_op.drop_index("ix_nrm_break_glass_user")

    op.drop_table("nrm_break_glass")
    with op.batch_alter_table("nrm_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nrm_cases_person_id"))
        batch_op.drop_index("ix_nrm_cases_owner")
        batch_op.drop_index("ix_nrm_cases_due")
        batch_op.drop_index("ix_nrm_cases_assigned")

    op.drop_table("nrm_cases")
    with op.batch_alter_table("nrm_person_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_nrm_person_keys_lookup")

    op.drop_table("nrm_person_keys")
    op.drop_table("nrm_persons")
