"""Initial schema: customers, merchants, orders, plans, payments, refunds and more.

Revision ID: 0001_initial_schema
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial_schema"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _customer_fk() -> sa.Column:
    return sa.Column("customer_id", sa.String(16), sa.ForeignKey("customers.id"), nullable=False)


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "customers",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    )
    op.create_table(
        "merchants",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("statement_descriptor", sa.String(40), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("refund_days", sa.Integer(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
    )
    op.create_table(
        "payment_methods",
        sa.Column("id", sa.String(24), primary_key=True),
        _customer_fk(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("brand", sa.String(40), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("expires", sa.String(7), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("simulated_decline", sa.String(40), nullable=True),
    )
    op.create_index("ix_payment_methods_customer_id", "payment_methods", ["customer_id"])
    op.create_table(
        "orders",
        sa.Column("id", sa.String(16), primary_key=True),
        _customer_fk(),
        sa.Column("merchant_id", sa.String(16), sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("shipped_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("payments_paused_until", sa.Date(), nullable=True),
    )
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(16), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_order_items_order_id", "order_items", ["order_id"])
    op.create_table(
        "payment_plans",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column(
            "order_id", sa.String(16), sa.ForeignKey("orders.id"), nullable=False, unique=True
        ),
        _customer_fk(),
        sa.Column("instalment_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_payment_plans_customer_id", "payment_plans", ["customer_id"])
    op.create_table(
        "instalments",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("plan_id", sa.String(16), sa.ForeignKey("payment_plans.id"), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_instalments_plan_id", "instalments", ["plan_id"])
    op.create_table(
        "extensions",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("plan_id", sa.String(16), sa.ForeignKey("payment_plans.id"), nullable=False),
        sa.Column("instalment_id", sa.String(16), sa.ForeignKey("instalments.id"), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("old_due_date", sa.Date(), nullable=False),
        sa.Column("new_due_date", sa.Date(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_extensions_plan_id", "extensions", ["plan_id"])
    op.create_index("ix_extensions_instalment_id", "extensions", ["instalment_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.String(16), primary_key=True),
        _customer_fk(),
        sa.Column("order_id", sa.String(16), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("instalment_id", sa.String(16), sa.ForeignKey("instalments.id"), nullable=True),
        sa.Column("method_id", sa.String(24), sa.ForeignKey("payment_methods.id"), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decline_reason", sa.String(40), nullable=True),
        sa.Column("decline_message", sa.String(300), nullable=True),
        sa.Column("receipt_number", sa.String(24), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_payments_customer_id", "payments", ["customer_id"])
    op.create_index("ix_payments_order_id", "payments", ["order_id"])
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(16), primary_key=True),
        _customer_fk(),
        sa.Column("order_id", sa.String(16), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("payment_id", sa.String(16), sa.ForeignKey("payments.id"), nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expected_by", sa.Date(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_refunds_customer_id", "refunds", ["customer_id"])
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(16), primary_key=True),
        _customer_fk(),
        sa.Column(
            "payment_id", sa.String(16), sa.ForeignKey("payments.id"), nullable=False, unique=True
        ),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_disputes_customer_id", "disputes", ["customer_id"])
    op.create_table(
        "returns",
        sa.Column("id", sa.String(16), primary_key=True),
        _customer_fk(),
        sa.Column(
            "order_id", sa.String(16), sa.ForeignKey("orders.id"), nullable=False, unique=True
        ),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("payments_paused_until", sa.Date(), nullable=False),
    )
    op.create_index("ix_returns_customer_id", "returns", ["customer_id"])
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("number", sa.String(24), nullable=False, unique=True),
        _customer_fk(),
        sa.Column("order_id", sa.String(16), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
    )
    op.create_index("ix_invoices_customer_id", "invoices", ["customer_id"])
    op.create_index("ix_invoices_order_id", "invoices", ["order_id"])
    op.create_table(
        "payment_method_links",
        sa.Column("id", sa.String(16), primary_key=True),
        _customer_fk(),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_payment_method_links_customer_id", "payment_method_links", ["customer_id"])
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
    )


def downgrade() -> None:
    """Drop every table, dependants first."""
    for table in (
        "idempotency_records",
        "payment_method_links",
        "invoices",
        "returns",
        "disputes",
        "refunds",
        "payments",
        "extensions",
        "instalments",
        "payment_plans",
        "order_items",
        "orders",
        "payment_methods",
        "merchants",
        "customers",
    ):
        op.drop_table(table)
