"""Prepare a payments-backend database with the demo data plus many refundable orders.

Fault runs need many objects that stay valid: each extra order is delivered two
days ago at a merchant with a 60-day refund window and has four unpaid
instalments, so every run can pay one instalment or refund a few cents.

Runs with the backend's own interpreter (it imports ``payments_backend``)::

    .venv-backend/bin/python tests/faults/bulk_orders.py sqlite:////tmp/x.db 200

and prints a JSON summary: ``{"orders": {customer: [order ids]}, "instalments":
{customer: [instalment ids]}}``. Order numbers start at 950000.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# The backend's package, and the shared packages it imports (service_kit, redaction).
sys.path[:0] = [str(REPO_ROOT / "backend"), str(REPO_ROOT)]

from payments_backend import rules  # noqa: E402
from service_kit.db import create_db_engine, create_session_factory  # noqa: E402
from payments_backend.migrate import upgrade_to_head  # noqa: E402
from payments_backend.seed import Item, _Seeder, seed_demo_data  # noqa: E402

FIRST_ORDER_NUMBER = 950000
CUSTOMERS = ("C1001", "C1002", "C1003")
#: A delivered order of €100.00 at Alpine Outfitters (60-day refund window).
ITEMS = [Item("Fault-test rucksack", 1, "100.00")]


def prepare(database_url: str, orders: int) -> dict[str, dict[str, list[str]]]:
    """Migrate, seed the demo data and add ``orders`` orders spread over the customers.

    Args:
        database_url: An empty database.
        orders: How many extra orders.

    Returns:
        The extra orders and their instalments, by customer.
    """
    upgrade_to_head(database_url)
    engine = create_db_engine(database_url)
    now = datetime.now(UTC)
    summary: dict[str, dict[str, list[str]]] = {"orders": {}, "instalments": {}}
    try:
        with create_session_factory(engine)() as session:
            seed_demo_data(session, now)
            seeder = _Seeder(session, now)
            for index in range(orders):
                customer = CUSTOMERS[index % len(CUSTOMERS)]
                order_id = f"KL-{FIRST_ORDER_NUMBER + index}"
                instalments = seeder.order(
                    order_id,
                    customer,
                    "M-1003",
                    rules.DELIVERED,
                    ITEMS,
                    created=4,
                    shipped=3,
                    delivered=2,
                    first_due_after=-10,  # first instalment due in 6 days
                    paid=0,
                )
                summary["orders"].setdefault(customer, []).append(order_id)
                summary["instalments"].setdefault(customer, []).extend(
                    row.id for row in instalments
                )
            session.commit()
    finally:
        engine.dispose()
    return summary


def main() -> None:
    """Command line: database URL and number of orders; prints the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("orders", type=int)
    args = parser.parse_args()
    print(json.dumps(prepare(args.database_url, args.orders)))


if __name__ == "__main__":
    main()
