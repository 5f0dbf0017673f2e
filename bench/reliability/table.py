"""The benchmark's result: one row per fault, printed as a Markdown table, and the exit code."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

#: Columns that must all be zero for the run to pass.
FAILING_COLUMNS = ("silent_turns", "events_lost", "duplicate_refunds", "leaked_secrets")

#: (attribute, header, right-aligned)
COLUMNS = (
    ("fault", "fault", False),
    ("faults_injected", "faults injected", True),
    ("messages_sent", "messages sent", True),
    ("silent_turns", "silent turns", True),
    ("events_lost", "events lost", True),
    ("duplicate_refunds", "duplicate refunds", True),
    ("leaked_secrets", "leaked secrets", True),
    ("apologies", "apologies", True),
    ("to_person", "to a person", True),
)


@dataclass
class ScenarioResult:
    """One row: a fault and what it cost.

    Attributes:
        fault: What was injected.
        faults_injected: Faults injected (processes stopped, outages, answers cut).
        messages_sent: Customer messages sent in the scenario.
        silent_turns: Messages with no usable reply or a reply after 5 s.
        events_lost: Tracker-store events never on the queue, plus answered
            messages the tracker store does not hold.
        duplicate_refunds: Refunds the backend made beyond one per submission.
        leaked_secrets: Distinct secrets typed in the scenario found readable in
            any sink at the end.
        apologies: Replies that were an apology (not counted as failures).
        to_person: Messages a person had (paused conversation, empty reply by design).
        details: Everything behind the figures (problems, per sink, timings).
    """

    fault: str
    faults_injected: int = 0
    messages_sent: int = 0
    silent_turns: int = 0
    events_lost: int = 0
    duplicate_refunds: int = 0
    leaked_secrets: int = 0
    apologies: int = 0
    to_person: int = 0
    details: Dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """Whether any failing column is non-zero, or the scenario itself broke."""
        return any(getattr(self, name) for name in FAILING_COLUMNS) or bool(
            self.details.get("errors")
        )


def total(results: Sequence[ScenarioResult]) -> ScenarioResult:
    """The sum of every numeric column."""
    summed = ScenarioResult(fault="total")
    for attribute, _, numeric in COLUMNS:
        if numeric:
            setattr(summed, attribute, sum(getattr(result, attribute) for result in results))
    return summed


def format_table(results: Sequence[ScenarioResult]) -> str:
    """A Markdown table of the rows plus a total row."""
    rows = [_cells(result) for result in list(results) + [total(results)]]
    headers = [header for _, header, _ in COLUMNS]
    widths = [max(len(header), *(len(row[i]) for row in rows)) for i, header in enumerate(headers)]
    lines = [_line(headers, widths, [False] * len(COLUMNS))]
    lines.append(
        "|"
        + "|".join(
            ("-" * (w + 1) + ":" if right else "-" * (w + 2))
            for w, (_, _, right) in zip(widths, COLUMNS)
        )
        + "|"
    )
    aligned = [right for _, _, right in COLUMNS]
    lines += [_line(row, widths, aligned) for row in rows]
    return "\n".join(lines)


def exit_code(results: Sequence[ScenarioResult]) -> int:
    """1 when any row failed, else 0."""
    return 1 if any(result.failed for result in results) else 0


def as_json(results: Sequence[ScenarioResult]) -> List[Dict[str, Any]]:
    """The rows as plain dictionaries (details included)."""
    return [dataclasses.asdict(result) for result in results]


def _cells(result: ScenarioResult) -> List[str]:
    return [str(getattr(result, attribute)) for attribute, _, _ in COLUMNS]


def _line(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    padded = [
        cell.rjust(width) if align else cell.ljust(width)
        for cell, width, align in zip(cells, widths, right)
    ]
    return "| " + " | ".join(padded) + " |"
