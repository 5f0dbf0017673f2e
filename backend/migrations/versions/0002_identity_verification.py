"""Identity verification by e-mail: one-time codes and the outbox of sent messages.

Revision ID: 0002_identity_verification
Revises: 0001_initial_schema
Create Date: 2025-06-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_identity_verification"
down_revision: str | None = "0001_initial_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``verification_codes`` and ``outbound_messages``."""
    op.create_table(
        "verification_codes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("customer_id", sa.String(16), sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_index(
        "ix_verification_codes_email_created_at", "verification_codes", ["email", "created_at"]
    )
    op.create_index("ix_verification_codes_customer_id", "verification_codes", ["customer_id"])
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_outbound_messages_recipient", "outbound_messages", ["recipient"])


def downgrade() -> None:
    """Drop both tables (their indexes go with them)."""
    op.drop_table("outbound_messages")
    op.drop_table("verification_codes")
