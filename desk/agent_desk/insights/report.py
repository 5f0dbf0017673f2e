"""``python -m agent_desk.insights.report``: the insights as Markdown with PNG charts.

Reads the stores of ``make run`` by default (the repository's ``var/rasa-tracker.db``
and ``var/desk.db``), both read-only; ``--tracker-store-url`` and
``--desk-database-url`` point elsewhere (any SQLAlchemy URL).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from agent_desk.insights.charts import write_charts
from agent_desk.insights.filters import Filters
from agent_desk.insights.markdown import render
from agent_desk.insights.service import InsightsService
from agent_desk.insights.storage import StoreUnavailable, read_only_engine
from agent_desk.settings import DEFAULT_TRACKER_STORE_PATH

REPO_ROOT = DEFAULT_TRACKER_STORE_PATH.parent.parent
DEFAULT_DESK_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'desk.db'}"
DEFAULT_TRACKER_STORE_URL = f"sqlite:///{DEFAULT_TRACKER_STORE_PATH}"
DEFAULT_OUT = REPO_ROOT / "results" / "report"
REPORT_NAME = "insights.md"


def write_report(
    tracker_store_url: str,
    desk_database_url: str,
    out: Path,
    filters: Filters,
    now: datetime | None = None,
) -> Path:
    """Compute the insights and write the report and its charts into ``out``.

    Args:
        tracker_store_url: Rasa's tracker store.
        desk_database_url: The desk's database.
        out: Output directory (created).
        filters: Date range and channel.
        now: Generation time (the clock by default).

    Returns:
        The Markdown file.

    Raises:
        StoreUnavailable: A store cannot be read.
    """
    desk = read_only_engine(desk_database_url)
    service = InsightsService(tracker_store_url, desk)
    try:
        insights = service.insights(filters)
    finally:
        service.close()
        desk.dispose()
    charts = write_charts(insights, out)
    report = out / REPORT_NAME
    report.write_text(
        render(insights, [chart.name for chart in charts], now or datetime.now(UTC)),
        encoding="utf-8",
    )
    return report


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date like 2025-06-30") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command.

    Args:
        argv: Command-line arguments.

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m agent_desk.insights.report", description=__doc__
    )
    parser.add_argument("--tracker-store-url", default=DEFAULT_TRACKER_STORE_URL)
    parser.add_argument("--desk-database-url", default=DEFAULT_DESK_DATABASE_URL)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--from", dest="date_from", type=_day, help="first UTC day")
    parser.add_argument("--to", dest="date_to", type=_day, help="last UTC day")
    parser.add_argument("--channel", help="only this channel (e.g. socketio, rest)")
    args = parser.parse_args(argv)
    try:
        filters = Filters(args.date_from, args.date_to, args.channel)
    except ValueError as error:
        parser.error(str(error))
    try:
        report = write_report(args.tracker_store_url, args.desk_database_url, args.out, filters)
    except StoreUnavailable as error:
        print(
            f"ERROR: {error} Start the assistant once with `make run`, or pass "
            "--tracker-store-url / --desk-database-url.",
            file=sys.stderr,
        )
        return 1
    print(f"Wrote {report} and its charts.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
