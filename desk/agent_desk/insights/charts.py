"""PNG charts of the insights (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from agent_desk.insights.summary import DayFigures, Figures, Insights  # noqa: E402

COLORS = {
    "contained": "#1a7f37",
    "handed_over": "#bf8700",
    "unresolved": "#8c959f",
    "fallback": "#cf222e",
    "bot": "#1f6feb",
    "rating": "#8250df",
}
_SIZE = (8, 3.2)


def _labels(days: Sequence[DayFigures]) -> list[str]:
    return [day.day.strftime("%m-%d") for day in days]


def _series(
    days: Sequence[DayFigures], pick: Callable[[Figures], float | None]
) -> list[float | None]:
    return [pick(day.figures) for day in days]


def _finish(figure: Figure, axes: Axes, labels: Sequence[str], path: Path) -> None:
    step = max(1, len(labels) // 10)
    axes.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])
    axes.grid(axis="y", color="#eaeef2")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _lines(
    path: Path,
    title: str,
    days: Sequence[DayFigures],
    series: Sequence[tuple[str, str, list[float | None]]],
    percent_axis: bool,
) -> None:
    figure, axes = plt.subplots(figsize=_SIZE)
    positions = range(len(days))
    for label, color, values in series:
        points = [(x, v) for x, v in zip(positions, values, strict=True) if v is not None]
        axes.plot(
            [x for x, _ in points], [v for _, v in points], marker="o", color=color, label=label
        )
    if percent_axis:
        axes.set_ylim(0, 1.05)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:
        axes.set_ylim(bottom=0)
    axes.set_title(title, loc="left", fontsize=11)
    _finish(figure, axes, _labels(days), path)


def outcomes_chart(insights: Insights, path: Path) -> None:
    """Conversations per day, stacked: contained, handed over, neither."""
    days = insights.days
    figure, axes = plt.subplots(figsize=_SIZE)
    bottom = [0] * len(days)
    for key, label in (
        ("contained", "Resolved by the assistant"),
        ("handed_over", "Handed over"),
        ("unresolved", "Neither"),
    ):
        values = [getattr(day.figures.outcomes, key) for day in days]
        axes.bar(range(len(days)), values, bottom=bottom, color=COLORS[key], label=label)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title("Conversations per day", loc="left", fontsize=11)
    _finish(figure, axes, _labels(days), path)


def rates_chart(insights: Insights, path: Path) -> None:
    """Containment, handoff and fallback rates per day."""
    days = insights.days
    _lines(
        path,
        "Rates per day",
        days,
        [
            (
                "Containment",
                COLORS["contained"],
                _series(days, lambda f: f.outcomes.containment_rate),
            ),
            ("Handoff", COLORS["handed_over"], _series(days, lambda f: f.outcomes.handoff_rate)),
            ("Fallback", COLORS["fallback"], _series(days, lambda f: f.fallbacks.fallback_rate)),
        ],
        percent_axis=True,
    )


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def resolution_chart(insights: Insights, path: Path) -> None:
    """Median time to resolution per day, in minutes: assistant and person."""
    days = insights.days
    _lines(
        path,
        "Median time to resolution per day (minutes)",
        days,
        [
            (
                "Assistant",
                COLORS["bot"],
                _series(days, lambda f: _minutes(f.bot_resolution_seconds.median)),
            ),
            (
                "Person",
                COLORS["handed_over"],
                _series(days, lambda f: _minutes(f.human_resolution_seconds.median)),
            ),
        ],
        percent_axis=False,
    )


def satisfaction_chart(insights: Insights, path: Path) -> None:
    """Share solved and mean rating (as a share of 5) per day."""
    days = insights.days

    def rating_share(figures: Figures) -> float | None:
        mean = figures.satisfaction.mean_rating
        return None if mean is None else mean / 5

    _lines(
        path,
        "Satisfaction per day",
        days,
        [
            (
                "Solved (share)",
                COLORS["contained"],
                _series(days, lambda f: f.satisfaction.solved_share),
            ),
            ("Mean rating / 5", COLORS["rating"], _series(days, rating_share)),
        ],
        percent_axis=True,
    )


def handoff_reasons_chart(insights: Insights, path: Path) -> None:
    """Handed-over conversations by reason (horizontal bars)."""
    rows = list(reversed(insights.handoff_by_reason))
    figure, axes = plt.subplots(figsize=(8, max(1.6, 0.45 * len(rows) + 0.9)))
    axes.barh([row.key for row in rows], [row.count for row in rows], color=COLORS["handed_over"])
    axes.set_title("Handoffs by reason", loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


#: File name -> chart, in the report's order.
CHARTS: dict[str, Callable[[Insights, Path], None]] = {
    "outcomes.png": outcomes_chart,
    "rates.png": rates_chart,
    "resolution.png": resolution_chart,
    "satisfaction.png": satisfaction_chart,
    "handoff-reasons.png": handoff_reasons_chart,
}


def write_charts(insights: Insights, directory: Path) -> list[Path]:
    """Draw every chart into ``directory``.

    Returns:
        The files written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in CHARTS.items():
        draw(insights, directory / name)
        written.append(directory / name)
    return written
